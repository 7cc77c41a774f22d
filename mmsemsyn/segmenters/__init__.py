"""The SPADE-family papers' evaluation segmenters, as mmseg components.

* DRN-D-105 (Cityscapes, fyu/drn ``segment.py`` ``DRNSeg``): :mod:`.drn`;
* UperNet-101 (ADE20K, CSAILVision/semantic-segmentation-pytorch
  ``ade20k-resnet101-upernet``) with its multi-scale test: :mod:`.upernet`;
* DeepLab-v2 ResNet-101 MSC (COCO-Stuff 164k, kazuto1011/deeplab-pytorch
  ``deeplabv2_resnet101_msc``): :mod:`.deeplabv2`.

Each registers backbones/heads/segmentors into mmsemsyn's ``MODELS`` so an
mmseg model dict names them with the scope prefix (``type='mmsemsyn.DRN'``)
and mmseg's ``EncoderDecoder`` (or a small subclass of it, where the
release's test procedure needs one) wraps them.

Why a package of its own instead of ``mmsemsyn/models/``: these classes
subclass mmseg's, so importing them imports mmseg (seconds, and the mmcv.ops
stand-in). ``mmsemsyn.models`` imports every submodule at import time, and
pure-GAN use must not pay for mmseg; :func:`mmsemsyn.models.pretrained.
segmenter.build_mmseg_segmenter` imports this package right before it builds
a segmenter. Weight conversion from the public releases is pure Python and
lives in :mod:`mmsemsyn.models.pretrained.paper_segmenters`.
"""
import mmsemsyn  # noqa: F401  (mmcv.ops stand-in before mmseg is imported)
from .deeplabv2 import DeepLabV2ASPPHead, DeepLabV2ResNet, MSCEncoderDecoder
from .drn import DRN, DRNSegHead
from .upernet import CSAILUPerHead, ShortSideMultiScaleEncoderDecoder

__all__ = [
    'DRN', 'DRNSegHead', 'CSAILUPerHead', 'ShortSideMultiScaleEncoderDecoder',
    'DeepLabV2ResNet', 'DeepLabV2ASPPHead', 'MSCEncoderDecoder'
]
