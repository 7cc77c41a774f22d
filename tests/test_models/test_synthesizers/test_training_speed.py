"""Issue 14 (speed at equal numerics): the real image's VGG features carry
no graph (and LGGAN computes them once), pix2pixHD runs D on the real image
once per step, the training step of the synthetic configs never reads a
tensor value on the host, fused Adam by default, and the bf16 autocast,
torch.compile and channels_last switches run a training step."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmsemsyn.structures import SynDataSample
from mmsemsyn.utils import register_all_modules

register_all_modules()
REPO = Path(__file__).resolve().parents[3]
NC = 6  # classes of the synthetic configs


def batch(n=2, h=32, w=32, seed=1):
    g = torch.Generator().manual_seed(seed)
    label = torch.randint(0, NC, (n, 1, h // 8, w // 8), generator=g)
    label = label.repeat_interleave(8, 2).repeat_interleave(8, 3)
    return dict(inputs=dict(
        label=list(label), inst=list(label * 1000),
        img=list(torch.randint(0, 256, (n, 3, h, w), generator=g,
                               dtype=torch.uint8))),
        data_samples=[SynDataSample() for _ in range(n)])


def small_vgg():
    return dict(type='VGGPerceptualLoss', pretrained=None,
                layers=('relu1_1', 'relu2_1'), layer_weights=(0.5, 1.0))


def tiny(name, **extra):
    """A synthetic config's model at tiny widths + its optim_wrapper."""
    cfg = Config.fromfile(str(REPO / 'configs' / name))
    model = copy.deepcopy(cfg.model.to_dict())
    gen, disc = model['generator'], model['discriminator']
    if 'spade' in name or 'lggan' in name:
        gen.update(ngf=2, spade_hidden=4)
        disc.update(ndf=4)
        if 'lggan' in name:
            gen.update(n_blocks=1)
    elif 'pix2pixhd' in name:
        gen.update(ngf=4, n_blocks=1)
        disc.update(ndf=4)
    model['losses']['vgg'] = small_vgg()
    model.update(extra)
    ow = copy.deepcopy(cfg.optim_wrapper.to_dict())
    ow.pop('constructor', None)
    return model, ow


def lab2pix_v2(**extra):
    hpd = dict(type='HierarchicalPerceptualDiscriminator', feat_channels=4,
               vgg_pretrained=None)
    model = dict(
        type='Lab2PixV2',
        data_preprocessor=dict(type='SynDataPreprocessor', num_classes=NC,
                               use_instance_edges=True),
        generator=dict(type='Lab2PixV2Generator', semantic_nc=NC + 1, ngf=2,
                       crop_size=64, aspect_ratio=1.0,
                       num_upsampling_layers='normal', global_channels=4,
                       encoder_channels=4),
        discriminator=dict(type='HierarchicalPerceptualDiscriminators',
                           in_channels=NC + 1 + 3, ndf=2, num_levels=(3, 2),
                           discriminator=hpd),
        foreground_mask=dict(type='ForegroundEnhancementMask',
                             background_ids=[0], enhance_rate=5.0),
        losses=dict(
            gan=dict(type='HierarchicalGANLoss', gan_type='hinge',
                     level_normalization='cumulative'),
            gan_disc=dict(type='HierarchicalGANLoss', gan_type='hinge',
                          level_normalization='cumulative',
                          loss_name='loss_d'),
            sharp=dict(type='SharpnessEnhancementLoss', balance='average'),
            feat=dict(type='FeatureMatchingLoss'),
            vgg=small_vgg()))
    model.update(extra)
    adam = dict(type='Adam', lr=1e-4, betas=(0.0, 0.9))
    return model, dict(generator=dict(optimizer=adam),
                       discriminator=dict(optimizer=dict(adam, lr=4e-4)))


def build(model_cfg, ow_cfg, seed=0):
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(model_cfg))
    model.init_weights()
    ow = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='SynOptimWrapperConstructor',
        optim_wrapper_cfg=copy.deepcopy(ow_cfg)))(model)
    return model, ow


def steps(model, ow, n=2):
    """``n`` training steps (iterations 0..n-1); the last step's log."""
    hub = MessageHub.get_current_instance()
    torch.manual_seed(123)
    for i in range(n):
        hub.update_info('iter', i)
        log = model.train_step(batch(seed=i), ow)
    return log


# ---- item 1: VGG loss -----------------------------------------------------
def test_vgg_real_features_have_no_graph_and_equal_the_batched_loss():
    loss = MODELS.build(small_vgg())
    torch.manual_seed(0)
    fake = torch.rand(2, 3, 16, 16, requires_grad=True) * 2 - 1
    real = torch.rand(2, 3, 16, 16) * 2 - 1
    calls = []
    loss.vgg.register_forward_hook(
        lambda m, i, o: calls.append(any(v.requires_grad
                                         for v in o.values())))
    value = loss(fake, real)
    # one VGG pass with a graph (the fake), one without (the real)
    assert sorted(calls) == [False, True]
    feats = loss.target_features(real)
    assert not any(v.requires_grad or v.grad_fn for v in feats.values())
    # same value and gradient as the official batched pass
    feats = loss.vgg(torch.cat([fake, real], 0))
    ref = sum(w * torch.nn.functional.l1_loss(feats[k][:2],
                                              feats[k][2:].detach())
              for k, w in loss.layer_weights.items()) * loss.loss_weight
    g, = torch.autograd.grad(value, fake)
    g_ref, = torch.autograd.grad(ref, fake)
    torch.testing.assert_close(value, ref)
    torch.testing.assert_close(g, g_ref)
    # precomputed features give the same value
    torch.testing.assert_close(
        loss(fake, target_feats=loss.target_features(real)), value)
    with pytest.raises(ValueError, match='target'):
        loss(fake)


def test_lggan_computes_the_real_vgg_features_once():
    model, ow = build(*tiny('lggan/lggan_synthetic.py'))
    vgg = model.losses['vgg']
    calls = []
    orig = vgg.target_features

    def counted(target):
        calls.append(target.shape)
        return orig(target)
    vgg.target_features = counted
    log = steps(model, ow, n=1)
    assert len(calls) == 1  # fused, global and local share them
    for suffix in ('', '_global', '_local'):
        assert torch.isfinite(log[f'loss_vgg{suffix}'])


# ---- item 2: pix2pixHD D(real) once ----------------------------------------
@pytest.mark.parametrize('share', [True, False])
def test_pix2pixhd_runs_d_on_the_real_image_once(share):
    model_cfg, ow_cfg = tiny('pix2pixhd/pix2pixhd_global_synthetic.py',
                             share_real_prediction=share)
    model, ow = build(model_cfg, ow_cfg)
    calls = []
    model.discriminator.register_forward_hook(
        lambda m, i, o: calls.append(i[0].shape[0]))
    steps(model, ow, n=1)
    # D(fake) for G, D(real), D(fake) for D; the old path adds one D(real)
    assert len(calls) == (3 if share else 4)


def test_pix2pixhd_shared_real_prediction_gives_equal_training():
    model_cfg, ow_cfg = tiny('pix2pixhd/pix2pixhd_global_synthetic.py')
    model_cfg['losses']['vgg'] = None  # not involved; saves time
    a, ow_a = build(dict(model_cfg, share_real_prediction=True), ow_cfg)
    b, ow_b = build(dict(model_cfg, share_real_prediction=False), ow_cfg)
    log_a, log_b = steps(a, ow_a, 2), steps(b, ow_b, 2)
    assert set(log_a) == set(log_b)
    for k in log_a:
        torch.testing.assert_close(log_a[k], log_b[k], rtol=1e-5,
                                   atol=1e-6)
    for (n, p), q in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6, msg=n)
    # no D graph left behind in the inputs
    assert all(p.requires_grad for p in a.discriminator.parameters())


# ---- item 3: no host synchronisation --------------------------------------
# the no_host_reads fixture: conftest.py of this folder


@pytest.mark.parametrize('name', ['spade', 'pix2pixhd', 'lggan',
                                  'lab2pix_v2'])
def test_train_step_reads_no_tensor_on_the_host(name, no_host_reads):
    if name == 'lab2pix_v2':
        model_cfg, ow_cfg = lab2pix_v2()
    else:
        cfg = {'spade': 'spade/spade_synthetic.py',
               'pix2pixhd': 'pix2pixhd/pix2pixhd_global_synthetic.py',
               'lggan': 'lggan/lggan_synthetic.py'}[name]
        model_cfg, ow_cfg = tiny(cfg)
        if name == 'lggan':
            # The default 'label' class convs split the pixels by class,
            # which needs the class sizes on the host (see the report of
            # issue 14); the grouped convs need none.
            model_cfg['generator']['class_conv_impl'] = 'grouped'
    model, ow = build(model_cfg, ow_cfg)
    # (Lab2Pix-V2's deepest D level needs 64 px)
    data = batch(h=64, w=64) if name == 'lab2pix_v2' else batch()
    # (the label ids are checked by LoadLabelMap when the file is read;
    # every synthetic config: test_no_host_sync_all_configs.py)
    MessageHub.get_current_instance().update_info('iter', 0)
    no_host_reads()
    log = model.train_step(data, ow)
    assert 'loss_gen' in log and 'loss_disc' in log


def test_label_check_still_names_the_file(tmp_path):
    """The check moved from the preprocessor to the loading pipeline,
    where the file is read; the preprocessor's own check is an opt-in."""
    import numpy as np

    from mmsemsyn.datasets.transforms.loading import LoadLabelMap
    from mmsemsyn.fileio import write_image
    ids = np.zeros((8, 8), np.uint8)
    ids[0, 0] = NC + 3
    path = write_image(ids, str(tmp_path / 'bad_label.png'))
    with pytest.raises(ValueError, match='bad_label.png.*9'):
        LoadLabelMap(num_classes=NC)(dict(label_path=path))
    model, _ = build(*tiny('spade/spade_synthetic.py'))
    data = batch()
    data['inputs']['label'][1][0, 0, 0] = NC + 3
    data['data_samples'][1].set_metainfo(dict(label_path='bad_label.png'))
    # no check (no host read) in the training step unless asked for
    assert model.data_preprocessor.check_labels is False
    model.data_preprocessor.check_labels = True
    with pytest.raises(ValueError, match='bad_label.png.*9'):
        model.data_preprocessor(data, True)


# ---- item 4: fused Adam -----------------------------------------------------
def test_optimizers_default_to_fused_and_match_single_tensor():
    model_cfg, ow_cfg = tiny('spade/spade_synthetic.py')
    a, ow_a = build(model_cfg, ow_cfg)
    single = copy.deepcopy(ow_cfg)
    for sub in single.values():
        sub['optimizer'].update(foreach=False, fused=False)
    b, ow_b = build(model_cfg, single)
    assert ow_a['generator'].optimizer.defaults['fused'] is True
    assert ow_b['generator'].optimizer.defaults['fused'] is False
    assert not ow_b['generator'].optimizer.defaults['foreach']
    log_a, log_b = steps(a, ow_a, 2), steps(b, ow_b, 2)
    for k in log_a:
        torch.testing.assert_close(log_a[k], log_b[k], rtol=1e-4, atol=1e-5)
    # Equal within float rounding -- except where the gradient itself is
    # float noise (conv biases in front of a normalisation have a zero
    # gradient in exact arithmetic): there Adam moves by ~lr * sign(noise)
    # in both, in arbitrary directions.
    close = total = 0
    for p, q in zip(a.parameters(), b.parameters()):
        close += int(torch.isclose(p, q, rtol=1e-5, atol=1e-6).sum())
        total += p.numel()
    assert close > 0.99 * total


# ---- items 5 and 6: bf16 autocast, compile, channels_last -----------------
def test_bf16_autocast_step_on_cpu_keeps_fp32_weights():
    model_cfg, ow_cfg = tiny('spade/spade_synthetic.py')
    for sub in ow_cfg.values():
        sub.update(type='AutocastOptimWrapper', dtype='bfloat16')
    model, ow = build(model_cfg, ow_cfg)
    with ow['generator'].optim_context(model.generator):
        fake = model.forward_generator(
            model.data_preprocessor(batch(), True)['inputs'])['fake_img']
    assert fake.dtype == torch.bfloat16
    assert not hasattr(ow['generator'], 'loss_scaler')
    log = steps(model, ow, 2)
    assert all(torch.isfinite(v) for v in log.values())
    assert all(p.dtype == torch.float32 for p in model.parameters())
    from mmsemsyn.engine.optimizers.autocast_optim_wrapper import (
        AutocastOptimWrapper,
    )
    with pytest.raises(ValueError, match='bfloat16'):
        AutocastOptimWrapper(dtype='int8', optimizer=torch.optim.SGD(
            [torch.nn.Parameter(torch.zeros(1))], lr=1))


def test_compile_and_channels_last_switches_train_equally():
    model_cfg, ow_cfg = tiny('spade/spade_synthetic.py')
    ref, ow_ref = build(model_cfg, ow_cfg)
    # backend='eager': dynamo traces every network (graph breaks and
    # guards are exercised) without the minutes of inductor code generation
    fast, ow_fast = build(dict(model_cfg, channels_last=True,
                               compile_networks=dict(backend='eager')),
                          ow_cfg)
    for net in (fast.generator, fast.discriminator, fast.losses['vgg']):
        assert net._compiled_call_impl is not None
    conv = next(m for m in fast.generator.modules()
                if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    # checkpoints keep their keys
    assert set(fast.state_dict()) == set(ref.state_dict())
    # (NHWC convolutions round differently: equal within float rounding)
    log_ref, log_fast = steps(ref, ow_ref, 1), steps(fast, ow_fast, 1)
    for k in log_ref:
        torch.testing.assert_close(log_fast[k], log_ref[k], rtol=1e-3,
                                   atol=1e-4)
