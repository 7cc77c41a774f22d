"""LGGAN for cross-view image translation (Tang et al., CVPR 2020; official
``cross_view_translation/models/lggan_model.py``).

G (``LGGANCrossViewGenerator``) maps concat(conditioning photo I_a, target
semantic colour map S_g) to the target view. Two PatchGANs judge every
generated image: the image-guided D_i on (I_a, image) (Eq. 9) and the
semantic-guided D_s on (S_g, image) (Eq. 8). As in the official code, the
final (Eq. 7), global and local (Eq. 3) outputs are *all* judged and
reconstructed:

L_G = sum_{o in final, global, local} [ GAN(D_i(I_a, o), real)
        + GAN(D_s(S_g, o), real) + 100 |o - I_g|_1 + 10 VGG(o, I_g)
        + 1e-6 TV(o) ]
      + 100 sum_i |I_g^l_i - I_g * M_i|_1                          (Eq. 2)
L_D = sum_{D in D_i, D_s} 0.5 sum_o [ GAN(D(., I_g), real)
        + GAN(D(., o), fake) ]

so each D's real term is counted once per output (x3 with weight 0.5), as
the official ``backward_D1/D2`` do. Vanilla GAN (the official sigmoid +
BCE, here the numerically safer BCE-with-logits), ImagePool size 0 (none).
"""
from typing import Dict, Sequence

import torch
import torch.nn as nn

from mmsemsyn.registry import MODELS
from .base_synthesis_gan import BaseSynthesisGAN

# The generator outputs every loss is applied to, in the official order.
JUDGED_OUTPUTS = ('fake_img', 'global_img', 'local_img')


@MODELS.register_module()
class LGGANDualDiscriminator(nn.Module):
    """The image-guided D_i (Eq. 9) and semantic-guided D_s (Eq. 8) as one
    module, so one optimizer (the official single Adam over D1 + D2) and one
    DDP wrapper cover both.

    ``forward(img, source, semantic)`` returns ``dict(image=D_i(cat(source,
    img)), semantic=D_s(cat(semantic, img)))``.
    """

    def __init__(self, image: dict, semantic: dict):
        super().__init__()
        self.image = MODELS.build(image)
        self.semantic = MODELS.build(semantic)

    def forward(self, img: torch.Tensor, source: torch.Tensor,
                semantic: torch.Tensor) -> Dict[str, torch.Tensor]:
        return dict(image=self.image(torch.cat([source, img], 1)),
                    semantic=self.semantic(torch.cat([semantic, img], 1)))


@MODELS.register_module()
class LGGANCrossView(BaseSynthesisGAN):
    """Loss roles: ``gan`` (G term, weight 1), ``gan_disc`` (D term, weight
    0.5), ``l1`` (final/global/local vs the target, 100), ``l1_local``
    (class images vs the masked target, Eq. 2, 100), ``vgg`` (10), ``tv``
    (1e-6). A role left out of the config is skipped.

    Args:
        source_key: input key of the conditioning photo (the aerial view
            for a2g).
        semantic_key: input key of the target-view colour semantic map.
        judged_outputs: generator outputs the losses apply to.
    """

    # the global and local images, then the local weight of Eq. 6 (base)
    visual_outputs = ('global_img', 'local_img')

    def __init__(self,
                 *args,
                 source_key: str = 'source_img',
                 semantic_key: str = 'target_semantic',
                 judged_outputs: Sequence[str] = JUDGED_OUTPUTS,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.source_key = source_key
        self.semantic_key = semantic_key
        self.judged_outputs = tuple(judged_outputs)
        # Read once: under DDP the generator is a wrapper.
        self.num_classes = self.generator.num_classes

    # ---- generator ---------------------------------------------------
    def _condition(self, inputs: dict, key: str) -> torch.Tensor:
        if key not in inputs:
            raise KeyError(
                f'LGGANCrossView needs input {key!r}: load it with '
                'LoadCrossViewPanels and list it in extra_image_keys of '
                'PackSynInputs and SynDataPreprocessor.')
        return inputs[key]

    def class_masks(self, inputs: dict) -> torch.Tensor:
        """M_i of Eq. 1: the one-hot label without the dontcare channel
        (pixels in no class -- the official code's unmatched grey values --
        get no local generator)."""
        return inputs['semantics'][:, :self.num_classes]

    def forward_generator(self, inputs: dict) -> dict:
        x = torch.cat([
            self._condition(inputs, self.source_key),
            self._condition(inputs, self.semantic_key)
        ], 1)
        return self.generator(x, self.class_masks(inputs))

    # ---- discriminator ------------------------------------------------
    # Every judged image (and the real one) through both Ds in one batched
    # pass: InstanceNorm is per sample, so batching changes no prediction.
    joint_discrimination = True

    def d_condition(self, inputs: dict) -> tuple:
        """What both Ds are conditioned on: (source photo I_a, target
        semantic map S_g), each (B, 3, H, W)."""
        return (self._condition(inputs, self.source_key),
                self._condition(inputs, self.semantic_key))

    def discriminator_forward(self, condition, images):
        """Extends the base: the dual D takes the image and both conditions
        (``LGGANDualDiscriminator.forward``) and returns
        ``{'image': D_i(...), 'semantic': D_s(...)}``."""
        return self.discriminator(images, *condition)

    def discriminator_losses(self, inputs, outputs):
        gan = self.disc_gan_loss
        fakes = [outputs[k] for k in self.judged_outputs]
        pred_real, *pred_fakes = self.discriminate(self.d_condition(inputs),
                                                   [inputs['img']] + fakes)
        losses = {}
        for name in pred_real:
            # The official D loss adds 0.5 * (real + fake_o) per output o:
            # the real term weighs len(judged_outputs) times, which is
            # gan_disc.disc_real_weight (3) in the config.
            losses[f'loss_d_{name}_real'] = gan(pred_real[name], True,
                                                is_disc=True)
            losses[f'loss_d_{name}_fake'] = sum(
                gan(p[name], False, is_disc=True) for p in pred_fakes)
        return losses

    # ---- generator losses ---------------------------------------------
    def generator_losses(self, inputs, outputs):
        real = inputs['img']
        fakes = [outputs[k] for k in self.judged_outputs]
        losses = {}
        gan = self.losses['gan']
        preds = self.discriminate(self.d_condition(inputs), fakes)
        for name in preds[0]:
            losses[f'{gan.loss_name}_{name}'] = sum(
                gan(p[name], True) for p in preds)
        if self.has_loss('l1'):
            l1 = self.losses['l1']
            losses[l1.loss_name] = sum(l1(f, real) for f in fakes)
        if self.has_loss('l1_local'):
            # Eq. 2 (ClassSpecificL1Loss): class image i vs the target under
            # M_i; the class image is *not* masked (as in the code).
            losses.update(self.loss('l1_local', outputs['class_images'],
                                    self.class_masks(inputs), real))
        if self.has_loss('vgg'):
            # The three outputs through VGG as one batch; the config's
            # output_reduction='sum' is the official sum of three losses.
            losses.update(self.loss('vgg', torch.stack(fakes), real))
        if self.has_loss('tv'):
            tv = self.losses['tv']
            losses[tv.loss_name] = sum(tv(f) for f in fakes)
        return losses
