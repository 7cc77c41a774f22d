"""The unpaired variant of the diversity loss (Yang, Liu, Cai, TIP 2019):
a CycleGAN whose layout-to-image generator takes the per-class noise
channel and is trained with L_Div (Eq. 7). It is what the authors released
(ZJULearning/diverse_image_synthesis, ``train.py``, class ``DivCycleGAN``).
"""
from typing import Dict, List

import torch

from mmsemsyn.registry import MODELS
from .base_synthesis_gan import BaseSynthesisGAN, frozen


class ImagePool:
    """History of generated images shown to the discriminator (Shrivastava
    et al. 2017; the CycleGAN / official ``util/pool.py`` buffer).

    The first ``pool_size`` images are stored and returned as they are;
    afterwards each new image is, with probability 1/2, swapped for a
    uniformly drawn stored one (which is returned), else returned itself.
    Draws use the torch RNG (seeded runs repeat). ``pool_size=0`` returns
    the input.

    Args:
        pool_size: number of stored images (official 50).
    """

    def __init__(self, pool_size: int = 50):
        if pool_size < 0:
            raise ValueError(f'pool_size must be >= 0, got {pool_size}.')
        self.pool_size = pool_size
        self.images: List[torch.Tensor] = []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) detached images -> (B, C, H, W) from the pool."""
        if self.pool_size == 0:
            return images
        out = []
        for image in images.detach():
            if len(self.images) < self.pool_size:
                self.images.append(image)
                out.append(image)
            elif torch.rand(()) < 0.5:
                k = int(torch.randint(self.pool_size, ()))
                out.append(self.images[k])
                self.images[k] = image
            else:
                out.append(image)
        return torch.stack(out)


@MODELS.register_module()
class DiversityCycleGAN(BaseSynthesisGAN):
    """CycleGAN with the per-class noise channel and the diversity loss.

    Unpaired data (``UnpairedDataset``): the label map ``l`` (layout
    domain) and the photo ``x`` (image domain) of a batch are unrelated.
    Networks (official names in brackets):

    - ``generator`` [G_B]: layout + noise channel -> image, (B, C+1, H, W)
      ``semantics`` -> (B, 3, H, W) in [-1, 1]; the one used at test time.
    - ``layout_generator`` [G_A]: image -> layout, (B, 3, H, W) -> (B, C,
      H, W) in [-1, 1] (tanh; the one-hot layout is ``2 * onehot - 1``).
    - ``discriminator`` [D_B]: images; ``layout_discriminator`` [D_A]:
      layouts (C channels). Unconditional PatchGANs; the official sigmoid +
      BCE is the ``vanilla`` GAN loss (BCE with logits).

    One generator call (``forward_generator``) on the batch that the
    preprocessor's ``class_noise`` doubled gives ``G_B(l, 0)`` (rows
    ``[:B]``, official ``fakeB``) and ``G_B(l, n)`` (rows ``[B:]``,
    ``fakeB2``); the cycle passes add ``G_A(x)`` (``fakeA``), ``G_B(G_A(x),
    0)`` (``recB``) and ``G_A(G_B(l, 0))`` (``recA``).

    Losses (official ``backprop_D`` / ``backprop_G``; D first, then G
    against the updated D, ``update_order='d_then_g'``):

    - D: ``0.5 * [0.5 * (BCE(D_B(pool(fakeB)), 0) + BCE(D_B(pool2(fakeB2)),
      0)) + BCE(D_B(x), 1)] + 0.5 * [BCE(D_A(pool3(fakeA)), 0) +
      BCE(D_A(l), 1)]`` (role ``gan_disc`` with ``loss_weight=0.5``).
    - G: ``10 * [0.5 * (BCE(D_B(fakeB), 1) + BCE(D_B(fakeB2), 1))
      (+ BCE(D_A(fakeA), 1))] + alpha * (|recA - l|_1 + |recB - x|_1)
      + gamma * L_Div`` (roles ``gan`` x10, ``cycle`` x alpha = 10,
      ``diversity`` x gamma = 10 via the base ``noise_pair_losses``).

    Args:
        layout_generator / layout_discriminator: configs of G_A and D_A.
            Put them in the optimizers: ``generator=dict(...,
            modules=['generator', 'layout_generator'])`` and
            ``discriminator=dict(..., modules=['discriminator',
            'layout_discriminator'])`` (one Adam each over both networks,
            as the official ``optimizerG`` / ``optimizerD``).
        pool_size: size of each of the three image pools (official 50).
        layout_gan: add the G_A adversarial term ``BCE(D_A(fakeA), 1)``.
            False (default) reproduces the official training: its term is
            ``BCE(D_A(realA), 1)`` -- D_A on the *real* layout, a constant
            for every generator weight, so no gradient reaches G_A from D_A
            (G_A learns from the cycle losses only). True is the CycleGAN
            term the code intended.

    Raises:
        ValueError: without the per-class noise channel
            (``data_preprocessor.class_noise``), or a missing network.
    """

    default_update_order = 'd_then_g'
    # Built with its discriminator even for inference (the constructor
    # checks it); only the losses are left out (see
    # mmsemsyn.engine.checkpoint.TRAINING_ONLY).
    training_only = ('losses', )

    def __init__(self, *args, layout_generator: dict,
                 layout_discriminator: dict, pool_size: int = 50,
                 layout_gan: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if getattr(self.data_preprocessor, 'class_noise', None) is None:
            raise ValueError(
                'DiversityCycleGAN needs the per-class noise channel: set '
                "data_preprocessor.class_noise (e.g. dict(sampler="
                "'argmax_doubled_l1')) and give the generator C + 1 input "
                'channels.')
        if self.discriminator is None:
            raise ValueError('DiversityCycleGAN needs a discriminator '
                             '(D_B, on images).')
        self.layout_generator = MODELS.build(layout_generator)
        self.layout_discriminator = MODELS.build(layout_discriminator)
        self.layout_gan = layout_gan
        # fakeB, fakeB2, fakeA: one pool each, as the official.
        self.pools = [ImagePool(pool_size) for _ in range(3)]

    compiled_networks = ('generator', 'discriminator', 'layout_generator',
                         'layout_discriminator')

    @staticmethod
    def _layout(inputs: dict) -> torch.Tensor:
        """The real layout on G_A's scale: 2 * one-hot - 1 (the semantics
        without the noise channel, its last channel)."""
        return inputs['semantics'][:, :-1] * 2 - 1

    def forward_generator(self, inputs: dict) -> Dict[str, torch.Tensor]:
        fake = self.generator(inputs['semantics'])
        pairs = inputs.get('noise_pair_size')
        if not self.training or pairs is None:
            return dict(fake_img=fake)  # inference: G_B only
        photo = inputs['img'][:pairs]  # rows [B:] repeat rows [:B]
        fake_layout = self.layout_generator(photo)
        # G_B reads one-hot layouts in [0, 1] and a noise channel (0 here).
        zero = torch.zeros_like(fake_layout[:, :1])
        rec_img = self.generator(torch.cat([(fake_layout + 1) / 2, zero], 1))
        rec_layout = self.layout_generator(fake[:pairs])
        return dict(fake_img=fake, fake_layout=fake_layout, rec_img=rec_img,
                    rec_layout=rec_layout)

    def _generator_step(self, inputs, outputs, gen_ow):
        # D_A is frozen too: the G loss must leave no gradient in it.
        with frozen(self.layout_discriminator):
            return super()._generator_step(inputs, outputs, gen_ow)

    def discriminator_losses(self, inputs, outputs):
        gan = self.disc_gan_loss
        pairs = inputs['noise_pair_size']
        fake = outputs['fake_img']
        pooled = [self.pools[0].query(fake[:pairs]),
                  self.pools[1].query(fake[pairs:])]
        # the mean over the two fakes (G(l, 0) and G(l, n)), as official
        fake_b = torch.stack([gan(p, False, is_disc=True)
                              for p in self.discriminate(None, pooled)]).mean()
        return dict(
            loss_d_img_fake=fake_b,
            loss_d_img_real=gan(
                self.discriminate(None, inputs['img'][:pairs]), True,
                is_disc=True),
            loss_d_layout_fake=gan(
                self.discriminate_layout(
                    self.pools[2].query(outputs['fake_layout'])), False,
                is_disc=True),
            loss_d_layout_real=gan(
                self.discriminate_layout(self._layout(inputs)[:pairs]),
                True, is_disc=True))

    def discriminate_layout(self, layouts: torch.Tensor):
        """Extends the base for the second D: D_A on (B, C, H, W) layouts
        in [-1, 1] (unconditional, as D_B; see :meth:`discriminate`)."""
        return self.layout_discriminator(layouts)

    def generator_losses(self, inputs, outputs):
        gan = self.losses['gan']
        pairs = inputs['noise_pair_size']
        fake = outputs['fake_img']
        pred_zero, pred_noise = self.discriminate(
            None, [fake[:pairs], fake[pairs:]])
        loss_gan = torch.stack([gan(pred_zero, True),
                                gan(pred_noise, True)]).mean()
        if self.layout_gan:
            loss_gan = loss_gan + gan(
                self.discriminate_layout(outputs['fake_layout']), True)
        losses = {gan.loss_name: loss_gan}
        cycle = self.losses['cycle']
        losses[cycle.loss_name] = cycle(
            outputs['rec_layout'], self._layout(inputs)[:pairs]) + cycle(
                outputs['rec_img'], inputs['img'][:pairs])
        return losses
