"""SPADE / GauGAN (Park et al., CVPR 2019): semantic image synthesis with
spatially-adaptive normalisation.

G: :class:`~mmsemsyn.models.generators.spade.SPADEGenerator` (optionally
with the VAE style encoder). D: 2-scale spectral-norm PatchGAN on
concat(semantics, image). Losses as the official ``pix2pix_model.py``:

- L_D = hinge(D(fake), fake) + hinge(D(real), real)  (not halved);
- L_G = hinge_G(D(fake)) + lambda_feat / num_D * FM + lambda_vgg * VGG
  (+ lambda_kld * KLD with the encoder).

Fake and real go through D as one concatenated batch (official
``discriminate``), then the outputs are split (``joint_discrimination``).
"""
from typing import Dict, Optional

import torch

from mmsemsyn.models.layers.weight_init import xavier_init_weights
from mmsemsyn.registry import MODELS
from .base_synthesis_gan import BaseSynthesisGAN


@MODELS.register_module()
class SPADEGAN(BaseSynthesisGAN):
    """Loss roles: ``gan`` (hinge, used for the G and both D terms), ``feat``
    (feature matching, lambda 10, averaged over scales), ``vgg`` (lambda 10),
    ``kld`` (0.05, only with an ``encoder``).

    Args:
        encoder: optional VAE style encoder config
            (:class:`SPADEVAEEncoder`); train it in the generator's
            optimizer (``modules=['generator', 'encoder']``).
        init_gain: xavier init gain of the discriminator, as the official
            ``init_weights('xavier', 0.02)`` (G and E init themselves);
            None keeps the D's own init.
    """

    # The official trainer: G step, then D on a fresh fake from the updated
    # G (generated again under no_grad). LGGAN inherits it, as its code does.
    default_update_order = 'g_then_d_fresh_fake'

    def __init__(self, generator: dict, discriminator: dict,
                 encoder: Optional[dict] = None,
                 init_gain: Optional[float] = 0.02, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.encoder = MODELS.build(encoder) if encoder is not None else None
        if init_gain is not None and self.discriminator is not None:
            xavier_init_weights(self.discriminator, init_gain)

    # ---- generator -------------------------------------------------------
    def encode_style(self, inputs: dict) -> Dict[str, torch.Tensor]:
        """z from the real photo (train, and test as the official
        inference), or None (random z) when there is no photo."""
        if self.encoder is None or inputs.get('img') is None:
            return {}
        mu, logvar = self.encoder(inputs['img'])
        return dict(z=self.encoder.sample(mu, logvar), mu=mu, logvar=logvar)

    def forward_generator(self, inputs: dict) -> dict:
        style = self.encode_style(inputs)
        fake = self.generator(inputs['semantics'], z=style.get('z'))
        return dict(fake_img=fake, **style)

    # ---- discriminator ------------------------------------------------
    # Fake and real through D as one concatenated batch, then split
    # (official ``discriminate``); LGGAN inherits it.
    joint_discrimination = True

    def discriminator_losses(self, inputs, outputs):
        return self.adversarial_d_losses(*self.discriminate(
            inputs['semantics'], [outputs['fake_img'], inputs['img']]))

    def generator_losses(self, inputs, outputs):
        fake, real = outputs['fake_img'], inputs['img']
        pred_fake, pred_real = self.discriminate(inputs['semantics'],
                                                 [fake, real])
        losses = self.loss('gan', pred_fake, True)
        if self.has_loss('feat'):
            losses.update(self.loss('feat', pred_fake, pred_real))
        if self.has_loss('vgg'):
            losses.update(self.loss('vgg', fake, real))
        if self.has_loss('kld') and 'mu' in outputs:
            losses.update(self.loss('kld', outputs['mu'], outputs['logvar']))
        return losses
