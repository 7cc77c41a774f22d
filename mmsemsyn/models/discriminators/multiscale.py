"""Multi-scale PatchGAN (pix2pixHD, SPADE, LGGAN, Lab2Pix ablations)."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmsemsyn.models.layers.option_names import reject_renamed
from mmsemsyn.registry import MODELS

# Options of every scale that the wrapper itself takes (model.discriminator.X)
SCALE_OPTIONS = ('in_channels', 'ndf', 'n_layers_D')


@MODELS.register_module()
class MultiScaleDiscriminator(BaseModule):
    """``num_D`` copies of a discriminator on an image pyramid.

    Pyramid level k is the input average-pooled k times (AvgPool 3,
    stride 2, pad 1, count_include_pad=False, as the official codes).
    Which registered copy judges which level follows each official code, so
    that an official D state dict loaded in registration order puts every
    scale's weights on the resolution they were trained for:

    * ``registration='finest_first'`` (SPADE ``MultiscaleDiscriminator``,
      and LGGAN / Lab2Pix-V2 which inherit it): ``discriminators[k]``
      (official ``discriminator_k``) judges level k.
    * ``registration='coarsest_first'`` (pix2pixHD
      ``MultiscaleDiscriminator.forward``): ``discriminators[num_D-1-k]``
      (official ``scale<num_D-1-k>``) judges level k, i.e. the first
      registered scale sees the smallest image.

    Args:
        in_channels: input channels of every scale (label + 3 image).
        ndf: base width of every scale.
        n_layers_D: middle convs of every scale's PatchGAN.
        num_D: number of scales.
        discriminator: type and other options of one scale's D (built
            ``num_D`` times with the three options above and
            ``return_features=True``), e.g. ``dict(type='PatchDiscriminator',
            norm='IN', padding=2, spectral_norm=True)``.
        registration: 'finest_first' or 'coarsest_first' (see above).

    Returns (forward): a list over pyramid levels, **finest level first**
    (whatever the registration), of each scale's feature list (last entry
    = the prediction, ``(N, 1, h_k, w_k)`` logits).

    Raises:
        ValueError: unknown ``registration``.
        TypeError: ``discriminator`` sets one of the wrapper's own options
            (give it as ``model.discriminator.<option>``), or an old option
            name (``n_layers``).
    """

    REGISTRATIONS = ('finest_first', 'coarsest_first')

    def __init__(self, in_channels: Optional[int] = None, ndf: int = 64,
                 n_layers_D: int = 3,
                 num_D: int = 2, discriminator: Optional[dict] = None,
                 registration: str = 'finest_first'):
        super().__init__()
        if registration not in self.REGISTRATIONS:
            raise ValueError(f'registration must be one of '
                             f'{self.REGISTRATIONS}, got {registration!r}')
        discriminator = dict(discriminator or dict(type='PatchDiscriminator'))
        own = {k: f'model.discriminator.{k}' for k in SCALE_OPTIONS}
        own['n_layers'] = 'model.discriminator.n_layers_D'
        reject_renamed(type(self).__name__, discriminator, own,
                       where=' (its per-scale discriminator dict)')
        if in_channels is None:
            raise TypeError(f'{type(self).__name__} needs in_channels '
                            '(model.discriminator.in_channels: label channels '
                            '+ 3).')
        self.num_D = num_D
        self.registration = registration
        cfg = dict(discriminator, in_channels=in_channels, ndf=ndf,
                   n_layers_D=n_layers_D, return_features=True)
        self.discriminators = nn.ModuleList(
            MODELS.build(cfg) for _ in range(num_D))

    def by_level(self) -> List[nn.Module]:
        """The scale discriminators in pyramid order, finest level first."""
        if self.registration == 'coarsest_first':
            return list(self.discriminators)[::-1]
        return list(self.discriminators)

    def forward(self, x: torch.Tensor) -> List[List[torch.Tensor]]:
        return run_on_pyramid(self.by_level(), x)


def run_on_pyramid(discriminators: Sequence[nn.Module],
                   x: torch.Tensor) -> List:
    """Discriminator k judges ``x`` average-pooled k times (AvgPool 3,
    stride 2, pad 1, count_include_pad=False: the pix2pixHD / SPADE
    pyramid); returns their outputs, finest scale first."""
    outputs = []
    for i, disc in enumerate(discriminators):
        if i > 0:
            x = F.avg_pool2d(x, 3, stride=2, padding=1,
                             count_include_pad=False)
        outputs.append(disc(x))
    return outputs
