"""The pix2pix code's ``resnet_9blocks`` generator (Johnson et al. style):
c7s1-ngf, two stride-2 downsamplings, ``n_blocks`` residual blocks at
4*ngf, two transposed-conv upsamplings, c7s1-3 + tanh.

Registered from a project through ``custom_imports``: the core package
does not know this file.
"""
import torch
import torch.nn as nn

from mmsemsyn.models.layers.norm import build_norm_layer
from mmsemsyn.registry import MODELS


class _ResidualBlock(nn.Module):
    """[reflect-pad, conv3, norm, ReLU, (dropout)] + [reflect-pad, conv3,
    norm]; identity shortcut, no activation after the add."""

    def __init__(self, channels: int, norm: str, use_bias: bool,
                 use_dropout: bool):
        super().__init__()
        layers = [nn.ReflectionPad2d(1),
                  nn.Conv2d(channels, channels, 3, bias=use_bias),
                  build_norm_layer(norm, channels), nn.ReLU(True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1),
                   nn.Conv2d(channels, channels, 3, bias=use_bias),
                   build_norm_layer(norm, channels)]
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


@MODELS.register_module()
class ExampleResnetGenerator(nn.Module):
    """Args:
        in_channels / out_channels: label channels in, 3 out.
        ngf: width of the first layer (4*ngf in the residual blocks).
        n_blocks: residual blocks (9 = ``resnet_9blocks``).
        norm: 'IN' (the pix2pix default for this G) or 'BN'; convs carry a
            bias exactly when the norm is InstanceNorm (no affine), as in
            the official code.
    """

    def __init__(self, in_channels: int, out_channels: int = 3,
                 ngf: int = 64, n_blocks: int = 9, norm: str = 'IN',
                 use_dropout: bool = False):
        super().__init__()
        use_bias = norm == 'IN'
        layers = [nn.ReflectionPad2d(3),
                  nn.Conv2d(in_channels, ngf, 7, bias=use_bias),
                  build_norm_layer(norm, ngf), nn.ReLU(True)]
        for i in range(2):
            c = ngf * 2**i
            layers += [nn.Conv2d(c, c * 2, 3, stride=2, padding=1,
                                 bias=use_bias),
                       build_norm_layer(norm, c * 2), nn.ReLU(True)]
        layers += [_ResidualBlock(ngf * 4, norm, use_bias, use_dropout)
                   for _ in range(n_blocks)]
        for i in range(2):
            c = ngf * 2**(2 - i)
            layers += [nn.ConvTranspose2d(c, c // 2, 3, stride=2, padding=1,
                                          output_padding=1, bias=use_bias),
                       build_norm_layer(norm, c // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7),
                   nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
