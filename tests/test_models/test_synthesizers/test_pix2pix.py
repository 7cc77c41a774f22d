"""pix2pix: official parameter counts and the loss terms of one step."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmsemsyn.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
BASE_MODEL = osp.join(REPO, 'configs', '_base_', 'models', 'pix2pix_unet.py')


def count(module):
    return sum(p.numel() for p in module.parameters())


def build(cfg):
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        return MODELS.build(cfg)


def test_official_parameter_counts():
    """official-implementations §9: unet_256 (BN) 54,413,955 with a 3-ch
    input; PatchGAN (n_layers_D 3, BN) on 3+3 channels 2,768,705."""
    model_cfg = Config.fromfile(BASE_MODEL).model
    g = model_cfg.generator
    g.update(in_channels=3)
    d = model_cfg.discriminator
    d.update(in_channels=6)
    assert count(build(g)) == 54413955
    assert count(build(d)) == 2768705


def test_base_config_is_the_official_setup():
    cfg = Config.fromfile(BASE_MODEL).model
    assert cfg.generator.num_downs == 8 and cfg.generator.ngf == 64
    assert cfg.generator.use_dropout and cfg.generator.norm == 'BN'
    assert cfg.discriminator.n_layers_D == 3 and cfg.discriminator.ndf == 64
    assert cfg.losses.l1.loss_weight == 100.0
    assert cfg.losses.gan_disc.loss_weight == 0.5  # (fake + real) * 0.5


def test_losses_follow_the_paper():
    """L_G = GAN(D(x, G(x)), real) + 100 |G(x) - y|_1 (pix2pix Eq. 4);
    L_D = 0.5 (BCE(D(x, G(x)), 0) + BCE(D(x, y), 1))."""
    torch.manual_seed(0)
    cfg = Config.fromfile(BASE_MODEL).model
    cfg.data_preprocessor.num_classes = 4
    cfg.generator.update(in_channels=4, num_downs=5, ngf=4,
                         use_dropout=False)
    cfg.discriminator.update(in_channels=7, ndf=4, n_layers_D=2)
    model = build(cfg)
    label = torch.randint(0, 4, (2, 32, 32))
    semantics = model.data_preprocessor.one_hot(label)
    img = torch.rand(2, 3, 32, 32) * 2 - 1
    inputs = dict(semantics=semantics, label=label, img=img)
    outputs = model.forward_generator(inputs)
    fake = outputs['fake_img']
    g = model.generator_losses(inputs, outputs)
    pred = model.discriminator(torch.cat([semantics, fake], 1))
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    assert torch.allclose(g['loss_gan'], bce(pred, torch.ones_like(pred)))
    assert torch.allclose(g['loss_l1'], 100 * (fake - img).abs().mean())
    d = model.discriminator_losses(inputs, model.detach_outputs(outputs))
    pred_real = model.discriminator(torch.cat([semantics, img], 1))
    assert torch.allclose(d['loss_d_fake'],
                          0.5 * bce(pred, torch.zeros_like(pred)))
    assert torch.allclose(d['loss_d_real'],
                          0.5 * bce(pred_real, torch.ones_like(pred_real)))
