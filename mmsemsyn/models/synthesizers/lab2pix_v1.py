"""Lab2Pix-V1 (unpaired; Lab2Pix Sec. 4.1, Eq. 8-20)."""
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.registry import MODELS
from .base_synthesis_gan import BaseSynthesisGAN


@MODELS.register_module()
class Lab2PixV1(BaseSynthesisGAN):
    """Lab2Pix-V1: a label-adaptive generator emits three scales from noise
    and the label; one hierarchical perceptual discriminator per scale
    judges them against an *unrelated* real image (unpaired data); one
    segmentation network per scale maps each output back to the label.

    Generator loss (official ``train.py``): sum over scales of the
    foreground-masked GAN term, ``cycle_seg`` (lambda_4 = 10), ``vgg``
    (VGG19 MSE against the unpaired real, weight 1) and ``consistency``
    (lambda_3 = 5e-6). Discriminator loss x 0.5 (``gan_disc.loss_weight``):
    masked fake term, ``sharp`` (blurred reals as fakes, lambda_2 ramped
    0 -> 1 by ``LossRampHook``) and the real term weighted 1 + lambda_2
    (``losses.sharp.balance='real'``).

    Args:
        segmenter: an mmseg segmenter config (built trainable, once per
            output scale; see ``build_mmseg_segmenter``) or None (no cycle
            segmentation). Put ``'segmenters'`` in the generator's optimizer
            (``modules=['generator', 'segmenters']``), as the official code.
        foreground_mask: :class:`ForegroundEnhancementMask` config or None.
        label_input: 'ids' (semantic labels: the generator one-hot encodes
            pooled ids, official), 'semantics' (the one-hot map) or 'sketch'
            (a 2-class sketch label, stroke = 1, fed as one channel in
            [-1, 1]: blank 1, stroke -1, as the official R channel).
        num_inference_noise: inference averages this many z samples (10).
    """

    # The official (pix2pixHD-based) trainer steps G, then D on the same fake.
    default_update_order = 'g_then_d'

    def __init__(self, *args, segmenter: Optional[dict] = None,
                 num_segmenters: Optional[int] = None,
                 foreground_mask: Optional[dict] = None,
                 label_input: str = 'ids',
                 num_inference_noise: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        if label_input not in ('ids', 'semantics', 'sketch'):
            raise ValueError("label_input must be 'ids', 'semantics' or "
                             f"'sketch', got {label_input!r}")
        self.label_input = label_input
        self.num_inference_noise = num_inference_noise
        self.foreground_mask = MODELS.build(foreground_mask) \
            if foreground_mask is not None else None
        num_outputs = num_segmenters or getattr(self.generator,
                                                'num_outputs', 1)
        self.segmenters = None
        if segmenter is not None:
            from mmsemsyn.models.pretrained.segmenter import (
                build_mmseg_segmenter,
            )
            self.segmenters = nn.ModuleList(
                build_mmseg_segmenter(segmenter, frozen=False)
                for _ in range(num_outputs))
        self._check_id_classes()

    def _check_id_classes(self):
        """The preprocessed ids lie in ``0..num_classes - 1`` (and
        ``num_classes`` for a dontcare id). The generator one-hot encodes
        them ('ids' input) and the cycle segmentation loss uses them as
        cross-entropy targets (any non-sketch input), so their class counts
        are checked once here, when the model is built, instead of reading
        the ids on the host in every step (a GPU sync).

        Raises:
            ValueError: a generator ``semantic_nc`` or a segmenter
                ``num_classes`` below the id range (names both and the
                config key to set).
        """
        classes = getattr(self.data_preprocessor, 'num_classes', None)
        if classes is None or self.label_input == 'sketch':
            return
        dontcare = getattr(self.data_preprocessor, 'dontcare_label', None)
        needed = classes + int(dontcare is not None)
        source = (f'data_preprocessor num_classes={classes}' +
                  (f' + 1 for dontcare_label={dontcare}'
                   if dontcare is not None else ''))
        semantic_nc = getattr(self.generator, 'semantic_nc', None)
        if self.label_input == 'ids' and semantic_nc is not None \
                and semantic_nc < needed:
            raise ValueError(
                f'Lab2PixV1: the generator one-hot encodes ids 0..'
                f'{needed - 1} ({source}) but has semantic_nc='
                f'{semantic_nc}: set model.generator.semantic_nc={needed}.')
        # not ``self.losses[...]``: that would count the role as used
        seg = self.losses._modules.get('cycle_seg')
        if self.segmenters is None or seg is None \
                or getattr(seg, 'criterion', 'ce') != 'ce':
            return
        # the dontcare id (mapped to num_classes) may be ignored
        ignored = dontcare is not None and seg.ignore_index == classes
        seg_needed = needed - int(ignored)
        for net in self.segmenters:
            seg_classes = getattr(net, 'num_classes', None)
            if seg_classes is not None and seg_classes < seg_needed:
                raise ValueError(
                    f'Lab2PixV1: the cycle segmentation targets are ids '
                    f'0..{seg_needed - 1} ({source}) but the segmenter '
                    f'predicts {seg_classes} classes: set '
                    f'model.segmenter.decode_head.num_classes={seg_needed}'
                    + (f' (or losses.cycle_seg.ignore_index={classes} to '
                       'ignore the dontcare id).' if dontcare is not None
                       and not ignored else '.'))

    # ---- inputs ---------------------------------------------------------
    def generator_label(self, inputs: dict) -> torch.Tensor:
        if self.label_input == 'ids':
            return inputs['label']
        if self.label_input == 'semantics':
            return inputs['semantics']
        return self.sketch_map(inputs)

    @staticmethod
    def sketch_map(inputs: dict) -> torch.Tensor:
        return 1.0 - 2.0 * (inputs['label'] > 0).float().unsqueeze(1)

    def sample_noise(self, batch: int, device) -> Optional[torch.Tensor]:
        dim = getattr(self.generator, 'noise_dim', None)
        if dim is None:
            return None
        if self.training:
            return torch.randn(batch, dim, device=device)
        # Official inference: the mean of 10 draws.
        return torch.randn(self.num_inference_noise, batch, dim,
                           device=device).mean(0)

    def forward_generator(self, inputs: dict) -> dict:
        label = self.generator_label(inputs)
        fakes = self.generator(label, self.sample_noise(label.shape[0],
                                                        label.device))
        if isinstance(fakes, torch.Tensor):
            fakes = [fakes]
        return dict(fake_img=fakes[0], fake_scales=list(fakes))

    def discriminate(self, condition, images: List[torch.Tensor]):
        """Extends the base: ``images`` is one image *pyramid* (the output
        scales, finest first), judged by one D per scale (HPDs, or
        PatchGANs in the ablation rows) in one call; a single-output
        generator may also use a plain multi-scale D. ``condition`` is None
        (V1's discriminators see images only: unpaired data)."""
        if len(images) == 1 and not hasattr(self.discriminator, 'num_levels'):
            return self.discriminator_forward(condition, images[0])
        return self.discriminator_forward(condition, images)

    def real_pyramid(self, inputs: dict, n: int) -> List[torch.Tensor]:
        real = inputs['img']
        return [real if i == 0 else F.avg_pool2d(real, 2**i)
                for i in range(n)]

    def enhance_mask(self, inputs: dict) -> Optional[torch.Tensor]:
        if self.foreground_mask is None or self.label_input == 'sketch':
            return None  # official: sketches get no mask
        return self.foreground_mask(inputs['label'])

    # ---- losses ---------------------------------------------------------
    def discriminator_losses(self, inputs, outputs):
        gan = self.disc_gan_loss
        fakes = outputs['fake_scales']
        reals = self.real_pyramid(inputs, len(fakes))
        loss_d_fake = gan(self.discriminate(None, fakes), False, True,
                          self.enhance_mask(inputs))
        if not self.has_loss('sharp'):
            return dict(loss_d_fake=loss_d_fake,
                        loss_d_real=gan(self.discriminate(None, reals),
                                        True, True))
        # Eq. 16: blurred reals count as fakes (no mask, as the official);
        # the sharpness loss weighs the terms (balance='real': the real
        # term weighted 1 + lambda_2, the official train.py).
        sharp = self.losses['sharp']
        blurred = [sharp.blur(r) for r in reals]
        loss_d_blurred = gan(self.discriminate(None, blurred), False, True)
        return sharp.balance(
            loss_d_fake, gan(self.discriminate(None, reals), True, True),
            loss_d_blurred)

    def generator_losses(self, inputs, outputs):
        fakes = outputs['fake_scales']
        reals = self.real_pyramid(inputs, len(fakes))
        losses = self.loss('gan', self.discriminate(None, fakes), True,
                           weight=self.enhance_mask(inputs))
        if self.has_loss('cycle_seg') and self.segmenters is not None:
            target = self.sketch_map(inputs) \
                if self.label_input == 'sketch' else inputs['label']
            seg = self.losses['cycle_seg']
            losses[seg.loss_name] = sum(
                seg(net._forward(fake), target)
                for net, fake in zip(self.segmenters, fakes))
        if self.has_loss('vgg'):
            vgg = self.losses['vgg']
            losses[vgg.loss_name] = sum(
                vgg(f, r) for f, r in zip(fakes, reals))
        if self.has_loss('consistency') and len(fakes) > 1:
            losses.update(self.loss('consistency', fakes))
        return losses
