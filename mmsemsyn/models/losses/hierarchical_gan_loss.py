"""Adversarial loss over hierarchical discriminators (Lab2Pix, Eq. 14/24)."""
from typing import List, Optional

import torch

from mmsemsyn.registry import MODELS
from .gan_loss import GANLoss


def levels_per_discriminator(pred) -> List[List[torch.Tensor]]:
    """Level predictions of each discriminator.

    ``pred`` is a tensor (one D, one level), one hierarchical D's feature
    list (last entry = list of levels), or a list over discriminators of
    tensors / feature lists whose last entry is a tensor (PatchGAN) or a
    list of level predictions (hierarchical D).
    """
    if isinstance(pred, torch.Tensor):
        return [[pred]]
    if isinstance(pred[0], torch.Tensor) and isinstance(pred[-1],
                                                        (list, tuple)):
        return [list(pred[-1])]
    result = []
    for out in pred:
        if isinstance(out, torch.Tensor):
            result.append([out])
        else:
            last = out[-1]
            result.append(list(last) if isinstance(last, (list, tuple))
                          else [last])
    return result


@MODELS.register_module()
class HierarchicalGANLoss(GANLoss):
    """GAN loss over discriminators with several hierarchy levels.

    Level ``l`` of a discriminator has weight ``1 / 2**l`` (1, 1/2, 1/4),
    normalised by their sum (Eq. 14/24); the per-pixel ``weight``
    (foreground mask) is pooled to each level's size per sample.
    Discriminators combine by ``scale_reduction``: 'sum' (V1: one loss per
    output scale, summed) or 'mean' (V2: SPADE's multi-scale average).

    ``level_normalization='cumulative'`` reproduces the official V2 GANLoss,
    which divides the running total -- including the previous
    discriminators' terms -- by each discriminator's weight sum (so with
    levels (3, 2) the finest D ends up scaled by 1/1.5); 'per_scale' is the
    paper's Eq. 24.
    """

    def __init__(self, *args, level_normalization: str = 'per_scale',
                 **kwargs):
        super().__init__(*args, **kwargs)
        if level_normalization not in ('per_scale', 'cumulative'):
            raise ValueError("level_normalization must be 'per_scale' or "
                             f"'cumulative', got {level_normalization!r}")
        self.level_normalization = level_normalization

    def forward(self, pred, target_is_real: bool, is_disc: bool = False,
                weight: Optional[torch.Tensor] = None) -> torch.Tensor:
        outputs = levels_per_discriminator(pred)
        total = None
        for levels in outputs:
            weights = [0.5**k for k in range(len(levels))]
            loss = sum(w * self._single(p, target_is_real, is_disc, weight)
                       for w, p in zip(weights, levels))
            if self.level_normalization == 'cumulative':
                total = loss if total is None else total + loss
                total = total / sum(weights)
            else:
                loss = loss / sum(weights)
                total = loss if total is None else total + loss
        if self.scale_reduction == 'mean':
            total = total / len(outputs)
        return total * self.loss_weight
