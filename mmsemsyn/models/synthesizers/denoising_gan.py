"""The denoising GAN (arXiv 1801.03252, "Image generation from semantic
layouts via a denoising GAN"; no official code -- the paper is the
specification). Objective, Eq. 7:

    G* = arg min_G max_D  L_cGAN(G, D) + gamma L1 + theta Lp + sigma Lc

with pix2pix's cGAN (vanilla GAN, PatchGAN D on concat(layout [+ thing
instance map], image)), gamma = 100, the perturbed loss Lp (Eq. 3-4,
theta = 1) and the cascade layer loss Lc (Eq. 5, sigma = 1). The noisy input
and the thing-instance channel are data-preprocessor options
(``semantic_noise``, ``thing_instance``), not code of this class.
"""
import torch

from mmsemsyn.registry import MODELS
from .pix2pix import Pix2Pix


@MODELS.register_module()
class DenoisingGAN(Pix2Pix):
    """pix2pix plus the perturbed and cascade layer losses.

    Loss roles: ``gan`` / ``gan_disc`` / ``l1`` as :class:`Pix2Pix`;
    ``perturbed`` (G term of Lp) and ``perturbed_disc`` (D term of Lp), both
    :class:`~mmsemsyn.models.losses.PerturbedLoss`; ``cascade``
    (:class:`~mmsemsyn.models.losses.CascadeLayerLoss`). A role that is
    absent is not used, so the Table III ablations are configs only.

    Args:
        disc_input: ``'clean'`` (default) -- D sees the noise-free layout
            (``inputs['semantics_clean']``), as Eq. 2's ``D(x, y)`` conditions
            on the layout x while the noise z enters G only; ``'noisy'`` --
            D sees G's noisy input (what plain pix2pix with
            ``semantic_noise`` does).
        other args: as :class:`BaseSynthesisGAN`.
    """

    def __init__(self, *args, disc_input: str = 'clean', **kwargs):
        super().__init__(*args, **kwargs)
        if disc_input not in ('clean', 'noisy'):
            raise ValueError(f"disc_input must be 'clean' or 'noisy', got "
                             f'{disc_input!r}')
        self.disc_input = disc_input

    def disc_semantics(self, inputs: dict) -> torch.Tensor:
        """The layout D is conditioned on (B, C, H, W)."""
        if self.disc_input == 'clean' and 'semantics_clean' in inputs:
            return inputs['semantics_clean']
        return inputs['semantics']

    def discriminator_losses(self, inputs, outputs):
        sem = self.disc_semantics(inputs)
        fake, real = outputs['fake_img'], inputs['img']
        losses = self.adversarial_d_losses(
            *self.discriminate(sem, [fake, real]))
        if self.has_loss('perturbed_disc'):
            lp = self.losses['perturbed_disc']
            x_hat, _ = lp.perturb(fake, real)
            losses['loss_d_perturbed'] = lp(self.discriminate(sem, x_hat),
                                            False, is_disc=True)
        return losses

    def generator_losses(self, inputs, outputs):
        sem = self.disc_semantics(inputs)
        fake, real = outputs['fake_img'], inputs['img']
        losses = self.loss('gan', self.discriminate(sem, fake), True)
        if self.has_loss('l1'):
            losses.update(self.loss('l1', fake, real))
        if self.has_loss('perturbed'):
            x_hat, _ = self.losses['perturbed'].perturb(fake, real)
            losses.update(self.loss('perturbed', self.discriminate(sem, x_hat),
                                    True))
        if self.has_loss('cascade'):
            losses.update(self.loss('cascade', fake, real))
        return losses
