"""pix2pixHD generators (Wang et al., CVPR 2018, Sec. 3.2, Fig. 3).

``GlobalGenerator`` is G1 (the 1024x512 network) and ``LocalEnhancer`` is
G = {G1, G2}: G2's front-end output is *added* to G1's last feature map
before G2's residual blocks (Sec. 3.2, "coarse-to-fine generator").

Module and state-dict names follow the official code's layer order
(``model.<i>`` for the global network, ``model<n>_1`` / ``model<n>_2`` for
the n-th enhancer's front end / back end), so official checkpoints map onto
these classes key for key and the 512p checkpoint's ``model.*`` tensors are
exactly the local model's inner global generator.
"""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.norm import build_norm_layer
from mmsemsyn.models.layers.resnet_block import ResnetBlock
from mmsemsyn.models.layers.weight_init import BaseNetwork, normal_conv_init
from mmsemsyn.registry import MODELS


def _global_layers(in_channels: int, out_channels: int, ngf: int,
                   n_downsampling: int, n_blocks: int,
                   norm: str) -> List[nn.Module]:
    """G1's layer list: c7s1-ngf, d(2ngf)..., R x n_blocks, u(...)...,
    c7s1-3, tanh. The last three entries are (pad, conv7, tanh)."""
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ngf, 7),
              build_norm_layer(norm, ngf), nn.ReLU(True)]
    for i in range(n_downsampling):
        ch = ngf * 2**i
        layers += [nn.Conv2d(ch, ch * 2, 3, stride=2, padding=1),
                   build_norm_layer(norm, ch * 2), nn.ReLU(True)]
    ch = ngf * 2**n_downsampling
    layers += [ResnetBlock(ch, norm) for _ in range(n_blocks)]
    for i in range(n_downsampling):
        ch = ngf * 2**(n_downsampling - i)
        layers += [nn.ConvTranspose2d(ch, ch // 2, 3, stride=2, padding=1,
                                      output_padding=1),
                   build_norm_layer(norm, ch // 2), nn.ReLU(True)]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7),
               nn.Tanh()]
    return layers


def _check_divisible(x: torch.Tensor, factor: int, name: str) -> None:
    h, w = x.shape[-2:]
    if h % factor or w % factor:
        raise ValueError(
            f'{name} needs H and W divisible by {factor} (2 ** number of '
            f'stride-2 convs); got {h}x{w}. Resize/crop the data to a '
            f'multiple of {factor} (the official "none" resize rounds '
            'sizes the same way).')


@MODELS.register_module()
class GlobalGenerator(BaseNetwork):
    """pix2pixHD G1 (``--netG global``): 4 stride-2 downsamplings, 9
    residual blocks at ``ngf * 16`` = 1024 channels, 4 transposed-conv
    upsamplings, InstanceNorm (affine=False), N(0, 0.02) init.

    Args:
        in_channels: label channels (one-hot + edge [+ instance features]).
        n_downsampling: the official ``n_downsample_global`` (default 4).
    """

    def __init__(self, in_channels: int, out_channels: int = 3,
                 ngf: int = 64, n_downsampling: int = 4, n_blocks: int = 9,
                 norm: str = 'IN', init_gain: float = 0.02):
        super().__init__()
        self.in_channels = in_channels
        self.n_downsampling = n_downsampling
        self.init_gain = init_gain
        self.model = nn.Sequential(*_global_layers(
            in_channels, out_channels, ngf, n_downsampling, n_blocks, norm))
        self.finish_init()

    def init_weights(self):
        """pix2pixHD's ``weights_init`` (:func:`normal_conv_init`)."""
        normal_conv_init(self, self.init_gain)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_divisible(x, 2**self.n_downsampling, 'GlobalGenerator')
        return self.model(x)


@MODELS.register_module()
class LocalEnhancer(BaseNetwork):
    """pix2pixHD G = {G1, G2, ...} (``--netG local``), Sec. 3.2.

    The inner global generator (width ``ngf * 2**n_local_enhancers``, its
    last pad/conv7/tanh dropped) runs on the input downsampled
    ``n_local_enhancers`` times (AvgPool 3/2/1, count_include_pad=False).
    Enhancer n (coarsest first) maps its own-scale input through
    [c7s1, d] (``model<n>_1``), adds the previous output, and runs
    [R x n_blocks_local, u] (``model<n>_2``); the last enhancer ends in
    c7s1-3 + tanh.

    Args:
        ngf: width of the finest enhancer (official 1024p: 32).
        n_downsample_global / n_blocks_global: of the inner G1 (4 / 9).
    """

    def __init__(self, in_channels: int, out_channels: int = 3,
                 ngf: int = 32, n_downsample_global: int = 4,
                 n_blocks_global: int = 9, n_local_enhancers: int = 1,
                 n_blocks_local: int = 3, norm: str = 'IN',
                 init_gain: float = 0.02):
        super().__init__()
        if n_local_enhancers < 1:
            raise ValueError('n_local_enhancers must be >= 1 (use '
                             'GlobalGenerator for none).')
        self.in_channels = in_channels
        self.n_local_enhancers = n_local_enhancers
        self.n_downsample_global = n_downsample_global
        self.init_gain = init_gain
        global_layers = _global_layers(
            in_channels, out_channels, ngf * 2**n_local_enhancers,
            n_downsample_global, n_blocks_global, norm)
        self.model = nn.Sequential(*global_layers[:-3])
        for n in range(1, n_local_enhancers + 1):
            ch = ngf * 2**(n_local_enhancers - n)
            front = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ch, 7),
                     build_norm_layer(norm, ch), nn.ReLU(True),
                     nn.Conv2d(ch, ch * 2, 3, stride=2, padding=1),
                     build_norm_layer(norm, ch * 2), nn.ReLU(True)]
            back = [ResnetBlock(ch * 2, norm) for _ in range(n_blocks_local)]
            back += [nn.ConvTranspose2d(ch * 2, ch, 3, stride=2, padding=1,
                                        output_padding=1),
                     build_norm_layer(norm, ch), nn.ReLU(True)]
            if n == n_local_enhancers:
                back += [nn.ReflectionPad2d(3),
                         nn.Conv2d(ngf, out_channels, 7), nn.Tanh()]
            setattr(self, f'model{n}_1', nn.Sequential(*front))
            setattr(self, f'model{n}_2', nn.Sequential(*back))
        self.finish_init()

    def init_weights(self):
        """pix2pixHD's ``weights_init`` (:func:`normal_conv_init`)."""
        normal_conv_init(self, self.init_gain)

    @property
    def global_prefix(self) -> str:
        """State-dict prefix of the inner global generator."""
        return 'model.'

    def enhancer_prefixes(self, outermost_only: bool = False) -> List[str]:
        """Prefixes of the enhancer modules; with ``outermost_only``, only
        the finest one (the official ``--niter_fix_global`` trains exactly
        the parameters named ``model<n_local_enhancers>*``)."""
        first = self.n_local_enhancers if outermost_only else 1
        return [f'model{n}_' for n in range(first,
                                            self.n_local_enhancers + 1)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_divisible(
            x, 2**(self.n_downsample_global + self.n_local_enhancers),
            'LocalEnhancer')
        pyramid = [x]
        for _ in range(self.n_local_enhancers):
            pyramid.append(F.avg_pool2d(pyramid[-1], 3, stride=2, padding=1,
                                        count_include_pad=False))
        out = self.model(pyramid[-1])
        for n in range(1, self.n_local_enhancers + 1):
            front = getattr(self, f'model{n}_1')
            back = getattr(self, f'model{n}_2')
            out = back(front(pyramid[self.n_local_enhancers - n]) + out)
        return out
