"""The unpaired diversity CycleGAN (DiversityCycleGAN): the image pool, one
shared GAN step updating all four networks, the official G_A GAN quirk,
parameter counts, and a 2-iteration run of the synthetic config."""
import itertools
import os.path as osp
import sys
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.registry import DefaultScope

from mmsemsyn.models.synthesizers.diversity_cyclegan import ImagePool
from mmsemsyn.registry import MODELS
from mmsemsyn.structures import SynDataSample
from mmsemsyn.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'diversity',
                     'cyclegan-div_synthetic.py')
FACADES = osp.join(REPO, 'configs', 'diversity', 'cyclegan-div_facades.py')

TINY = dict(
    generator=dict(num_downs=5, ngf=4),
    layout_generator=dict(num_downs=5, ngf=4),
    discriminator=dict(ndf=4),
    layout_discriminator=dict(ndf=4))


def build(**overrides):
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(SYNTHETIC)
    cfg.merge_from_dict(dict(model=TINY))
    for key, value in overrides.items():
        cfg.model[key] = value
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        return MODELS.build(cfg.model)


def batch(n=1, size=32):
    g = torch.Generator().manual_seed(0)
    inputs = dict(
        label=[torch.randint(0, 6, (1, size, size), generator=g)
               for _ in range(n)],
        img=[torch.randint(0, 256, (3, size, size), generator=g,
                           dtype=torch.uint8) for _ in range(n)])
    return dict(inputs=inputs,
                data_samples=[SynDataSample() for _ in range(n)])


def optim(model):
    return OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam(itertools.chain(
            model.generator.parameters(),
            model.layout_generator.parameters()), lr=1e-3)),
        discriminator=OptimWrapper(torch.optim.Adam(itertools.chain(
            model.discriminator.parameters(),
            model.layout_discriminator.parameters()), lr=1e-3)))


@pytest.fixture(autouse=True)
def iter_zero():
    MessageHub.get_current_instance().update_info('iter', 0)


def test_image_pool():
    torch.manual_seed(0)
    pool = ImagePool(2)
    a, b, c = (torch.full((1, 1, 2, 2), float(v)) for v in (1, 2, 3))
    # Filling: returned as they are.
    assert torch.equal(pool.query(torch.cat([a, b])), torch.cat([a, b]))
    # Full: each new image is returned itself or swapped for a stored one.
    seen = set()
    for _ in range(40):
        out = pool.query(c)
        seen.add(float(out.flatten()[0]))
        assert len(pool.images) == 2
    assert seen >= {3.0} and len(seen) >= 2
    assert torch.equal(ImagePool(0).query(a), a)
    with pytest.raises(ValueError, match='pool_size'):
        ImagePool(-1)


def test_one_step_updates_all_four_networks_and_logs_every_term():
    torch.manual_seed(0)
    model = build()
    model.train()
    nets = ('generator', 'layout_generator', 'discriminator',
            'layout_discriminator')
    before = {n: [p.detach().clone()
                  for p in getattr(model, n).parameters()] for n in nets}
    log = model.train_step(batch(), optim(model))
    assert set(log) >= {'loss_gan', 'loss_cycle', 'loss_div', 'loss_gen',
                        'loss_d_img_fake', 'loss_d_img_real',
                        'loss_d_layout_fake', 'loss_d_layout_real',
                        'loss_disc'}
    for n in nets:
        changed = any(not torch.equal(p, q) for p, q in zip(
            before[n], getattr(model, n).parameters()))
        assert changed, n
    # No stale gradient left in D_A by the generator step.
    assert all(p.grad is None or not p.grad.any()
               for p in model.layout_discriminator.parameters())


def test_forward_outputs_and_the_official_layout_gan_term():
    torch.manual_seed(0)
    model = build()
    model.train()
    data = model.data_preprocessor(batch(n=2), True)
    inputs = data['inputs']
    assert inputs['noise_pair_size'] == 2
    out = model.forward_generator(inputs)
    assert out['fake_img'].shape == (4, 3, 32, 32)  # G(l, 0) and G(l, n)
    assert out['fake_layout'].shape == (2, 6, 32, 32)
    assert out['rec_layout'].shape == (2, 6, 32, 32)
    assert out['rec_img'].shape == (2, 3, 32, 32)
    # layout_gan=False (official): the G loss does not depend on D_A.
    with torch.no_grad():
        base = model.generator_losses(inputs, out)['loss_gan']
        for p in model.layout_discriminator.parameters():
            p.add_(1.0)
        assert torch.equal(model.generator_losses(inputs, out)['loss_gan'],
                           base)
        model.layout_gan = True
        assert not torch.equal(
            model.generator_losses(inputs, out)['loss_gan'], base)
    model.eval()
    preds = model.predict(model.data_preprocessor(batch(n=2), False)[
        'inputs'])
    assert len(preds) == 2 and preds[0].fake_img.dtype == torch.uint8


def test_needs_the_noise_channel():
    with pytest.raises(ValueError, match='class_noise'):
        build(data_preprocessor=dict(type='SynDataPreprocessor',
                                     num_classes=6))


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_facades_parameter_counts():
    """From the pix2pix Facades counts (U-Net 256 with 12 input channels:
    54,423,171; 70x70 PatchGAN with 6: 2,768,705): G_B has one more input
    channel (+64*4*4), G_A 3 inputs (-9*64*16) and 12 outputs instead of 3
    (+9*(128*16 + 1)); D_B 3 inputs (-3*64*16), D_A 12 (+6*64*16)."""
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(FACADES)
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        g_b = MODELS.build(cfg.model.generator)
        g_a = MODELS.build(cfg.model.layout_generator)
        d_b = MODELS.build(cfg.model.discriminator)
        d_a = MODELS.build(cfg.model.layout_discriminator)
    assert _count(g_b) == 54_423_171 + 1024 == 54_424_195
    assert _count(g_a) == 54_423_171 - 9 * 1024 + 9 * (128 * 16 + 1) \
        == 54_432_396
    assert _count(d_b) == 2_768_705 - 3 * 1024 == 2_765_633
    assert _count(d_a) == 2_768_705 + 6 * 1024 == 2_774_849


def test_synthetic_config_trains_two_iterations(tmp_path):
    sys.path.insert(0, osp.join(REPO, 'tests', 'test_tools'))
    from tiny_train_configs import load_tool
    tag = uuid.uuid4().hex[:8]
    cfg = tmp_path / 'tiny.py'
    cfg.write_text(f'''
_base_ = [{SYNTHETIC!r}]
experiment_name = 'cgdiv_{tag}'
visualizer = dict(name='visualizer_{tag}')
model = dict(generator=dict(num_downs=5, ngf=4),
             layout_generator=dict(num_downs=5, ngf=4),
             discriminator=dict(ndf=4), layout_discriminator=dict(ndf=4))
train_dataloader = dict(dataset=dict(dataset=dict(num_samples=4,
                                                  img_size=(32, 32))))
test_dataloader = dict(batch_size=2, dataset=dict(num_samples=2,
                                                  img_size=(32, 32)))
val_dataloader = dict(dataset=dict(img_size=(32, 32), indices=2))
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
custom_hooks = []
''')
    runner = load_tool('train').main([str(cfg), '--work-dir',
                                      str(tmp_path / 'work')])
    assert runner.iter == 2
    state = torch.load(tmp_path / 'work' / 'iter_2.pth',
                       map_location='cpu')['state_dict']
    assert any(k.startswith('layout_generator.') for k in state)
    assert any(k.startswith('layout_discriminator.') for k in state)
    log = open(next((tmp_path / 'work').glob('*/*.log'))).read()
    assert 'loss_div' in log and 'loss_cycle' in log
    metrics = load_tool('test').main([str(cfg), str(tmp_path / 'work' /
                                                    'iter_2.pth'),
                                      '--num-samples', '2'])
    assert 'pixel/PSNR' in metrics
