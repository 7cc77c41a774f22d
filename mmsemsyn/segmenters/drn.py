"""DRN-D-105 segmenter (Yu, Koltun, Funkhouser, "Dilated Residual Networks",
CVPR 2017) -- the Cityscapes segmenter of the SPADE / LGGAN / Lab2Pix /
OASIS evaluation protocol.

Follows fyu/drn: ``drn.py`` (``DRN(arch='D')``, ``drn_d_105`` = Bottleneck
blocks [1, 1, 3, 4, 23, 3, 1, 1], channels (16, 32, 64, 128, 256, 512, 512,
512)) and ``segment.py`` (``DRNSeg``: the DRN without its pool/fc, a 1x1
classifier ``seg`` and a fixed bilinear ``ConvTranspose2d`` x8 ``up``).
Output stride 8, no context module. 54,302,915 parameters with 19 classes
(counting the fixed ``up`` kernel, as the release's state dict does).

Key mapping from the release ``drn-d-105_ms_cityscapes.pth``:
``base.{i}.*`` -> ``backbone.layer{i}.*``, ``seg.*`` ->
``decode_head.conv_seg.*``, ``up.weight`` -> ``decode_head.up.weight``
(:mod:`mmsemsyn.models.pretrained.paper_segmenters`).
"""
import math
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.models.backbones.resnet import Bottleneck
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import ResLayer
from torch import Tensor

from mmsemsyn.registry import MODELS


def _conv_bn_relu_levels(in_channels: int, channels: int, num_convs: int,
                         stride: int = 1, dilation: int = 1,
                         kernel_size: int = 3) -> nn.Sequential:
    # DRN-D replaces the residual blocks of DRN-C's first two and last two
    # levels by plain conv-BN-ReLU stacks (DRN paper Sec. 4.2, "degridding");
    # flat Sequential so the keys are layerN.{3k}/{3k+1}, as in the release.
    modules = []
    for i in range(num_convs):
        modules += [
            nn.Conv2d(in_channels if i == 0 else channels, channels,
                      kernel_size, stride=stride if i == 0 else 1,
                      padding=dilation * (kernel_size // 2),
                      dilation=dilation, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True)
        ]
    return nn.Sequential(*modules)


@MODELS.register_module()
class DRN(BaseModule):
    """DRN-D backbone (levels 1-8 of the DRN paper's Fig. 2, arch 'D').

    Input (B, 3, H, W) normalised RGB; output a 1-tuple with the level-8
    feature (B, channels[-1], H/8, W/8) (H, W multiples of 8 give exact
    sizes).

    Args:
        layers: number of convs (levels 1, 2, 7, 8) or Bottleneck blocks
            (levels 3-6) per level; DRN-D-105: (1, 1, 3, 4, 23, 3, 1, 1).
        channels: output channels of levels 1, 2, 7, 8 and the Bottleneck
            *planes* of levels 3-6 (their outputs are 4x).
        norm_cfg: norm of the Bottleneck levels (BN, as released).

    Level strides/dilations are DRN-D's: level0 7x7 conv stride 1, level 2,
    3, 4 stride 2 (output stride 8), level 5 dilation 2, level 6 dilation 4
    (every block, ``new_level=False`` in ``drn.py``), level 7 dilation 2,
    level 8 dilation 1.
    """

    def __init__(self,
                 layers: Sequence[int] = (1, 1, 3, 4, 23, 3, 1, 1),
                 channels: Sequence[int] = (16, 32, 64, 128, 256, 512, 512,
                                            512),
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 init_cfg=None):
        super().__init__(init_cfg)
        if len(layers) != 8 or len(channels) != 8:
            raise ValueError('DRN needs 8 levels in `layers` and `channels`; '
                             f'got {len(layers)} and {len(channels)}.')
        if min(layers[:4]) < 1:
            raise ValueError(f'DRN levels 1-4 need >= 1 block, got {layers}.')
        self.layer0 = _conv_bn_relu_levels(3, channels[0], 1, kernel_size=7)
        self.layer1 = _conv_bn_relu_levels(channels[0], channels[0],
                                           layers[0])
        self.layer2 = _conv_bn_relu_levels(channels[0], channels[1],
                                           layers[1], stride=2)
        inplanes = channels[1]
        # Levels 3-6: mmseg's ResLayer/Bottleneck ('pytorch' style: stride
        # and dilation on the 3x3 conv, 1x1+BN downsample) have DRN's exact
        # layout and names (conv1/bn1/.../downsample.{0,1}).
        for level, (stride, dilation) in zip(
                range(3, 7), ((2, 1), (2, 1), (1, 2), (1, 4))):
            planes = channels[level - 1]
            if layers[level - 1] == 0:
                setattr(self, f'layer{level}', None)
                continue
            setattr(
                self, f'layer{level}',
                ResLayer(Bottleneck, inplanes, planes, layers[level - 1],
                         stride=stride, dilation=dilation,
                         norm_cfg=norm_cfg, contract_dilation=False))
            inplanes = planes * Bottleneck.expansion
        self.layer7 = _conv_bn_relu_levels(
            inplanes, channels[6], layers[6],
            dilation=2) if layers[6] else None
        inplanes = channels[6] if layers[6] else inplanes
        self.layer8 = _conv_bn_relu_levels(
            inplanes, channels[7], layers[7]) if layers[7] else None
        self.out_channels = channels[7] if layers[7] else inplanes

    def init_weights(self) -> None:
        # drn.py's initialisation: He-normal over fan-out, BN weight 1 bias 0
        # (only used without a checkpoint, e.g. random-weight tests).
        if self.init_cfg is not None:
            return super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.data.normal_(0, math.sqrt(2. / n))
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.data.fill_(1)
                m.bias.data.zero_()

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        for i in range(9):
            layer = getattr(self, f'layer{i}')
            if layer is not None:
                x = layer(x)
        return (x, )


def bilinear_upsampling_kernel(kernel_size: int) -> Tensor:
    """(k, k) bilinear interpolation kernel of a stride-k/2 transposed conv.

    The weights ``segment.py``'s ``fill_up_weights`` writes into DRNSeg's
    ``up`` (and the released checkpoint holds): w[i, j] = (1 - |i/f - c|)
    (1 - |j/f - c|) with f = ceil(k/2), c = (2f - 1 - f % 2) / (2f).
    """
    f = math.ceil(kernel_size / 2)
    c = (2 * f - 1 - f % 2) / (2. * f)
    ramp = 1 - (torch.arange(kernel_size, dtype=torch.float64) / f - c).abs()
    return torch.outer(ramp, ramp).float()


@MODELS.register_module()
class DRNSegHead(BaseDecodeHead):
    """DRNSeg's classifier: 1x1 conv (``conv_seg``) + fixed bilinear x8 up.

    Input: the backbone tuple, uses ``inputs[in_index]`` (B, in_channels,
    h, w). Output: (B, num_classes, 8h, 8w) logits (``segment.py`` returns
    their log-softmax; the argmax is the same).

    ``up`` is a grouped ``ConvTranspose2d(k=2*up_factor, stride=up_factor,
    padding=up_factor/2)`` whose kernel is the bilinear one and is never
    trained (``requires_grad=False``, as in ``segment.py``); it is kept as a
    parameter so the state dict equals the release's.
    """

    def __init__(self, up_factor: int = 8, **kwargs):
        kwargs.setdefault('dropout_ratio', 0.)
        super().__init__(**kwargs)
        if self.in_channels != self.channels:
            raise ValueError('DRNSegHead classifies the backbone feature '
                             'directly: channels must equal in_channels '
                             f'({self.channels} != {self.in_channels}).')
        n = self.out_channels
        self.up = nn.ConvTranspose2d(n, n, 2 * up_factor, stride=up_factor,
                                     padding=up_factor // 2, groups=n,
                                     bias=False)
        self.up.weight.requires_grad_(False)
        self._fill_up_weights()

    def _fill_up_weights(self) -> None:
        with torch.no_grad():
            self.up.weight.copy_(
                bilinear_upsampling_kernel(self.up.kernel_size[0]).expand_as(
                    self.up.weight))

    def init_weights(self) -> None:
        super().init_weights()
        # segment.py: seg ~ N(0, sqrt(2 / (k*k*out))), bias 0; up bilinear.
        m = self.conv_seg
        n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
        nn.init.normal_(m.weight, 0, math.sqrt(2. / n))
        nn.init.zeros_(m.bias)
        self._fill_up_weights()

    def forward(self, inputs: List[Tensor]) -> Tensor:
        x = self._transform_inputs(inputs)
        return self.up(self.cls_seg(x))
