"""Adversarial losses for single- and multi-scale discriminators."""
from typing import List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.registry import MODELS

DiscOutput = Union[torch.Tensor, List[torch.Tensor], List[List[torch.Tensor]]]


def discriminator_predictions(pred: DiscOutput) -> List[torch.Tensor]:
    """The per-scale predictions of a D output.

    A D returns a tensor, a list of tensors (one per scale), or a list of
    per-scale feature lists whose last entry is the prediction (the form
    feature matching needs).
    """
    if isinstance(pred, torch.Tensor):
        return [pred]
    return [p[-1] if isinstance(p, (list, tuple)) else p for p in pred]


@MODELS.register_module()
class GANLoss(nn.Module):
    """Vanilla (BCE with logits), LSGAN (MSE), hinge and WGAN losses.

    Args:
        gan_type: 'vanilla' | 'lsgan' | 'hinge' | 'wgan'.
        loss_weight: multiplies the loss (the discriminator term of
            pix2pixHD uses 0.5: its D loss is (fake + real) * 0.5).
        scale_reduction: how a multi-scale D's losses combine: 'mean'
            (SPADE, LGGAN) or 'sum' (pix2pixHD).
        disc_real_weight: a further factor on the discriminator's
            real-target term only (``is_disc=True, target_is_real=True``):
            LGGAN cross-view's official ``backward_D`` adds
            ``0.5 * (real + fake_o)`` for each of its 3 judged outputs, so
            one real prediction counts 3 times (3.0 there; 1.0 elsewhere).
        loss_name: the key the term is logged under.
    """

    def __init__(self,
                 gan_type: str = 'vanilla',
                 loss_weight: float = 1.0,
                 real_label: float = 1.0,
                 fake_label: float = 0.0,
                 scale_reduction: str = 'mean',
                 disc_real_weight: float = 1.0,
                 loss_name: str = 'loss_gan'):
        super().__init__()
        if gan_type not in ('vanilla', 'lsgan', 'hinge', 'wgan'):
            raise ValueError(f'Unknown gan_type {gan_type!r}; use vanilla, '
                             'lsgan, hinge or wgan.')
        if scale_reduction not in ('mean', 'sum'):
            raise ValueError(f'scale_reduction must be mean or sum, got '
                             f'{scale_reduction!r}')
        self.gan_type = gan_type
        self.loss_weight = loss_weight
        self.real_label = real_label
        self.fake_label = fake_label
        self.scale_reduction = scale_reduction
        self.disc_real_weight = disc_real_weight
        self.loss_name = loss_name

    def _single(self, pred: torch.Tensor, target_is_real: bool,
                is_disc: bool,
                weight: Optional[torch.Tensor]) -> torch.Tensor:
        if self.gan_type in ('vanilla', 'lsgan'):
            value = self.real_label if target_is_real else self.fake_label
            target = torch.full_like(pred, value)
            if self.gan_type == 'vanilla':
                loss = F.binary_cross_entropy_with_logits(
                    pred, target, reduction='none')
            else:
                loss = F.mse_loss(pred, target, reduction='none')
        elif self.gan_type == 'hinge':
            if is_disc:
                loss = F.relu(1 - pred) if target_is_real else F.relu(1 + pred)
            else:
                if not target_is_real:
                    raise ValueError('The generator hinge loss is for real '
                                     'targets only.')
                loss = -pred
        else:  # wgan
            loss = -pred if target_is_real else pred
        if weight is not None:
            # Per-pixel weights (e.g. Lab2Pix's foreground mask), pooled per
            # sample to this scale's prediction size.
            if weight.shape[-2:] != pred.shape[-2:]:
                weight = F.adaptive_avg_pool2d(weight, pred.shape[-2:])
            loss = loss * weight
        return loss.mean()

    def forward(self,
                pred: DiscOutput,
                target_is_real: bool,
                is_disc: bool = False,
                weight: Optional[torch.Tensor] = None) -> torch.Tensor:
        losses = [
            self._single(p, target_is_real, is_disc, weight)
            for p in discriminator_predictions(pred)
        ]
        loss = torch.stack(losses).sum()
        if self.scale_reduction == 'mean':
            loss = loss / len(losses)
        loss = loss * self.loss_weight
        if is_disc and target_is_real and self.disc_real_weight != 1:
            loss = loss * self.disc_real_weight
        return loss
