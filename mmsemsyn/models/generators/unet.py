"""pix2pix U-Net generator (Isola et al. 2017; junyanz ``unet_256``)."""
import torch
import torch.nn as nn

from mmsemsyn.models.layers.norm import build_norm_layer
from mmsemsyn.models.layers.weight_init import BaseNetwork, normal_init_weights
from mmsemsyn.registry import MODELS


class UnetSkipBlock(nn.Module):
    """One U-Net level: down, the inner levels, up, then skip-concat.

    The outermost level has no norm on its down conv and ends in tanh; the
    innermost has no norm on its down conv and no inner block. Convs carry a
    bias only with InstanceNorm (BatchNorm's shift makes it redundant).
    """

    def __init__(self, outer_nc: int, inner_nc: int, in_nc: int = None,
                 submodule: nn.Module = None, outermost: bool = False,
                 innermost: bool = False, norm: str = 'BN',
                 use_dropout: bool = False):
        super().__init__()
        self.outermost = outermost
        in_nc = outer_nc if in_nc is None else in_nc
        use_bias = norm == 'IN'
        down = [nn.Conv2d(in_nc, inner_nc, 4, 2, 1, bias=use_bias)]
        up_in = inner_nc if innermost else inner_nc * 2
        up_conv = nn.ConvTranspose2d(up_in, outer_nc, 4, 2, 1,
                                     bias=outermost or use_bias)
        if outermost:
            layers = down + [submodule, nn.ReLU(True), up_conv, nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True)] + down + [
                nn.ReLU(True), up_conv, build_norm_layer(norm, outer_nc)]
        else:
            layers = [nn.LeakyReLU(0.2, True)] + down + [
                build_norm_layer(norm, inner_nc), submodule, nn.ReLU(True),
                up_conv, build_norm_layer(norm, outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


@MODELS.register_module()
class UnetGenerator(BaseNetwork):
    """U-Net with ``num_downs`` stride-2 levels (8 for 256x256 input).

    Dropout 0.5 sits in the ``num_downs - 5`` levels just outside the
    innermost (3 for unet_256), as in the official code.
    """

    def __init__(self, in_channels: int, out_channels: int = 3,
                 num_downs: int = 8, ngf: int = 64, norm: str = 'BN',
                 use_dropout: bool = True, init_gain: float = 0.02):
        super().__init__()
        if num_downs < 5:
            raise ValueError(f'num_downs must be >= 5, got {num_downs}')
        self.in_channels = in_channels
        block = UnetSkipBlock(ngf * 8, ngf * 8, innermost=True, norm=norm)
        for _ in range(num_downs - 5):
            block = UnetSkipBlock(ngf * 8, ngf * 8, submodule=block,
                                  norm=norm, use_dropout=use_dropout)
        for mult in (4, 2, 1):
            block = UnetSkipBlock(ngf * mult, ngf * mult * 2,
                                  submodule=block, norm=norm)
        self.model = UnetSkipBlock(out_channels, ngf, in_nc=in_channels,
                                   submodule=block, outermost=True,
                                   norm=norm)
        self.num_downs = num_downs
        self.init_gain = init_gain
        self.finish_init()

    def init_weights(self):
        """pix2pix's N(0, init_gain) init (:func:`normal_init_weights`)."""
        normal_init_weights(self, self.init_gain)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        factor = 2**self.num_downs
        if x.shape[-1] % factor or x.shape[-2] % factor:
            raise ValueError(
                f'UnetGenerator with num_downs={self.num_downs} needs H and '
                f'W divisible by {factor}; got {tuple(x.shape[-2:])}. Resize '
                'or crop the data, or lower num_downs.')
        return self.model(x)

