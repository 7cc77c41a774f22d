"""pix2pix (Isola et al., CVPR 2017): the conditional-GAN baseline.

G: label → photo (U-Net). D: PatchGAN on concat(label, photo).
L_G = GAN(D(label, G(label)), real) + lambda_L1 * |G(label) - photo|_1.
L_D = 0.5 * (GAN(D(label, fake), fake) + GAN(D(label, photo), real)).
"""
import torch

from mmsemsyn.registry import MODELS
from .base_synthesis_gan import BaseSynthesisGAN


@MODELS.register_module()
class Pix2Pix(BaseSynthesisGAN):
    """Loss roles: ``gan`` (generator term), ``gan_disc`` (D term, weight
    0.5 as the official code), ``l1`` (lambda_L1 = 100)."""

    def forward_generator(self, inputs: dict) -> dict:
        return dict(fake_img=self.generator(inputs['semantics']))

    def discriminate(self, semantics, img):
        return self.discriminator(torch.cat([semantics, img], 1))

    def discriminator_losses(self, inputs, outputs):
        gan = self.losses['gan_disc']
        pred_fake = self.discriminate(inputs['semantics'], outputs['fake_img'])
        pred_real = self.discriminate(inputs['semantics'], inputs['img'])
        return dict(loss_d_fake=gan(pred_fake, False, is_disc=True),
                    loss_d_real=gan(pred_real, True, is_disc=True))

    def generator_losses(self, inputs, outputs):
        fake = outputs['fake_img']
        losses = self.loss('gan', self.discriminate(inputs['semantics'], fake),
                           True)
        if self.has_loss('l1'):
            losses.update(self.loss('l1', fake, inputs['img']))
        return losses
