"""Cascaded Refinement Network (Chen & Koltun, ICCV 2017).

Follows the official TensorFlow code, CQFIO/PhotographicImageSynthesis
(``recursive_generator`` of ``demo_256p.py`` / ``demo_512p.py`` /
``demo_1024p.py``), as summarised in §II-B of Yang et al., "On the Diversity
of Realistic Image Synthesis":

- a cascade of refinement modules M_0 .. M_{K-1} at 4x8, 8x16, ..., the
  output size, each doubling the resolution of the previous one;
- the input of M_i is concat(bilinear-upsampled features of M_{i-1} (align
  corners, as ``tf.image.resize_bilinear(..., align_corners=True)``), the
  label map area-downsampled to M_i's size); M_0 sees only the label map;
- each module is two x [3x3 conv (no bias), layer normalisation, LeakyReLU
  0.2]; the official widths are 1024 below height 128, 512 at heights
  128 and 256, 128 at 512 and 32 at 1024 (:func:`crn_official_channels`);
- a final 1x1 conv (with bias) to 3 * n channels and no activation; the
  official maps it to [0, 255] with (x + 1) / 2 * 255, i.e. the raw output is
  already on the toolbox's [-1, 1] scale (clamped only when converted to
  uint8), so no tanh is applied here.

With n > 1 (the diverse 256p model, n = 9) the official reads image k from
channels (k, n + k, 2n + k) -- colour-major. The 1x1 conv keeps the official
weight layout and :meth:`CRNGenerator.forward` regroups the channels
image-major, so image k is ``out[:, 3k:3k+3]``.
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.weight_init import BaseNetwork, glorot_uniform_init
from mmsemsyn.registry import MODELS

# slim.layer_norm's variance epsilon in TF 1.x.
_TF_LAYER_NORM_EPS = 1e-12


def crn_official_channels(num_modules: int, base_height: int = 4
                          ) -> List[int]:
    """Official widths of a CRN with ``num_modules`` modules.

    The module at height ``h`` has 1024 channels for h < 128, 512 for
    128 <= h < 512, 128 at 512 and 32 at 1024 (``recursive_generator``'s
    ``dim`` rule). 7 modules = the 256x512 network, 8 = 512x1024,
    9 = 1024x2048.

    Raises:
        ValueError: ``num_modules`` < 1.
    """
    if num_modules < 1:
        raise ValueError(f'num_modules must be >= 1, got {num_modules}')
    widths = []
    for i in range(num_modules):
        height = base_height * 2 ** i
        if height >= 1024:
            widths.append(32)
        elif height >= 512:
            widths.append(128)
        elif height >= 128:
            widths.append(512)
        else:
            widths.append(1024)
    return widths


class CRNConvBlock(nn.Sequential):
    """3x3 conv (no bias: the normaliser's offset replaces it) -> layer norm
    over (C, H, W) with a per-channel scale and offset (``slim.layer_norm``:
    ``GroupNorm`` with one group is exactly that) -> LeakyReLU 0.2."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.GroupNorm(1, out_channels, eps=_TF_LAYER_NORM_EPS),
            nn.LeakyReLU(0.2))


class RefinementModule(nn.Module):
    """One CRN module: two :class:`CRNConvBlock`.

    Args:
        label_channels: channels of the (downsampled) label input.
        prev_channels: channels of the previous module's features (0 for the
            first module, which sees only the label map).
        channels: width of both convolutions.
    """

    def __init__(self, label_channels: int, prev_channels: int,
                 channels: int):
        super().__init__()
        self.conv1 = CRNConvBlock(prev_channels + label_channels, channels)
        self.conv2 = CRNConvBlock(channels, channels)

    def forward(self, label: torch.Tensor,
                prev: Optional[torch.Tensor] = None) -> torch.Tensor:
        """label: (B, L, h, w); prev: (B, P, h/2, w/2) or None.
        Returns (B, channels, h, w)."""
        if prev is not None:
            prev = F.interpolate(prev, size=label.shape[-2:],
                                 mode='bilinear', align_corners=True)
            label = torch.cat([prev, label], 1)
        return self.conv2(self.conv1(label))


@MODELS.register_module()
class CRNGenerator(BaseNetwork):
    """Cascaded Refinement Network generator.

    Args:
        in_channels: input channels: the official 19 Cityscapes train classes
            + 1 void channel = 20. Extra inputs (e.g. the diversity loss's
            noise channel) simply add channels here; every input channel is
            area-downsampled to each module's size like the label.
        channels: width of each module, coarsest first; its length is the
            number of modules. None: the official widths of a
            ``num_modules`` network (:func:`crn_official_channels`).
        num_modules: used when ``channels`` is None (7: 256x512 output).
        num_outputs: n, the images produced by one forward pass (9 for the
            official diverse 256p model, 1 for 512p/1024p).
        frozen_stages: the first this many modules get no gradient (the
            official 1024p stage fine-tunes only the 512 and 1024 modules
            "due to memory limitation": ``frozen_stages=7``).

    Input: (B, in_channels, H, W) with H and W divisible by
    2 ** (num_modules - 1) (the official 256x512 input gives a 4x8 first
    module). Output: (B, 3 * num_outputs, H, W), image k in channels
    3k..3k+2, on the [-1, 1] scale but not clamped (the official has no
    output activation).

    Raises:
        ValueError: bad ``num_outputs`` / ``channels``, or an input whose size
            is not divisible by 2 ** (num_modules - 1).
    """

    def __init__(self,
                 in_channels: int = 20,
                 channels: Optional[Sequence[int]] = None,
                 num_modules: int = 7,
                 num_outputs: int = 1,
                 frozen_stages: int = 0):
        super().__init__()
        if int(num_outputs) != num_outputs or num_outputs < 1:
            raise ValueError(
                f'CRNGenerator: num_outputs must be an integer >= 1 (the '
                f'number of images of one forward pass), got {num_outputs!r}.')
        if channels is None:
            channels = crn_official_channels(num_modules)
        channels = [int(c) for c in channels]
        if not channels or min(channels) < 1:
            raise ValueError(f'CRNGenerator: channels must be a non-empty '
                             f'list of positive widths, got {channels}.')
        self.in_channels = in_channels
        self.channels = channels
        self.num_outputs = int(num_outputs)
        self.refinement_modules = nn.ModuleList()
        prev = 0
        for width in channels:
            self.refinement_modules.append(
                RefinementModule(in_channels, prev, width))
            prev = width
        self.to_rgb = nn.Conv2d(prev, 3 * self.num_outputs, 1)
        if not 0 <= frozen_stages <= len(channels):
            raise ValueError(f'CRNGenerator: frozen_stages must be in '
                             f'0..{len(channels)}, got {frozen_stages}.')
        self.frozen_stages = frozen_stages
        self.finish_init()
        for module in self.refinement_modules[:frozen_stages]:
            module.requires_grad_(False)

    def init_weights(self) -> None:
        """TF-slim's defaults of the official code
        (:func:`glorot_uniform_init`)."""
        glorot_uniform_init(self)

    @property
    def num_modules(self) -> int:
        return len(self.channels)

    def label_pyramid(self, label: torch.Tensor) -> List[torch.Tensor]:
        """The label map at every module's size, coarsest first, each level
        the 2x2 area average of the next (``tf.image.resize_area`` of the
        official recursion)."""
        factor = 2 ** (self.num_modules - 1)
        h, w = label.shape[-2:]
        if h % factor or w % factor:
            raise ValueError(
                f'CRNGenerator with {self.num_modules} modules needs an input '
                f'whose height and width are divisible by {factor}, got '
                f'{h}x{w}. Resize the data (e.g. 256x512 for 7 modules) or '
                'change the number of modules.')
        levels = [label]
        for _ in range(self.num_modules - 1):
            levels.append(F.avg_pool2d(levels[-1], 2))
        return levels[::-1]

    def forward(self, semantics: torch.Tensor) -> torch.Tensor:
        if semantics.dim() != 4 or semantics.shape[1] != self.in_channels:
            raise ValueError(
                f'CRNGenerator expects (B, {self.in_channels}, H, W) input, '
                f'got {tuple(semantics.shape)}; set in_channels to the data '
                'preprocessor\'s semantic_nc (+ any extra input channels).')
        feat = None
        for module, label in zip(self.refinement_modules,
                                 self.label_pyramid(semantics)):
            feat = module(label, feat)
        out = self.to_rgb(feat)
        n = self.num_outputs
        if n > 1:
            # Official colour-major channels (c * n + k) -> image-major.
            b, _, h, w = out.shape
            out = out.view(b, 3, n, h, w).transpose(1, 2).reshape(
                b, 3 * n, h, w)
        return out
