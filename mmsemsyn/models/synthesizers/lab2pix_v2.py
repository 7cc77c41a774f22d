"""Lab2Pix-V2 (paired; Lab2Pix Sec. 4.2, Eq. 21-32)."""
from typing import Optional

import torch
from mmengine.model import is_model_wrapper

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
        share_real_perceptual: run the discriminators' frozen VGG-16 branch
            on the real batch once per training step (default; issue 14)
            instead of in each of the step's D calls (three with the
            sharpness term: G's [fake, real], D's [fake, real] and
            [blurred, real]; the official code runs them all on the joint
            batch). The branch is frozen and in eval mode, so its features
            of the real image are the same in every call and need no graph;
            the trainable layers still judge the whole joint batch. Equal
            within float rounding: the branch's convolutions then see B
            instead of 2B rows, bit-identical where the backend's kernels
            do not depend on the batch size (the synthetic config's step on
            the CPU). Applies with HPDs (``has_perceptual_branch``) only.
    """

    # SPADE's trainer: G step, then D on a fresh fake from the updated G.
    default_update_order = 'g_then_d_fresh_fake'

    def __init__(self, *args, foreground_mask: Optional[dict] = None,
                 share_real_perceptual: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.foreground_mask = MODELS.build(foreground_mask) \
            if foreground_mask is not None else None
        self.share_real_perceptual = share_real_perceptual

    def forward_generator(self, inputs: dict) -> dict:
        return dict(fake_img=self.generator(inputs['semantics']))

    def enhance_mask(self, inputs: dict) -> Optional[torch.Tensor]:
        if self.foreground_mask is None:
            return None
        return self.foreground_mask(inputs['label'])

    # Fake and real through D in one batch, then split (SPADE's trainer).
    joint_discrimination = True

    # inputs key of (real image, its perceptual features): the cache lives
    # in the batch's own dict, so it cannot outlive the training step.
    _REAL_PERCEPTUAL = '_real_perceptual_features'

    def real_perceptual(self, inputs: dict) -> dict:
        """``discriminate`` keyword arguments for a joint call whose last
        batch is the real image ``inputs['img']``:
        ``dict(perceptual_tail=...)``, the discriminators' frozen-branch
        features of the real batch (no graph), computed on the first call
        for this batch and kept in ``inputs``; ``{}`` (D runs its branch
        itself) with ``share_real_perceptual=False``, without joint
        discrimination, or for discriminators without that branch."""
        disc = self.discriminator
        if is_model_wrapper(disc):  # DDP: the branch needs no sync
            disc = disc.module
        if not (self.share_real_perceptual and self.joint_discrimination
                and getattr(disc, 'has_perceptual_branch', False)):
            return {}
        real = inputs['img']
        cached = inputs.get(self._REAL_PERCEPTUAL)
        if cached is None or cached[0] is not real:
            cached = (real, disc.perceptual_features(real))
            inputs[self._REAL_PERCEPTUAL] = cached
        return dict(perceptual_tail=cached[1])

    def discriminator_losses(self, inputs, outputs):
        gan = self.disc_gan_loss
        sem, real = inputs['semantics'], inputs['img']
        mask = self.enhance_mask(inputs)
        # every D call below ends in the real batch: its branch features
        # are computed once per step (share_real_perceptual)
        real_feats = self.real_perceptual(inputs)
        losses = self.adversarial_d_losses(
            *self.discriminate(sem, [outputs['fake_img'], real],
                               **real_feats), mask)
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
                sem, [sharp.blur(real), real], **real_feats)
            loss_d_real_second = gan(pred_real_sharp, True, True, mask)
            losses = sharp.balance(
                losses['loss_d_fake'], losses['loss_d_real'],
                gan(pred_blur, False, True, mask), loss_d_real_second)
        return losses

    def generator_losses(self, inputs, outputs):
        fake, real = outputs['fake_img'], inputs['img']
        pred_fake, pred_real = self.discriminate(
            inputs['semantics'], [fake, real], **self.real_perceptual(inputs))
        losses = self.loss('gan', pred_fake, True,
                           weight=self.enhance_mask(inputs))
        if self.has_loss('feat'):
            losses.update(self.loss('feat', pred_fake, pred_real))
        if self.has_loss('vgg'):
            losses.update(self.loss('vgg', fake, real))
        return losses
