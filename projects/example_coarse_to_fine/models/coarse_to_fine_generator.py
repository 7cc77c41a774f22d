"""A two-stage generator: a coarse image at half resolution, then a refiner.

Written against the network contract of ``docs/architecture.md``: a
:class:`~mmsemsyn.models.layers.weight_init.BaseNetwork` whose init scheme
is a constructor argument, applied once by ``finish_init()``.
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.weight_init import BaseNetwork, normal_init_weights
from mmsemsyn.registry import MODELS


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """3x3 conv (reflect padding) -> InstanceNorm -> ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1,
                  padding_mode='reflect'),
        nn.InstanceNorm2d(out_channels), nn.ReLU(True))


@MODELS.register_module()
class ExampleCoarseToFineGenerator(BaseNetwork):
    """Coarse stage on the half-resolution layout, refinement at full size.

    Stage 1 sees the semantic layout average-pooled 2x and draws a coarse
    photo; stage 2 sees the full layout next to the coarse photo upsampled
    (bilinear) and draws the result.

    Args:
        semantic_nc: input channels (one-hot classes (+ instance edges ...)),
            the toolbox's name for it; filled from the data by
            ``resolve_channels`` when a config leaves it unset.
        ngf: width of both stages.
        n_blocks: conv blocks per stage.
        init_gain: std of pix2pix's N(0, gain) init (``normal_init_weights``).

    Forward:
        semantics (B, semantic_nc, H, W), H and W even ->
        (fake (B, 3, H, W), coarse (B, 3, H/2, W/2)), both in [-1, 1].

    Raises:
        ValueError: H or W odd (the coarse stage halves them).
    """

    def __init__(self, semantic_nc: int, ngf: int = 64, n_blocks: int = 3,
                 init_gain: float = 0.02):
        super().__init__()
        self.init_gain = init_gain

        def stage(in_channels):
            layers = [conv_block(in_channels, ngf)]
            layers += [conv_block(ngf, ngf) for _ in range(n_blocks - 1)]
            return nn.Sequential(*layers, nn.Conv2d(ngf, 3, 3, padding=1),
                                 nn.Tanh())

        self.coarse = stage(semantic_nc)
        self.refine = stage(semantic_nc + 3)
        self.finish_init()

    def init_weights(self) -> None:
        normal_init_weights(self, self.init_gain)

    def forward(self, semantics: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        if semantics.shape[-2] % 2 or semantics.shape[-1] % 2:
            raise ValueError(
                f'{type(self).__name__}: the layout size '
                f'{tuple(semantics.shape[-2:])} must be even in H and W (the '
                'coarse stage works at half resolution); resize or crop the '
                'data to an even size.')
        coarse = self.coarse(F.avg_pool2d(semantics, 2))
        up = F.interpolate(coarse, size=semantics.shape[-2:],
                           mode='bilinear', align_corners=False)
        return self.refine(torch.cat([semantics, up], 1)), coarse
