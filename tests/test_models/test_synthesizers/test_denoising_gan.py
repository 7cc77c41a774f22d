"""Denoising GAN (arXiv 1801.03252): generator size, Eq. 3-5 and the
synthesizer's loss terms."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope

import mmsemsyn.models  # noqa: F401  (registers the modules)
from mmsemsyn.models.generators.denoising_gan import DenoisingGANGenerator
from mmsemsyn.models.losses.denoising_gan_losses import (
    CascadeLayerLoss,
    PerturbedLoss,
    first_conv_layers,
)
from mmsemsyn.registry import MODELS

PIX2PIX_UNET_256 = 54413955  # official unet_256, 3-channel input


def count(module):
    return sum(p.numel() for p in module.parameters())


def build(cfg):
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        return MODELS.build(cfg)


def test_generator_parameter_count_is_a_fourth_of_pix2pix():
    """§III-A: "about one fourth as pix2pix". ResNet-9 layout with U-Net
    skips, ngf 64, 3-channel input (as pix2pix's count): 12,626,243."""
    g = DenoisingGANGenerator(in_channels=3)
    assert count(g) == 12626243
    assert 3.5 < PIX2PIX_UNET_256 / count(g) < 4.5
    # the skips are what the U-Net-style concatenation adds
    assert count(DenoisingGANGenerator(3, use_skips=False)) == 11961475


def test_generator_shapes_range_and_skips():
    torch.manual_seed(0)
    g = DenoisingGANGenerator(in_channels=6, ngf=8, n_blocks=2).eval()
    x = torch.randn(2, 6, 64, 64)
    y = g(x)
    assert y.shape == (2, 3, 64, 64)
    assert y.abs().max() <= 1
    # a U-Net skip: the output conv reads the stem's features directly
    assert g.out[0].in_channels == 16 and g.up1[0].in_channels == 64
    # BN + LeakyReLU after every conv/deconv but the output
    for block in (g.stem, g.down1, g.down2, g.up1, g.up2):
        assert isinstance(block[1], torch.nn.BatchNorm2d)
        assert isinstance(block[2], torch.nn.LeakyReLU)
    with pytest.raises(ValueError, match='divisible by 4'):
        g(torch.randn(1, 6, 30, 32))
    with pytest.raises(ValueError, match='in_channels'):
        g(torch.randn(1, 5, 32, 32))


def test_perturbed_loss_equals_hand_computation_for_fixed_alpha():
    """Eq. 3-4 with alpha = 0.3: x_hat = 0.3 G(x) + 0.7 y; D: BCE(D, 0)
    (log(1 - D(x, x_hat))), G: BCE(D, 1)."""
    torch.manual_seed(0)
    fake, real = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    loss = PerturbedLoss(alpha=0.3)
    x_hat, alpha = loss.perturb(fake, real)
    assert alpha.shape == (2, 1, 1, 1)
    assert torch.allclose(x_hat, 0.3 * fake + 0.7 * real)
    pred = torch.randn(2, 1, 4, 4)
    d_hand = -torch.log(1 - torch.sigmoid(pred)).mean()
    g_hand = -torch.log(torch.sigmoid(pred)).mean()
    assert torch.allclose(loss(pred, False, is_disc=True), d_hand, atol=1e-6)
    assert torch.allclose(loss(pred, True), g_hand, atol=1e-6)
    # random alpha: one U(0, 1) draw per sample, shared by its pixels
    _, alpha = PerturbedLoss().perturb(fake, real)
    assert alpha.shape == (2, 1, 1, 1) and ((alpha >= 0) & (alpha <= 1)).all()
    with pytest.raises(ValueError, match='alpha'):
        PerturbedLoss(alpha=1.5)


def test_cascade_loss_uses_five_conv_layers_with_the_weights():
    """Eq. 5: sum_n lambda_n |Phi_n(y) - Phi_n(G)|_1 over the first five
    VGG-19 conv layers."""
    torch.manual_seed(0)
    weights = (1.0, 0.5, 0.25, 2.0, 3.0)
    loss = CascadeLayerLoss(pretrained=None, layer_weights=weights)
    assert loss.vgg.layers == ('relu1_1', 'relu1_2', 'relu2_1', 'relu2_2',
                               'relu3_1') == first_conv_layers(5)
    convs = [m for m in loss.vgg.features if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 5  # the extractor stops after the fifth conv
    fake = torch.rand(1, 3, 32, 32, requires_grad=True) * 2 - 1
    real = torch.rand(1, 3, 32, 32) * 2 - 1
    value = loss(fake, real)
    fa, fr = loss.vgg(fake), loss.vgg(real)
    hand = sum(w * F.l1_loss(fa[n], fr[n])
               for w, n in zip(weights, loss.vgg.layers))
    assert torch.allclose(value, hand)
    value.backward()
    assert not any(p.requires_grad for p in loss.vgg.parameters())
    with pytest.raises(ValueError):
        CascadeLayerLoss(pretrained=None, layer_weights=(1.0, ) * 4)


def tiny_model(**kw):
    losses = dict(
        gan=dict(type='GANLoss'),
        gan_disc=dict(type='GANLoss', loss_weight=0.5,
                      loss_name='loss_gan_disc'),
        l1=dict(type='L1Loss', loss_weight=100.0),
        perturbed=dict(type='PerturbedLoss', alpha=0.25),
        perturbed_disc=dict(type='PerturbedLoss', alpha=0.25, loss_weight=0.5,
                            loss_name='loss_perturbed_disc'),
        cascade=dict(type='CascadeLayerLoss', pretrained=None))
    return build(dict(
        type='DenoisingGAN',
        data_preprocessor=dict(type='SynDataPreprocessor', num_classes=4,
                               semantic_noise=dict(std=0.1)),
        generator=dict(type='DenoisingGANGenerator', in_channels=4, ngf=8,
                       n_blocks=1),
        discriminator=dict(type='PatchDiscriminator', in_channels=7, ndf=8,
                           n_layers_D=2, norm='BN', padding=1),
        losses=losses, **kw))


def test_objective_terms_and_clean_discriminator_input():
    """Eq. 7 terms; D is conditioned on the clean layout (Eq. 2's x)."""
    torch.manual_seed(0)
    model = tiny_model()
    label = torch.randint(0, 4, (2, 1, 32, 32))
    img = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    inputs = model.data_preprocessor(
        dict(inputs=dict(label=label, img=img)), True)['inputs']
    assert not torch.equal(inputs['semantics'], inputs['semantics_clean'])
    outputs = model.forward_generator(inputs)
    fake, real = outputs['fake_img'], inputs['img']
    g = model.generator_losses(inputs, outputs)
    assert set(g) == {'loss_gan', 'loss_l1', 'loss_perturbed', 'loss_cascade'}
    bce = F.binary_cross_entropy_with_logits
    clean = inputs['semantics_clean']
    pred_hat = model.discriminator(torch.cat(
        [clean, 0.25 * fake + 0.75 * real], 1))
    assert torch.allclose(g['loss_perturbed'],
                          bce(pred_hat, torch.ones_like(pred_hat)))
    pred = model.discriminator(torch.cat([clean, fake], 1))
    assert torch.allclose(g['loss_gan'], bce(pred, torch.ones_like(pred)))
    d = model.discriminator_losses(inputs, model.detach_outputs(outputs))
    assert torch.allclose(d['loss_d_perturbed'],
                          0.5 * bce(pred_hat, torch.zeros_like(pred_hat)))
    # ablation by config: without the roles, the terms are gone
    plain = tiny_model(disc_input='noisy')
    plain.losses.pop('perturbed')
    plain.losses.pop('cascade')
    assert set(plain.generator_losses(inputs, outputs)) == {'loss_gan',
                                                            'loss_l1'}
    with pytest.raises(ValueError, match='disc_input'):
        tiny_model(disc_input='both')
