"""UperNet-101 of CSAILVision/semantic-segmentation-pytorch (Xiao et al.,
"Unified Perceptual Parsing", ECCV 2018) -- the ADE20K segmenter of the
SPADE / LGGAN / Lab2Pix evaluation protocol -- and its multi-scale test.

Release ``ade20k-resnet101-upernet`` (``encoder_epoch_50.pth`` +
``decoder_epoch_50.pth``, config ``config/ade20k-resnet101-upernet.yaml``):

* encoder ``resnet101`` (not dilated): the repo's ResNet with a 3-conv stem
  3->64 (s2) ->64 ->128, max-pool, Bottleneck layers [3, 4, 23, 3] with the
  stride on the 3x3 conv. That is mmseg's ``ResNetV1c(depth=101,
  stem_channels=128)`` layer for layer (same shapes; the stem's names differ
  and are mapped by the converter);
* decoder ``upernet`` (``fc_dim=2048, fpn_dim=512``, PPM scales 1, 2, 3, 6
  with 512 channels): mmseg's ``UPerHead(channels=512)`` has the same convs,
  top-down path and fusion order. One difference in the computation: the
  CSAIL PPM upsamples each pooled map *before* its 1x1 conv-BN-ReLU, mmseg's
  after it; ReLU does not commute with interpolation, so
  :class:`CSAILUPerHead` runs the release's order.

Multi-scale test (``eval.py`` / ``eval_multipro.py`` with the config's
``imgSizes: (300, 375, 450, 525, 600)``, ``imgMaxSize: 1000``,
``padding_constant: 32``): for each short side s the image is resized
(bilinear) by min(s / short, 1000 / long), each side rounded *up* to a
multiple of 32; the decoder's output is bilinearly resized to the label size
and soft-maxed; the five probability maps are averaged
(:class:`ShortSideMultiScaleEncoderDecoder`).
"""
from typing import List, Sequence

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads import UPerHead
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from torch import Tensor

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class CSAILUPerHead(UPerHead):
    """mmseg's UPerHead with the CSAIL release's PPM order.

    Inputs: the 4 ResNet stages (strides 4, 8, 16, 32); output (B,
    num_classes, H/4, W/4) logits. Parameters and names are UPerHead's
    (``psp_modules.i.1``, ``bottleneck``, ``lateral_convs``, ``fpn_convs``,
    ``fpn_bottleneck``, ``conv_seg``).
    """

    def psp_forward(self, inputs: List[Tensor]) -> Tensor:
        # CSAIL UPerNet: pool -> bilinear upsample -> 1x1 conv-BN-ReLU
        # (mmseg's PPM: pool -> conv-BN-ReLU -> upsample).
        x = inputs[-1]
        outs = [x]
        for pool, conv in self.psp_modules:
            pooled = resize(pool(x), size=x.shape[2:], mode='bilinear',
                            align_corners=self.align_corners)
            outs.append(conv(pooled))
        return self.bottleneck(torch.cat(outs, dim=1))


def short_side_sizes(height: int, width: int, short_sides: Sequence[int],
                     max_long_side: int, size_divisor: int) -> List[tuple]:
    """The CSAIL ``ValDataset`` test sizes (h, w) for one image.

    Each scale: min(s / short side, max_long_side / long side); each side
    ``int(side * scale)`` rounded up to a multiple of ``size_divisor``.
    """
    sizes = []
    for s in short_sides:
        scale = min(s / min(height, width), max_long_side / max(height, width))
        h, w = int(height * scale), int(width * scale)
        sizes.append((((h - 1) // size_divisor + 1) * size_divisor,
                      ((w - 1) // size_divisor + 1) * size_divisor))
    return sizes


@MODELS.register_module()
class ShortSideMultiScaleEncoderDecoder(EncoderDecoder):
    """EncoderDecoder whose test averages softmax over short-side scales.

    ``encode_decode(inputs)``: inputs (B, 3, H, W) normalised; returns
    (B, C, H, W) **log** of the mean softmax over the scales (a valid
    logit: its argmax / softmax are the ensemble's). With
    ``short_sides=None`` it is a plain single-scale EncoderDecoder.

    Args:
        short_sides: the ``imgSizes`` list (ADE20K UperNet: 300 ... 600).
        max_long_side: ``imgMaxSize`` (1000).
        size_divisor: ``padding_constant`` (32 for UperNet).

    Differences from the release, on purpose: the resize acts on the
    normalised float image instead of the uint8 one (bilinear resizing
    commutes with the per-channel normalisation; only the uint8 rounding of
    the PIL resize is skipped), and the batch is processed at once.
    """

    def __init__(self,
                 *args,
                 short_sides: Sequence[int] = None,
                 max_long_side: int = 1000,
                 size_divisor: int = 32,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.short_sides = tuple(short_sides) if short_sides else None
        self.max_long_side = max_long_side
        self.size_divisor = size_divisor

    def _logits(self, x: Tensor) -> Tensor:
        return self.decode_head.forward(self.extract_feat(x))

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        if not self.short_sides:
            return super().encode_decode(inputs, batch_img_metas)
        size = tuple(inputs.shape[2:])
        probs = 0.
        sizes = short_side_sizes(*size, self.short_sides, self.max_long_side,
                                 self.size_divisor)
        for scaled in sizes:
            x = F.interpolate(inputs, size=scaled, mode='bilinear',
                              align_corners=False)
            logits = F.interpolate(self._logits(x), size=size,
                                   mode='bilinear', align_corners=False)
            probs = probs + logits.softmax(dim=1) / len(sizes)
        return probs.log()
