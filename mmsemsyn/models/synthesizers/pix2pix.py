"""pix2pix (Isola et al., CVPR 2017): the conditional-GAN baseline.

G: label → photo (U-Net). D: PatchGAN on concat(label, photo).
L_G = GAN(D(label, G(label)), real) + lambda_L1 * |G(label) - photo|_1.
L_D = 0.5 * (GAN(D(label, fake), fake) + GAN(D(label, photo), real)).
"""
from mmsemsyn.registry import MODELS
from .base_synthesis_gan import BaseSynthesisGAN


@MODELS.register_module()
class Pix2Pix(BaseSynthesisGAN):
    """Loss roles: ``gan`` (generator term), ``gan_disc`` (D term, weight
    0.5 as the official code), ``l1`` (lambda_L1 = 100)."""

    def forward_generator(self, inputs: dict) -> dict:
        return dict(fake_img=self.generator(inputs['semantics']))

    # D has BatchNorm: fake and real go through it in separate calls, as the
    # official backward_D (joint_discrimination = False, the base default).

    def discriminator_losses(self, inputs, outputs):
        return self.adversarial_d_losses(*self.discriminate(
            inputs['semantics'], [outputs['fake_img'], inputs['img']]))

    def generator_losses(self, inputs, outputs):
        fake = outputs['fake_img']
        losses = self.loss('gan', self.discriminate(inputs['semantics'], fake),
                           True)
        if self.has_loss('l1'):
            losses.update(self.loss('l1', fake, inputs['img']))
        return losses
