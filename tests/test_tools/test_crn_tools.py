"""CRN end to end on the CPU: configs/crn/crn_synthetic.py (shrunk) trains,
tests with --num-samples taken from its n outputs, infers, and a
higher-resolution stage initialises from the lower one's checkpoint."""
import os.path as osp
import uuid

import cv2
import numpy as np
import pytest
import torch
from tiny_train_configs import REPO, load_tool

from mmsemsyn.datasets.synthetic_scenes import render_scene

train_tool = load_tool('train')
test_tool = load_tool('test')
infer_tool = load_tool('infer')

BASE = osp.join(REPO, 'configs', 'crn', 'crn_synthetic.py')
TINY = '''
_base_ = [{base!r}]
experiment_name = 'crn_{tag}'
visualizer = dict(name='visualizer_{tag}')
img_size = (32, 32)
train_dataloader = dict(dataset=dict(num_samples=4, img_size=img_size))
test_dataloader = dict(batch_size=2, dataset=dict(num_samples=2,
                                                  img_size=img_size))
val_dataloader = dict(dataset=dict(img_size=img_size, indices=2))
model = dict(
    generator=dict(channels={channels}, num_outputs={n},
                   frozen_stages={frozen}),
    losses=dict(content=dict(layer_weights=dict(
        _delete_=True, input=1.0, relu1_2=1.0))))
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=2,
                     num_samples=2)]
'''


def write(folder, name, channels=(8, 8, 8, 4), n=3, frozen=0, extra=''):
    path = osp.join(str(folder), name)
    with open(path, 'w') as f:
        f.write(TINY.format(base=BASE, tag=uuid.uuid4().hex[:8],
                            channels=tuple(channels), n=n,
                            frozen=frozen) + extra)
    return path


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('crn')
    cfg = write(tmp, 'crn_tiny.py')
    work = tmp / 'work'
    runner = train_tool.main([cfg, '--work-dir', str(work)])
    assert runner.iter == 2
    return tmp, cfg, str(work / 'iter_2.pth')


def test_train_logs_content_loss_and_saves(trained):
    tmp, _, ckpt = trained
    state = torch.load(ckpt, map_location='cpu')['state_dict']
    assert state['generator.to_rgb.weight'].shape == (9, 4, 1, 1)
    assert not any(k.startswith('discriminator.') for k in state)
    log = open(next((tmp / 'work').glob('*/*.log'))).read()
    assert 'loss_content' in log and 'loss_gen' in log
    assert osp.isfile(tmp / 'work' / 'vis' / 'iter_0000002.png')


def test_test_tool_num_samples_from_the_outputs(trained, tmp_path):
    import torchvision
    _, cfg, ckpt = trained
    alex = tmp_path / 'alexnet.pth'
    torch.save(torchvision.models.alexnet(weights=None).state_dict(), alex)
    extra = (f"test_evaluator = [dict(type='PixelMetrics'), dict("
             f"type='LPIPSDiversity', backbone_path={str(alex)!r}, "
             f"device='cpu')]\n")
    cfg_eval = write(tmp_path, 'crn_eval.py', extra=extra)
    save = tmp_path / 'images'
    metrics = test_tool.main([cfg_eval, ckpt, '--num-samples', '3',
                              '--save-dir', str(save)])
    assert metrics['diversity/lpips'] > 0  # 3 different outputs
    samples = sorted(p.name for p in (save / 'fake_samples').iterdir())
    assert len(samples) == 2 * 3
    # Sample 0 of each label map is the saved fake.
    name = sorted(p.name for p in (save / 'fake').iterdir())[0]
    stem = name[:-4]
    assert np.array_equal(cv2.imread(str(save / 'fake' / name)),
                          cv2.imread(str(save / 'fake_samples' /
                                         f'{stem}_0.png')))
    with pytest.raises(ValueError, match='--num-samples 4'):
        test_tool.main([cfg_eval, ckpt, '--num-samples', '4'])


def test_infer_tool(trained, tmp_path):
    _, cfg, ckpt = trained
    _, label, _ = render_scene(3, 0, 32, 32)
    path = str(tmp_path / 'scene_label.png')
    cv2.imwrite(path, label.astype(np.uint8))
    out = infer_tool.main([cfg, ckpt, path, '--out-dir',
                           str(tmp_path / 'out'), '--device', 'cpu'])
    img = cv2.imread(out[0], cv2.IMREAD_UNCHANGED)
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8


def test_next_stage_loads_the_lower_resolution(trained, tmp_path):
    """The 512p recipe: one more module, one output; every module of the
    lower stage is loaded, its n-image output conv (shape mismatch) and
    the new module start fresh (official demo_512p.py restore list)."""
    _, _, ckpt = trained
    extra = "train_cfg = dict(max_iters=1, val_interval=10**9)\n"
    cfg = write(tmp_path, 'crn_next.py', channels=(8, 8, 8, 4, 4), n=1,
                frozen=4, extra=extra)
    work = tmp_path / 'work'
    train_tool.main([cfg, '--work-dir', str(work), '--load-from', ckpt,
                     '--cfg-options', 'default_hooks.checkpoint.interval=1'])
    low = torch.load(ckpt, map_location='cpu')['state_dict']
    high = torch.load(work / 'iter_1.pth', map_location='cpu')['state_dict']
    for key, value in low.items():
        if key.startswith('generator.refinement_modules.'):
            # Loaded, and frozen by frozen_stages=4, so still equal.
            assert torch.equal(high[key], value), key
    assert high['generator.to_rgb.weight'].shape == (3, 4, 1, 1)
    assert 'generator.refinement_modules.4.conv1.0.weight' in high
