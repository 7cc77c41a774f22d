"""Pix2PixHD synthesizer: losses and their official scaling, the training
step, instance features (train: encoded; test: cluster styles), and
loading a global checkpoint into a local enhancer."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapperDict

import mmsemsyn  # noqa: F401
from mmsemsyn.datasets.synthetic_scenes import SyntheticScenesDataset
from mmsemsyn.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmsemsyn.utils import register_all_modules

register_all_modules()

NUM_CLASSES = 6


def tiny_cfg(local=False, feat=False, num_D=2, vgg=False):
    feat_num = 3 if feat else 0
    cin = NUM_CLASSES + 1 + feat_num
    if local:
        gen = dict(type='LocalEnhancer', in_channels=cin, ngf=2,
                   n_downsample_global=2, n_blocks_global=1,
                   n_blocks_local=1)
    else:
        gen = dict(type='GlobalGenerator', in_channels=cin, ngf=4,
                   n_downsampling=2, n_blocks=1)
    cfg = dict(
        type='Pix2PixHD',
        data_preprocessor=dict(type='SynDataPreprocessor',
                               num_classes=NUM_CLASSES,
                               use_instance_edges=True),
        generator=gen,
        discriminator=dict(
            type='MultiScaleDiscriminator', in_channels=NUM_CLASSES + 1 + 3,
            ndf=4, n_layers_D=3, num_D=num_D,
            discriminator=dict(type='PatchDiscriminator', norm='IN',
                               padding=2, bias=True)),
        losses=dict(
            gan=dict(type='GANLoss', gan_type='lsgan', scale_reduction='sum',
                     loss_name='loss_gan'),
            gan_disc=dict(type='GANLoss', gan_type='lsgan', loss_weight=0.5,
                          scale_reduction='sum', loss_name='loss_gan_disc'),
            feat=dict(type='FeatureMatchingLoss', loss_weight=10.0,
                      layer_weight=1.0, average_scales=True),
            # The 'vgg' role's wiring is checked with a cheap stand-in
            # (a random VGG19 costs ~20 s on 2 busy cores; the
            # VGGPerceptualLoss itself is tested with the shared losses).
            vgg=dict(type='L1Loss', loss_weight=10.0, loss_name='loss_vgg')
            if vgg else None))
    if feat:
        cfg['encoder'] = dict(type='InstanceFeatureEncoder', feat_num=3,
                              nef=2, n_downsampling=2,
                              num_classes=NUM_CLASSES)
    return cfg


def batch(n=2, size=32):
    ds = SyntheticScenesDataset(num_samples=n, img_size=(size, size),
                                pipeline=[dict(type='PackSynInputs')])
    return pseudo_collate([ds[i] for i in range(n)])


def optim(model, feat=False):
    gen = dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)))
    if feat:
        gen['modules'] = ['generator', 'encoder']
    return OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='SynOptimWrapperConstructor',
        optim_wrapper_cfg=dict(generator=gen, discriminator=copy.deepcopy(
            dict(optimizer=dict(type='Adam', lr=2e-4,
                                betas=(0.5, 0.999))))))).__call__(model)


def test_train_step_logs_every_term_and_updates():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg(feat=True, vgg=True))
    ow = optim(model, feat=True)
    assert isinstance(ow, OptimWrapperDict)
    enc_before = [p.clone() for p in model.encoder.parameters()]
    log = model.train_step(batch(), ow)
    for key in ('loss_d_fake', 'loss_d_real', 'loss_gan', 'loss_feat',
                'loss_vgg', 'loss_gen', 'loss_disc'):
        assert key in log and torch.isfinite(log[key])
    # E trains in G's optimizer.
    assert any(not torch.equal(a, b)
               for a, b in zip(enc_before, model.encoder.parameters()))


def test_loss_scaling_matches_official_formulas():
    """GAN summed over scales; D loss halved; FM 4/(n+1) * 1/num_D * 10."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg(num_D=3))
    data = model.data_preprocessor(batch(1), True)
    inputs = data['inputs']
    outputs = model.forward_generator(inputs)
    fake, real, sem = outputs['fake_img'], inputs['img'], inputs['semantics']
    pf = model.discriminator(torch.cat([sem, fake], 1))
    pr = model.discriminator(torch.cat([sem, real], 1))
    g = model.generator_losses(inputs, outputs)
    assert torch.allclose(
        g['loss_gan'], sum(F.mse_loss(s[-1], torch.ones_like(s[-1]))
                           for s in pf))
    fm = sum(4.0 / (3 + 1) / 3 * 10 * F.l1_loss(a, b)
             for sf, sr in zip(pf, pr) for a, b in zip(sf[:-1], sr[:-1]))
    assert torch.allclose(g['loss_feat'], fm)
    d = model.discriminator_losses(inputs, model.detach_outputs(outputs))
    assert torch.allclose(
        d['loss_d_fake'], 0.5 * sum(F.mse_loss(s[-1], torch.zeros_like(
            s[-1])) for s in pf))
    # D never sees the instance features: its input is labels + image.
    assert model.discriminator.discriminators[0].blocks[0][0].in_channels \
        == NUM_CLASSES + 1 + 3


def test_cluster_styles_give_different_images():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg(feat=True)).eval()
    data = model.data_preprocessor(batch(1), False)
    inputs = data['inputs']
    encoded = model.predict(inputs)[0].fake_img  # no clusters: encode photo
    rng = np.random.default_rng(0)
    model.encoder.set_clusters({
        c: rng.uniform(-1, 1, (4, 3)) for c in range(NUM_CLASSES)})
    no_photo = {k: v for k, v in inputs.items() if k != 'img'}
    styles = [model.predict(dict(no_photo, style_indices=k))[0].fake_img
              for k in range(4)]
    assert styles[0].dtype == torch.uint8
    for a in range(4):
        for b in range(a + 1, 4):
            assert not torch.equal(styles[a], styles[b])
    seeded = [model.predict(dict(no_photo, style_seed=s))[0].fake_img
              for s in (1, 1)]
    assert torch.equal(*seeded)
    model.test_features = 'encode'
    assert torch.equal(model.predict(inputs)[0].fake_img, encoded)


def test_pretrained_global_loads_inner_generator(tmp_path):
    torch.manual_seed(0)
    global_model = MODELS.build(dict(
        tiny_cfg(feat=True),
        generator=dict(type='GlobalGenerator', in_channels=10, ngf=4,
                       n_downsampling=2, n_blocks=1)))
    path = tmp_path / 'global.pth'
    torch.save(dict(meta={}, state_dict=global_model.state_dict()), path)
    local = MODELS.build(dict(tiny_cfg(local=True, feat=True),
                              pretrained_global=str(path)))
    assert not torch.equal(local.generator.model[1].weight,
                           global_model.generator.model[1].weight)
    local.init_weights()  # what the Runner calls before training
    src = global_model.generator.state_dict()
    for k, v in local.generator.state_dict().items():
        if k.startswith('model.'):
            assert torch.equal(v, src[k]), k
    for k, v in local.encoder.state_dict().items():
        assert torch.equal(v, global_model.encoder.state_dict()[k])
    # The official latest_net_G.pth (G's bare state dict) is accepted too.
    torch.save(global_model.generator.state_dict(), tmp_path / 'net_G.pth')
    local.load_pretrained_global(str(tmp_path / 'net_G.pth'))


def test_pretrained_global_rejects_other_checkpoints(tmp_path):
    wide = MODELS.build(dict(tiny_cfg(), generator=dict(
        type='GlobalGenerator', in_channels=7, ngf=8, n_downsampling=2,
        n_blocks=1)))
    torch.save(dict(state_dict=wide.state_dict()), tmp_path / 'wide.pth')
    local = MODELS.build(tiny_cfg(local=True))
    with pytest.raises(ValueError, match='does not match'):
        local.load_pretrained_global(str(tmp_path / 'wide.pth'))
    torch.save(dict(state_dict=local.state_dict()), tmp_path / 'local.pth')
    with pytest.raises(ValueError, match='global'):
        local.load_pretrained_global(str(tmp_path / 'local.pth'))
    torch.save(dict(state_dict={'backbone.conv.weight': torch.zeros(1)}),
               tmp_path / 'other.pth')
    with pytest.raises(ValueError, match='global'):
        local.load_pretrained_global(str(tmp_path / 'other.pth'))
    missing = MODELS.build(dict(tiny_cfg(local=True),
                                pretrained_global=str(tmp_path / 'no.pth')))
    with pytest.raises(FileNotFoundError, match='global'):
        missing.init_weights()
    with pytest.raises(TypeError, match='LocalEnhancer'):
        MODELS.build(dict(tiny_cfg(),
                          pretrained_global=str(tmp_path / 'wide.pth')))


def test_channel_mismatch_is_a_clear_error():
    cfg = tiny_cfg(feat=True)
    cfg['generator']['in_channels'] = 7
    with pytest.raises(ValueError, match='in_channels=10'):
        MODELS.build(cfg)
