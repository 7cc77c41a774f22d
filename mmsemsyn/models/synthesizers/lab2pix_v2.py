"""Lab2Pix-V2 (paired; Lab2Pix Sec. 4.2, Eq. 21-32)."""
from typing import Optional

import torch

from mmsemsyn.registry import MODELS
from .base_synthesis_gan import BaseSynthesisGAN


@MODELS.register_module()
class Lab2PixV2(BaseSynthesisGAN):
    """Lab2Pix-V2: DG-Norm generator, label-conditioned hierarchical
    perceptual discriminators on an image pyramid, hinge loss weighted by
    the foreground enhancement mask, sharpness enhancement, VGG19
    perceptual and feature-matching losses.

    Loss roles: ``gan`` (G, hinge), ``gan_disc`` (D), ``feat`` (lambda 10),
    ``vgg`` (lambda 10), ``sharp`` (:class:`SharpnessEnhancementLoss`,
    lambda_2 = 1). Any role left out switches that term off (ablations).

    Args:
        foreground_mask: :class:`ForegroundEnhancementMask` config (T = 5,
            per-dataset background ids) or None (no mask, rows A/B_s).
    """

    # SPADE's trainer: G step, then D on a fresh fake from the updated G.
    default_update_order = 'g_then_d_fresh_fake'

    def __init__(self, *args, foreground_mask: Optional[dict] = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.foreground_mask = MODELS.build(foreground_mask) \
            if foreground_mask is not None else None

    def forward_generator(self, inputs: dict) -> dict:
        return dict(fake_img=self.generator(inputs['semantics']))

    def enhance_mask(self, inputs: dict) -> Optional[torch.Tensor]:
        if self.foreground_mask is None:
            return None
        return self.foreground_mask(inputs['label'])

    # Fake and real through D in one batch, then split (SPADE's trainer).
    joint_discrimination = True

    def discriminator_losses(self, inputs, outputs):
        gan = self.disc_gan_loss
        sem, real = inputs['semantics'], inputs['img']
        mask = self.enhance_mask(inputs)
        losses = self.adversarial_d_losses(
            *self.discriminate(sem, [outputs['fake_img'], real]), mask)
        if self.has_loss('sharp'):
            # Eq. 30, as the official compute_discriminator_loss: blurred
            # reals count as fakes, in a second D call on [blurred, real];
            # the sharpness loss averages the fake and real terms with their
            # sharpness counterparts (balance='average'). The second real
            # score is not a repeat of the first: in training mode every D
            # call runs one spectral-norm power iteration, so it sees other
            # normalised weights (and its gradient counts too).
            sharp = self.losses['sharp']
            pred_blur, pred_real_sharp = self.discriminate(
                sem, [sharp.blur(real), real])
            loss_d_real_second = gan(pred_real_sharp, True, True, mask)
            losses = sharp.balance(
                losses['loss_d_fake'], losses['loss_d_real'],
                gan(pred_blur, False, True, mask), loss_d_real_second)
        return losses

    def generator_losses(self, inputs, outputs):
        fake, real = outputs['fake_img'], inputs['img']
        pred_fake, pred_real = self.discriminate(inputs['semantics'],
                                                 [fake, real])
        losses = self.loss('gan', pred_fake, True,
                           weight=self.enhance_mask(inputs))
        if self.has_loss('feat'):
            losses.update(self.loss('feat', pred_fake, pred_real))
        if self.has_loss('vgg'):
            losses.update(self.loss('vgg', fake, real))
        return losses
