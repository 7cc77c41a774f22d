"""Multi-scale PatchGAN (pix2pixHD, SPADE, LGGAN)."""
from typing import List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class MultiScaleDiscriminator(nn.Module):
    """``num_D`` copies of a discriminator on an image pyramid.

    Scale k sees the input average-pooled k times (AvgPool 3, stride 2,
    pad 1, count_include_pad=False, as the official code). Returns a list,
    finest scale first, of each scale's feature list (last entry = the
    prediction).

    Args:
        discriminator: config of one scale's D (built ``num_D`` times, with
            ``return_features=True``).
    """

    def __init__(self, discriminator: dict, num_D: int = 2):
        super().__init__()
        self.num_D = num_D
        cfg = dict(discriminator, return_features=True)
        self.discriminators = nn.ModuleList(
            MODELS.build(cfg) for _ in range(num_D))

    def forward(self, x: torch.Tensor) -> List[List[torch.Tensor]]:
        return run_on_pyramid(self.discriminators, x)


def run_on_pyramid(discriminators: Sequence[nn.Module],
                   x: torch.Tensor) -> List:
    """Discriminator k judges ``x`` average-pooled k times (AvgPool 3,
    stride 2, pad 1, count_include_pad=False: the pix2pixHD / SPADE
    pyramid); returns their outputs, finest scale first."""
    outputs = []
    for i, disc in enumerate(discriminators):
        if i > 0:
            x = F.avg_pool2d(x, 3, stride=2, padding=1,
                             count_include_pad=False)
        outputs.append(disc(x))
    return outputs
