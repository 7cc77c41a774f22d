"""Mini-inception block of the hierarchical perceptual discriminator
(Lab2Pix, Fig. 5)."""
from typing import Callable

import torch
import torch.nn as nn

ConvBuilder = Callable[..., nn.Module]


class MiniInceptionBlock(nn.Module):
    """Three summed branches that downsample by ``stride``:
    avgpool + 1x1 | 1x1 + 3x3 (stride) | 1x1 + 3x3 + 3x3 (stride).

    Args:
        conv_block: ``conv_block(cin, cout, kernel_size, stride, padding)``
            -> conv + norm + activation, the discriminator's own layer
            recipe (V1: conv with bias + IN + LReLU; V2: SN conv + IN +
            LReLU), so the block matches its host exactly.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 conv_block: ConvBuilder):
        super().__init__()
        self.pool_branch = nn.Sequential(
            nn.AvgPool2d(kernel_size=stride),
            conv_block(in_channels, out_channels, 1, 1, 0))
        self.conv3_branch = nn.Sequential(
            conv_block(in_channels, out_channels, 1, 1, 0),
            conv_block(out_channels, out_channels, 3, stride, 1))
        self.conv5_branch = nn.Sequential(
            conv_block(in_channels, out_channels, 1, 1, 0),
            conv_block(out_channels, out_channels, 3, 1, 1),
            conv_block(out_channels, out_channels, 3, stride, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool_branch(x) + self.conv3_branch(x) + \
            self.conv5_branch(x)
