"""The denoising GAN's generator (Fig. 2, §III-A of "Image Generation from
Semantic Layouts via a Denoising GAN" -- arXiv 1801.03252; no official code).

Read as the ResNet-9-block layout with U-Net skips, the only reading that
fits all of §III-A: a 256x256 output from two k4 s2 deconvs needs exactly two
stride-2 downsamplings (the text's "three k4 s2 convs" would give 128x128),
and this layout has about one fourth of pix2pix's U-Net 256 parameters
(12,626,243 vs 54,413,955 with a 3-channel input), as the paper states.
See configs/denoising_gan/README.md.
"""
import torch
import torch.nn as nn

from mmsemsyn.models.layers.norm import build_norm_layer
from mmsemsyn.models.layers.option_names import renamed_options
from mmsemsyn.models.layers.resnet_block import ResnetBlock
from mmsemsyn.models.layers.weight_init import BaseNetwork, normal_init_weights
from mmsemsyn.registry import MODELS


def _conv_block(conv: nn.Module, channels: int, norm: str,
                slope: float) -> nn.Sequential:
    """conv/deconv -> norm -> LeakyReLU, the unit §III-A puts after every
    convolution and deconvolution."""
    return nn.Sequential(conv, build_norm_layer(norm, channels),
                         nn.LeakyReLU(slope, True))


@MODELS.register_module()
@renamed_options(num_blocks='n_blocks')
class DenoisingGANGenerator(BaseNetwork):
    """Encoder (stem + two k4 s2 convs) -> nine residual blocks -> two k4 s2
    deconvs -> output conv + tanh, with U-Net skips (channel concatenation)
    from each encoder level to the decoder layer that reads that resolution.

    Shapes (ngf = 64, input (B, C, H, W), H and W divisible by 4)::

        stem   k7 s1  C      -> 64   H      (skip s0)
        down1  k4 s2  64     -> 128  H/2    (skip s1)
        down2  k4 s2  128    -> 256  H/4    (skip s2)
        9 x ResnetBlock(256, k3 s1, BN, ReLU)
        up1    k4 s2  256+256 (cat s2) -> 128  H/2
        up2    k4 s2  128+128 (cat s1) -> 64   H
        out    k7 s1  64+64   (cat s0) -> 3, tanh

    Every conv/deconv but the output is followed by BatchNorm and
    LeakyReLU(0.2) (§III-A); the residual blocks are conv-BN-ReLU (Eq. 1).
    Convolutions followed by BN carry no bias (BN's shift makes it
    redundant, as in pix2pix); the residual blocks are the shared
    :class:`ResnetBlock` (biased convs).

    Args:
        in_channels: semantic input channels (one-hot classes + optional
            instance channels).
        out_channels: 3 (RGB).
        ngf: width of the first layer (64 in the paper).
        n_blocks: residual blocks (9).
        norm: 'BN' (paper) or 'IN'.
        negative_slope: LeakyReLU slope (0.2, pix2pix's value).
        use_skips: False gives the plain ResNet-9 layout (an ablation; the
            paper's Fig. 2 has the skips).

    Input (B, in_channels, H, W) float; output (B, 3, H, W) in [-1, 1].
    Raises ValueError when H or W is not divisible by 4.
    """

    def __init__(self, in_channels: int, out_channels: int = 3,
                 ngf: int = 64, n_blocks: int = 9, norm: str = 'BN',
                 negative_slope: float = 0.2, use_skips: bool = True,
                 init_gain: float = 0.02):
        super().__init__()
        if n_blocks < 0:
            raise ValueError(f'n_blocks must be >= 0, got {n_blocks}')
        self.in_channels = in_channels
        self.use_skips = use_skips
        bias = norm != 'BN'
        skip = 2 if use_skips else 1
        self.stem = _conv_block(
            nn.Conv2d(in_channels, ngf, 7, 1, 3, padding_mode='reflect',
                      bias=bias), ngf, norm, negative_slope)
        self.down1 = _conv_block(nn.Conv2d(ngf, ngf * 2, 4, 2, 1, bias=bias),
                                 ngf * 2, norm, negative_slope)
        self.down2 = _conv_block(
            nn.Conv2d(ngf * 2, ngf * 4, 4, 2, 1, bias=bias), ngf * 4, norm,
            negative_slope)
        self.blocks = nn.Sequential(
            *[ResnetBlock(ngf * 4, norm=norm) for _ in range(n_blocks)])
        self.up1 = _conv_block(
            nn.ConvTranspose2d(ngf * 4 * skip, ngf * 2, 4, 2, 1, bias=bias),
            ngf * 2, norm, negative_slope)
        self.up2 = _conv_block(
            nn.ConvTranspose2d(ngf * 2 * skip, ngf, 4, 2, 1, bias=bias), ngf,
            norm, negative_slope)
        self.out = nn.Sequential(
            nn.Conv2d(ngf * skip, out_channels, 7, 1, 3,
                      padding_mode='reflect'), nn.Tanh())
        self.init_gain = init_gain
        self.finish_init()

    def init_weights(self) -> None:
        """pix2pix's N(0, init_gain) init (:func:`normal_init_weights`; the
        paper names no scheme)."""
        normal_init_weights(self, self.init_gain)

    def _join(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, skip], 1) if self.use_skips else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 4 or x.shape[-2] % 4:
            raise ValueError(
                'DenoisingGANGenerator needs H and W divisible by 4 (two '
                f'stride-2 levels); got {tuple(x.shape[-2:])}. Resize or crop '
                'the data.')
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'DenoisingGANGenerator expects {self.in_channels} input '
                f'channels, got {x.shape[1]}: set generator.in_channels to '
                'the data preprocessor\'s semantic_nc.')
        s0 = self.stem(x)
        s1 = self.down1(s0)
        s2 = self.down2(s1)
        h = self.blocks(s2)
        h = self.up1(self._join(h, s2))
        h = self.up2(self._join(h, s1))
        return self.out(self._join(h, s0))
