"""DeepLab-v2 ResNet-101 with multi-scale inputs (Chen et al., TPAMI 2018)
as released by kazuto1011/deeplab-pytorch for COCO-Stuff 164k -- the
COCO-Stuff segmenter of the SPADE / CC-FPSE / LGGAN evaluation protocol.

Release ``deeplabv2_resnet101_msc-cocostuff164k-100000.pth``: ``MSC(
DeepLabV2(n_classes=182, n_blocks=[3, 4, 23, 3], atrous_rates=[6, 12, 18,
24]), scales=[0.5, 0.75])`` (``libs/models/{deeplabv2,resnet,msc}.py``):

* ResNet-101, Caffe layout: 7x7 stem, **ceil-mode** 3x3/2 max-pool, stride
  on the 1x1 ``reduce`` conv, layers 3/4 without stride and dilated 2/4
  (output stride 8). mmseg's ``ResNet(style='caffe', strides=(1, 2, 1, 1),
  dilations=(1, 1, 2, 4))`` has that layout except the pool's ceil mode
  (:class:`DeepLabV2ResNet` restores it; with floor mode every map of an
  even-sized input would be one pixel smaller);
* ASPP-v2: four 3x3 convs (dilation = padding = 6, 12, 18, 24, with bias)
  straight to the classes, summed (:class:`DeepLabV2ASPPHead`);
* MSC at test time: logits of the input and of its 0.5x / 0.75x bilinear
  resizes (size ``int(side * s)``), the latter resized to the first's size,
  pixel-wise max (:class:`MSCEncoderDecoder`); ``main.py test`` then resizes
  the logits bilinearly to the label size.

Inputs are Caffe-style: BGR, mean (104.008, 116.669, 122.675) subtracted, no
std scaling (``configs/cocostuff164k.yaml``), at the image's own size.
"""
from typing import List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.backbones.resnet import ResNet
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from torch import Tensor

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class DeepLabV2ResNet(ResNet):
    """mmseg ResNet with DeepLab-v2's ceil-mode stem max-pool.

    Same arguments as mmseg's ``ResNet``; the DeepLab-v2 release uses
    ``depth=101, style='caffe', strides=(1, 2, 1, 1), dilations=(1, 1, 2,
    4), out_indices=(3, )``. Output: tuple of the selected stages.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # libs/models/deeplabv2.py: MaxPool2d(3, 2, 1, ceil_mode=True).
        self.maxpool = nn.MaxPool2d(3, 2, 1, ceil_mode=True)


@MODELS.register_module()
class DeepLabV2ASPPHead(BaseDecodeHead):
    """DeepLab-v2 ASPP classifier: sum of dilated 3x3 convs to the classes.

    Input: backbone tuple, ``inputs[in_index]`` (B, in_channels, h, w);
    output (B, num_classes, h, w) logits. ``aspp.i`` is a 3x3 conv with
    bias, dilation = padding = ``dilations[i]``; the summed branches are the
    logits (no separate ``conv_seg``: BaseDecodeHead's is removed).
    """

    def __init__(self, dilations: Sequence[int] = (6, 12, 18, 24), **kwargs):
        kwargs.setdefault('dropout_ratio', 0.)
        kwargs.setdefault('init_cfg', None)
        super().__init__(**kwargs)
        del self.conv_seg
        self.aspp = nn.ModuleList(
            nn.Conv2d(self.in_channels, self.out_channels, 3, padding=d,
                      dilation=d, bias=True) for d in dilations)

    def init_weights(self) -> None:
        # deeplabv2.py: N(0, 0.01) weights, zero bias.
        for conv in self.aspp:
            nn.init.normal_(conv.weight, 0, 0.01)
            nn.init.zeros_(conv.bias)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        x = self._transform_inputs(inputs)
        return sum(conv(x) for conv in self.aspp)


@MODELS.register_module()
class MSCEncoderDecoder(EncoderDecoder):
    """EncoderDecoder with DeepLab's MSC test: pixel-wise max over scales.

    ``encode_decode(inputs)``: inputs (B, 3, H, W) normalised; returns
    (B, C, H, W) logits: max of the logits at scale 1 and at
    ``msc_scales`` (each input resized to ``int(side * s)``, its logits
    resized to the scale-1 logits' size), bilinearly resized to (H, W).

    Args:
        msc_scales: the extra input scales (release: 0.5, 0.75); empty =
            single scale.
    """

    def __init__(self, *args, msc_scales: Sequence[float] = (0.5, 0.75),
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.msc_scales = tuple(msc_scales)

    def _logits(self, x: Tensor) -> Tensor:
        return self.decode_head.forward(self.extract_feat(x))

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        logits = self._logits(inputs)
        size = tuple(logits.shape[2:])
        all_logits = [logits]
        for s in self.msc_scales:
            scaled = [int(d * s) for d in inputs.shape[2:]]
            x = F.interpolate(inputs, size=scaled, mode='bilinear',
                              align_corners=False)
            all_logits.append(
                F.interpolate(self._logits(x), size=size, mode='bilinear',
                              align_corners=False))
        logits = torch.stack(all_logits).amax(dim=0)
        return resize(logits, size=tuple(inputs.shape[2:]), mode='bilinear',
                      align_corners=self.align_corners)
