"""Tiny pix2pix configs for end-to-end tool tests (32-64 px, ngf 4)."""
import os.path as osp
import uuid

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PIX2PIX_SYNTHETIC = osp.join(REPO, 'configs', 'pix2pix',
                             'pix2pix_synthetic.py')


def write_tiny_config(folder, size: int = 32, num_downs: int = 5,
                      iters: int = 2, base: str = PIX2PIX_SYNTHETIC,
                      extra: str = '', name: str = 'tiny.py') -> str:
    """Write a config inheriting ``base`` with a tiny model and data.

    Every config gets its own experiment and visualizer name, so several
    runners in one test process never share mmengine's named instances.
    """
    tag = uuid.uuid4().hex[:8]
    text = f'''
_base_ = [{base!r}]
experiment_name = 'tiny_{tag}'
visualizer = dict(name='visualizer_{tag}')
train_dataloader = dict(batch_size=2, dataset=dict(
    num_samples=4, img_size=({size}, {size})))
test_dataloader = dict(batch_size=2, dataset=dict(
    num_samples=2, img_size=({size}, {size})))
model = dict(generator=dict(num_downs={num_downs}, ngf=4),
             discriminator=dict(ndf=4))
train_cfg = dict(max_iters={iters})
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval={iters}))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval={iters},
                     num_samples=2)]
''' + extra
    path = osp.join(str(folder), name)
    with open(path, 'w') as f:
        f.write(text)
    return path


def load_tool(name: str):
    """Import ``tools/<name>.py`` (tools/ is not a package)."""
    import importlib.util
    path = osp.join(REPO, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(
        f'mmsemsyn_tool_{name.replace("/", "_")}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
