"""The residual block of pix2pixHD's generator, reused by LGGAN's local
branch and its cross-view generator (both official codes copy it)."""
import torch
import torch.nn as nn

from mmsemsyn.models.layers.norm import build_norm_layer


class ResnetBlock(nn.Module):
    """x + [pad1, conv3, norm, ReLU, pad1, conv3, norm](x), biased convs, no
    activation after the sum. ``conv_block`` indices 1 and 5 are the convs,
    as in the official pix2pixHD state dict.

    Args:
        channels: input = output channels.
        norm: 'IN' (InstanceNorm without affine, all three official codes),
            'BN' or 'none'.
        padding_mode: 'reflect' (official default) or 'replicate'.
    """

    def __init__(self, channels: int, norm: str = 'IN',
                 padding_mode: str = 'reflect'):
        super().__init__()
        pad = {'reflect': nn.ReflectionPad2d,
               'replicate': nn.ReplicationPad2d}.get(padding_mode)
        if pad is None:
            raise ValueError(f'padding_mode must be reflect or replicate, '
                             f'got {padding_mode!r}')
        self.conv_block = nn.Sequential(
            pad(1), nn.Conv2d(channels, channels, 3),
            build_norm_layer(norm, channels), nn.ReLU(True),
            pad(1), nn.Conv2d(channels, channels, 3),
            build_norm_layer(norm, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)
