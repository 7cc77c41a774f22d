"""SPADE's style encoder for multi-modal synthesis (SPADE paper, Sec. 3.4
and appendix; official ``ConvEncoder``)."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.option_names import renamed_options
from mmsemsyn.models.layers.spectral_norm import spectral_norm
from mmsemsyn.models.layers.weight_init import (
    BaseNetwork,
    xavier_init_weights,
)
from mmsemsyn.registry import MODELS


def _sn_in_conv(cin: int, cout: int) -> nn.Sequential:
    # 'spectralinstance': spectral-normed conv whose bias is dropped (the
    # InstanceNorm right after it cancels any bias), then IN(affine=False).
    conv = spectral_norm(nn.Conv2d(cin, cout, 3, 2, 1, bias=False))
    return nn.Sequential(conv, nn.InstanceNorm2d(cout, affine=False))


@MODELS.register_module()
@renamed_options(ndf='nef')
class SPADEVAEEncoder(BaseNetwork):
    """Image -> (mu, logvar) of a ``z_dim`` Gaussian style code.

    The image is always resized (bilinear) to ``input_size`` (256 in the
    official code) and goes through 5 -- or 6 when ``crop_size >= 256`` --
    [SN conv3 s2 + IN] layers with LReLU(0.2) between them (widths nef, 2nef,
    4nef, 8nef, 8nef, 8nef; the official ``ndf = opt.ngf``, 64; ``nef`` is
    the encoder width of every method), then two
    Linear heads (``z_dim`` 256). Reparameterisation lives in
    :meth:`sample`.
    """

    def __init__(self, nef: int = 64, z_dim: int = 256,
                 crop_size: int = 256, input_size: int = 256,
                 in_channels: int = 3, init_gain: float = 0.02):
        super().__init__()
        self.input_size = input_size
        widths = [nef, nef * 2, nef * 4, nef * 8, nef * 8]
        self.num_layers = 6 if crop_size >= 256 else 5
        if self.num_layers == 6:
            widths.append(nef * 8)
        cin = in_channels
        for i, cout in enumerate(widths):
            setattr(self, f'layer{i + 1}', _sn_in_conv(cin, cout))
            cin = cout
        s0 = input_size // 2**self.num_layers
        if s0 < 1:
            raise ValueError(f'input_size {input_size} is too small for '
                             f'{self.num_layers} stride-2 layers.')
        self.fc_mu = nn.Linear(nef * 8 * s0 * s0, z_dim)
        self.fc_var = nn.Linear(nef * 8 * s0 * s0, z_dim)
        self.init_gain = init_gain
        self.finish_init()

    def init_weights(self) -> None:
        """SPADE's ``init_weights('xavier', init_gain)``
        (:func:`xavier_init_weights`)."""
        xavier_init_weights(self, self.init_gain)

    def forward(self, img: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        size = (self.input_size, self.input_size)
        if tuple(img.shape[-2:]) != size:
            img = F.interpolate(img, size=size, mode='bilinear',
                                align_corners=False)
        x = self.layer1(img)
        for i in range(2, self.num_layers + 1):
            x = getattr(self, f'layer{i}')(F.leaky_relu(x, 0.2))
        x = F.leaky_relu(x, 0.2).flatten(1)
        return self.fc_mu(x), self.fc_var(x)

    @staticmethod
    def sample(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """Reparameterisation trick: z = mu + eps * exp(logvar / 2)."""
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
