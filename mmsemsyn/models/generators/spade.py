"""SPADE / GauGAN generator (Park et al., CVPR 2019; NVlabs/SPADE
``SPADEGenerator``).

A stack of SPADE residual blocks (:mod:`mmsemsyn.models.layers.spade`) that
starts from a tiny latent map and doubles its size ``2**n`` times
(``num_upsampling_layers``: normal 5, more 6, most 7), re-injecting the
semantic map in every normalisation (SPADE paper, Sec. 3, Fig. 4).

Attribute names and registration order follow the official class, so a
state dict lines up key for key: ``fc``, ``head_0``, ``G_middle_0``,
``G_middle_1``, ``up_0`` .. ``up_3`` (``up_4`` for 'most'), ``conv_img``.
"""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.spade import SPADEResBlock
from mmsemsyn.models.layers.spectral_norm import settle_spectral_norm
from mmsemsyn.models.layers.weight_init import (
    BaseNetwork,
    xavier_init_weights,
)
from mmsemsyn.registry import MODELS

NUM_UP_LAYERS = {'normal': 5, 'more': 6, 'most': 7}


def spade_block_layout(ngf: int, num_upsampling_layers: str
                       ) -> List[Tuple[str, int, int, bool]]:
    """The residual blocks of the SPADE generator family as
    ``(name, in_channels, out_channels, upsample_before)``, in the official
    registration and forward order: head_0, up, G_middle_0, [up for
    'more'/'most'], G_middle_1, then up + up_k for k = 0..3 (and up_4 for
    'most'). Lab2Pix-V2's generator shares it."""
    extra_up = num_upsampling_layers in ('more', 'most')
    nf = ngf
    layout = [('head_0', 16 * nf, 16 * nf, False),
              ('G_middle_0', 16 * nf, 16 * nf, True),
              ('G_middle_1', 16 * nf, 16 * nf, extra_up),
              ('up_0', 16 * nf, 8 * nf, True),
              ('up_1', 8 * nf, 4 * nf, True),
              ('up_2', 4 * nf, 2 * nf, True),
              ('up_3', 2 * nf, nf, True)]
    if num_upsampling_layers == 'most':
        layout.append(('up_4', nf, nf // 2, True))
    return layout


@MODELS.register_module()
class SPADEGenerator(BaseNetwork):
    """SPADE generator.

    ``head`` selects what feeds the first block:

    - ``'seg'``: the semantic map nearest-resized to the latent size, then
      ``fc`` = conv3 (semantic_nc -> 16ngf) -- the default GauGAN;
    - ``'vae'``: ``fc`` = Linear(z_dim -> 16ngf * sh * sw) on a style code
      ``z`` (from :class:`SPADEVAEEncoder`, or N(0, I) when not given);
    - ``'none'``: no ``fc``; the caller passes the latent feature map
      (LGGAN's conv encoder output) to :meth:`decode`.

    Latent size: with ``crop_size`` set, ``sw = crop_size // 2**n`` and
    ``sh = round(sw / aspect_ratio)`` as the official code (required for
    the VAE, whose Linear fixes it); with ``crop_size=None`` it follows
    the input, ``(H // 2**n, W // 2**n)``, which equals the official value
    for the official sizes and also lets the model run on other sizes.

    Args:
        semantic_nc: channels of the label input (one-hot + dontcare + edge).
        ngf: base width (64).
        num_upsampling_layers: 'normal' | 'more' | 'most'.
        norm: SPADE param-free norm ('BN' -> SyncBN under DDP with
            ``sync_bn='torch'``; the official ``spectralspadesyncbatch3x3``).
        spectral_norm: spectral norm in the residual blocks.
        spade_hidden: SPADE's shared-MLP width (128 officially).
        z_dim: style-code size for the VAE head.
    """

    def __init__(self,
                 semantic_nc: int,
                 ngf: int = 64,
                 num_upsampling_layers: str = 'normal',
                 head: str = 'seg',
                 crop_size: Optional[int] = None,
                 aspect_ratio: float = 1.0,
                 z_dim: int = 256,
                 norm: str = 'BN',
                 spectral_norm: bool = True,
                 spade_hidden: int = 128,
                 init_gain: Optional[float] = 0.02):
        super().__init__()
        if num_upsampling_layers not in NUM_UP_LAYERS:
            raise ValueError(
                f'num_upsampling_layers must be one of {list(NUM_UP_LAYERS)},'
                f' got {num_upsampling_layers!r}')
        if head not in ('seg', 'vae', 'none'):
            raise ValueError(f"head must be 'seg', 'vae' or 'none', got "
                             f'{head!r}')
        if head == 'vae' and crop_size is None:
            raise ValueError('The VAE head (use_vae) needs crop_size (and '
                             'aspect_ratio): its Linear layer fixes the '
                             'latent size.')
        self.semantic_nc = semantic_nc
        self.ngf = ngf
        self.num_upsampling_layers = num_upsampling_layers
        self.num_up = NUM_UP_LAYERS[num_upsampling_layers]
        self.head = head
        self.z_dim = z_dim
        self.latent_size = None
        if crop_size is not None:
            sw = crop_size // 2**self.num_up
            self.latent_size = (round(sw / aspect_ratio), sw)  # (sh, sw)

        nf = ngf
        if head == 'vae':
            sh, sw = self.latent_size
            self.fc = nn.Linear(z_dim, 16 * nf * sh * sw)
        elif head == 'seg':
            self.fc = nn.Conv2d(semantic_nc, 16 * nf, 3, padding=1)

        def block(fin, fout):
            return SPADEResBlock(fin, fout, semantic_nc, norm=norm,
                                 spectral_norm=spectral_norm,
                                 spade_cfg=dict(hidden_channels=spade_hidden))

        self.block_layout = spade_block_layout(nf, num_upsampling_layers)
        for name, fin, fout, _ in self.block_layout:
            setattr(self, name, block(fin, fout))
        self.conv_img = nn.Conv2d(self.block_layout[-1][2], 3, 3, padding=1)
        self.init_gain = init_gain
        self.finish_init()

    def init_weights(self) -> None:
        """SPADE's xavier init (:func:`xavier_init_weights`); with
        ``init_gain=None`` PyTorch's defaults (a host network such as
        LGGAN's initialises it), spectral norm settled either way."""
        if self.init_gain is not None:
            xavier_init_weights(self, self.init_gain)
        else:
            settle_spectral_norm(self)

    def compute_latent_size(self, seg: torch.Tensor) -> Tuple[int, int]:
        if self.latent_size is not None:
            return self.latent_size
        return latent_size_of_input(self, seg)

    @staticmethod
    def up(x: torch.Tensor) -> torch.Tensor:
        # nn.Upsample(scale_factor=2) default: nearest
        return F.interpolate(x, scale_factor=2, mode='nearest')

    def forward(self, seg: torch.Tensor,
                z: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.head == 'none':
            raise RuntimeError("SPADEGenerator(head='none') is a decoder: "
                               'call decode(latent, seg).')
        sh, sw = self.compute_latent_size(seg)
        if self.head == 'vae':
            if z is None:
                z = torch.randn(seg.shape[0], self.z_dim, device=seg.device,
                                dtype=seg.dtype)
            x = self.fc(z).view(-1, 16 * self.ngf, sh, sw)
        else:
            x = self.fc(F.interpolate(seg, size=(sh, sw), mode='nearest'))
        return self.decode(x, seg)

    def decode(self, x: torch.Tensor, seg: torch.Tensor) -> torch.Tensor:
        """Latent map (B, 16ngf, sh, sw) -> image in [-1, 1]."""
        for name, _, _, upsample in self.block_layout:
            if upsample:
                x = self.up(x)
            x = getattr(self, name)(x, seg)
        x = self.conv_img(F.leaky_relu(x, 0.2))
        return torch.tanh(x)


def latent_size_of_input(generator: nn.Module,
                         seg: torch.Tensor) -> Tuple[int, int]:
    """(sh, sw) of a SPADE-style generator's first block when no fixed
    ``crop_size`` is set: the layout's (H, W) / 2**num_up, the official
    ``compute_latent_vector_size`` applied to the input's own size (SPADE,
    Lab2Pix-V2).

    Raises:
        ValueError: H or W not divisible by 2**num_up (names the fix).
    """
    h, w = seg.shape[-2:]
    factor = 2**generator.num_up
    if h % factor or w % factor:
        raise ValueError(
            f'{type(generator).__name__} '
            f'({generator.num_upsampling_layers!r}, {generator.num_up} '
            f'upsamplings) needs H and W divisible by {factor}, got '
            f'{h}x{w}: resize/crop the data to a multiple of {factor} or set '
            'crop_size/aspect_ratio.')
    return h // factor, w // factor


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
