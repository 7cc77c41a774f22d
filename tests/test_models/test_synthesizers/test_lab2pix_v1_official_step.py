"""Lab2Pix-V1: the loss composition and one training step equal the
official ``Lab2PixV1_model.forward`` + ``train.py`` (issue 12, point 6).

Re-stated from the official code (on a deep copy of our model, with our
per-network GAN criterion standing in for the official ``GANLoss``, whose
level weighting the loss tests cover): one G forward with one noise draw;
for every scale i, ``real_i = avg_pool(real, 2**i)`` (i > 0);
``loss_D_fake = sum_i [GAN(D_i(fake_i.detach()), F, mask) + lambda_2 *
GAN(D_i(nearest_up(avg_pool2(real_i))), F)]``, ``loss_D_real = sum_i
(1 + lambda_2) GAN(D_i(real_i), T)`` (no mask on the sharpness and real
terms), ``loss_D = 0.5 (loss_D_fake + loss_D_real)``; ``loss_G = sum_i
GAN(D_i(fake_i), T, mask) + VGG terms + consistency``. ``train.py`` steps G
first, then D on the losses of the *same* forward (the fake is not
regenerated), each with its own Adam (betas (0.5, 0.999); lr 1e-3 here).
Segmenters are left out here (their cycle loss is an additive G term with
its own test); D has no spectral norm, so the call order cannot matter.
"""
import copy

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from test_lab2pix_synthesizers import NC, batch, optim, v1_cfg

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import MODELS

LAMBDA_2 = 0.25


def build():
    cfg = v1_cfg(segmenter=None)
    cfg['losses'].pop('cycle_seg')
    cfg['losses']['sharp'] = dict(type='SharpnessEnhancementLoss',
                                  loss_weight=LAMBDA_2, blur='avgpool',
                                  balance='real')
    torch.manual_seed(0)
    return MODELS.build(cfg)


def official_losses(model, inputs, fakes):
    gan_g, gan_d = model.losses['gan'], model.losses['gan_disc']
    mask = model.foreground_mask(inputs['label'])
    real = inputs['img']
    d_fake = d_real = g_gan = 0
    for i, fake in enumerate(fakes):
        d = model.discriminator.discriminators[i]
        real_i = real if i == 0 else F.avg_pool2d(real, kernel_size=2**i)
        g_gan = g_gan + gan_g([d(fake)], True, weight=mask)
        d_fake = d_fake + gan_d([d(fake.detach())], False, True, mask)
        blurry = F.interpolate(F.avg_pool2d(real_i, kernel_size=2),
                               scale_factor=2)
        d_fake = d_fake + gan_d([d(blurry)], False, True) * LAMBDA_2
        d_real = d_real + gan_d([d(real_i)], True, True) * (1 + LAMBDA_2)
    # gan_disc carries the official 0.5 of loss_D as its loss_weight
    assert gan_d.loss_weight == 0.5
    vgg = sum(model.losses['vgg'](f, real if i == 0 else
                                  F.avg_pool2d(real, 2**i))
              for i, f in enumerate(fakes))
    cons = model.losses['consistency'](fakes)['loss_consistency'] \
        if isinstance(model.losses['consistency'](fakes), dict) else \
        model.losses['consistency'](fakes)
    return dict(loss_g=g_gan + vgg + cons, loss_d=d_fake + d_real)


def test_loss_composition_equals_the_official_forward():
    model = build()
    ref = copy.deepcopy(model)
    inputs = model.data_preprocessor(batch(128, 256), True)['inputs']
    torch.manual_seed(3)
    out = model.forward_generator(inputs)
    g = model.generator_losses(inputs, out)
    d = model.discriminator_losses(inputs, model.detach_outputs(out))
    expected = official_losses(ref, inputs, out['fake_scales'])
    torch.testing.assert_close(sum(d.values()), expected['loss_d'],
                               rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(sum(g.values()), expected['loss_g'],
                               rtol=1e-5, atol=1e-6)


def test_one_training_step_equals_the_official_step():
    MessageHub.get_current_instance().update_info('iter', 0)
    model = build()
    ref = copy.deepcopy(model)
    assert model.update_order == 'g_then_d'
    data = batch(128, 256)
    torch.manual_seed(5)  # the same noise draw on both sides
    model.train_step(copy.deepcopy(data), optim(model))

    inputs = ref.data_preprocessor(copy.deepcopy(data), True)['inputs']
    opt_g = torch.optim.Adam(ref.generator.parameters(), lr=1e-3,
                             betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(
        [p for p in ref.discriminator.parameters() if p.requires_grad],
        lr=1e-3, betas=(0.5, 0.999))
    torch.manual_seed(5)
    fakes = ref.forward_generator(inputs)['fake_scales']
    losses = official_losses(ref, inputs, fakes)
    opt_g.zero_grad()
    losses['loss_g'].backward()
    opt_g.step()
    opt_d.zero_grad()
    losses['loss_d'].backward()
    opt_d.step()
    compared = 0
    for (name, a), b in zip(model.named_parameters(), ref.parameters()):
        if b.grad is None or not b.requires_grad:
            continue
        real = b.grad.abs() > 1e-7  # not float noise (see cross-view test)
        compared += int(real.sum())
        torch.testing.assert_close(a[real], b[real], rtol=0, atol=2e-5,
                                   msg=name)
    # ~49% of the trainable elements get a gradient above 1e-7 here (tiny
    # widths, small GAN/VGG terms); every one of them moved as officially
    assert compared > 0.4 * sum(p.numel() for p in ref.parameters()
                                if p.requires_grad)
    assert NC == 4
