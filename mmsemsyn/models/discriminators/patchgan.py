"""PatchGAN discriminators (pix2pix 70x70; pix2pixHD/SPADE multi-scale)."""
from typing import List

import torch
import torch.nn as nn

from mmsemsyn.models.layers.norm import build_norm_layer
from mmsemsyn.models.layers.option_names import renamed_options
from mmsemsyn.models.layers.spectral_norm import settle_spectral_norm
from mmsemsyn.models.layers.spectral_norm import (
    spectral_norm as _spectral_norm,
)
from mmsemsyn.models.layers.weight_init import BaseNetwork, normal_init_weights
from mmsemsyn.registry import MODELS


@MODELS.register_module()
@renamed_options(n_layers='n_layers_D')
class PatchDiscriminator(BaseNetwork):
    """N-layer PatchGAN.

    conv4 s2 (no norm) + LReLU 0.2; ``n_layers_D - 1`` conv4 s2 + norm + LReLU
    (channels doubling, capped at 8*ndf); conv4 s1 + norm + LReLU; conv4 s1
    → 1. ``padding=1`` is pix2pix's 70x70 PatchGAN; pix2pixHD/SPADE use
    ``ceil((4 - 1) / 2) = 2``.

    ``spectral_norm=True`` is SPADE's D: spectral norm on the normalised
    middle convs, whose bias is dropped (the norm follows them); the first
    and last convs stay plain. ``bias=None`` keeps pix2pix's rule (no bias
    before BatchNorm); pix2pixHD's D biases every conv.

    With ``return_features`` the forward returns every block's output (the
    last is the prediction), which feature matching needs.
    """

    def __init__(self, in_channels: int, ndf: int = 64, n_layers_D: int = 3,
                 norm: str = 'BN', padding: int = 1,
                 return_features: bool = False, spectral_norm: bool = False,
                 bias=None, init_gain: float = 0.02):
        super().__init__()
        use_bias = (norm != 'BN') if bias is None else bias
        if spectral_norm:
            use_bias = False
        # W / sigma outside autocast (no per-forward casts of the weight)
        sn = _spectral_norm if spectral_norm else (lambda m: m)
        kw = 4
        blocks = [[nn.Conv2d(in_channels, ndf, kw, 2, padding),
                   nn.LeakyReLU(0.2, True)]]
        nf = ndf
        for n in range(1, n_layers_D + 1):
            prev, nf = nf, min(ndf * 2**n, ndf * 8)
            stride = 2 if n < n_layers_D else 1
            blocks.append([
                sn(nn.Conv2d(prev, nf, kw, stride, padding, bias=use_bias)),
                build_norm_layer(norm, nf),
                nn.LeakyReLU(0.2, True)
            ])
        blocks.append([nn.Conv2d(nf, 1, kw, 1, padding)])
        self.blocks = nn.ModuleList(nn.Sequential(*b) for b in blocks)
        self.return_features = return_features
        self.init_gain = init_gain
        self.finish_init()

    def init_weights(self) -> None:
        """pix2pix's N(0, init_gain) init (:func:`normal_init_weights`),
        then spectral norm settled (valid sigma estimates in eval mode
        before any training forward)."""
        normal_init_weights(self, self.init_gain)
        settle_spectral_norm(self)

    def forward(self, x: torch.Tensor):
        features: List[torch.Tensor] = []
        for block in self.blocks:
            x = block(x)
            features.append(x)
        return features if self.return_features else x
