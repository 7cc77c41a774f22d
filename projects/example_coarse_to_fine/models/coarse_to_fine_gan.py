"""The example method: a coarse-to-fine generator trained with a
multi-scale hinge GAN, feature matching and L1 terms on both stages.

Everything a method writes (``docs/architecture.md``, "The contract"):

1. ``forward_generator`` returns the generator outputs under the names of
   :mod:`mmsemsyn.structures.outputs` (``fake_img`` always); an output no
   other method has gets its own constant here (``COARSE_IMG``).
2. ``discriminator_losses`` / ``generator_losses`` build their terms from
   the base class's ``discriminate(condition, images)``,
   ``adversarial_d_losses`` and ``loss(role, ...)``. They never scale a term:
   every weight is an option of the loss module in the config.
3. Class attributes say the rest: the update order of the training step,
   whether fake and real go through D as one batch, the intermediate images
   shown in sample grids, and the channel rules ``resolve_channels`` uses to
   fill and check the networks' input channels from the data.
"""
from typing import Dict

import torch
import torch.nn.functional as F

from mmsemsyn.models.synthesizers.base_synthesis_gan import BaseSynthesisGAN
from mmsemsyn.registry import MODELS
from mmsemsyn.structures.outputs import FAKE_IMG

#: (B, 3, H/2, W/2) the coarse stage's photo, [-1, 1].
COARSE_IMG = 'coarse_img'


@MODELS.register_module()
class ExampleCoarseToFineGAN(BaseSynthesisGAN):
    """Loss roles: ``gan`` (hinge; G term and both D terms), ``feat``
    (feature matching over D's layers), ``l1`` (result vs photo), ``coarse``
    (coarse image vs the photo average-pooled 2x)."""

    # D first on the detached fake, then G against the updated D.
    default_update_order = 'd_then_g'
    # D has no batch statistics (spectral norm + InstanceNorm): fake and
    # real can share one D call.
    joint_discrimination = True
    # shown next to the result in sample grids (upsampled, see below)
    visual_outputs = (COARSE_IMG,)
    # input channels of each network from the data (S semantic channels,
    # C classes, F instance-feature channels): G reads the layout, D the
    # layout next to the RGB photo (mmsemsyn.dataset_facts)
    CHANNEL_RULES = {
        'generator': lambda S, C, F: S,
        'discriminator': lambda S, C, F: S + 3,
    }

    def forward_generator(self, inputs: dict) -> Dict[str, torch.Tensor]:
        fake, coarse = self.generator(inputs['semantics'])
        return {FAKE_IMG: fake, COARSE_IMG: coarse}

    def discriminator_losses(self, inputs: dict, outputs: dict) -> dict:
        pred_fake, pred_real = self.discriminate(
            inputs['semantics'], [outputs[FAKE_IMG], inputs['img']])
        return self.adversarial_d_losses(pred_fake, pred_real)

    def generator_losses(self, inputs: dict, outputs: dict) -> dict:
        fake, real = outputs[FAKE_IMG], inputs['img']
        pred_fake, pred_real = self.discriminate(inputs['semantics'],
                                                 [fake, real])
        losses = self.loss('gan', pred_fake, True)
        losses.update(self.loss('feat', pred_fake, pred_real))
        losses.update(self.loss('l1', fake, real))
        losses.update(self.loss('coarse', outputs[COARSE_IMG],
                                F.avg_pool2d(real, 2)))
        return losses

    def visual_images(self, outputs: dict) -> Dict[str, torch.Tensor]:
        """The coarse image at the result's size (sample grids stack
        images of one size)."""
        size = outputs[FAKE_IMG].shape[-2:]
        return {COARSE_IMG: F.interpolate(outputs[COARSE_IMG], size=size,
                                          mode='nearest')}
