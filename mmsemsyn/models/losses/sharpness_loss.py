"""Sharpness enhancement loss (Lab2Pix, Eq. 16 for V1, Eq. 30 for V2)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub

from mmsemsyn.registry import MODELS


def blur_image(img: torch.Tensor, mode: str = 'nearest') -> torch.Tensor:
    """A real image made blurry by 2x down- then up-sampling.

    'avgpool': 2x2 average pooling + nearest x2 (official V1);
    'nearest': nearest x0.5 + nearest x2 (official V2).
    """
    if mode == 'avgpool':
        small = F.avg_pool2d(img, 2)
    elif mode == 'nearest':
        small = F.interpolate(img, scale_factor=0.5)
    else:
        raise ValueError(f"blur mode must be 'avgpool' or 'nearest', got "
                         f'{mode!r}')
    return F.interpolate(small, size=img.shape[-2:])


@MODELS.register_module()
class SharpnessEnhancementLoss(nn.Module):
    """The discriminator also learns to call blurred real images fake.

    ``forward(pred_blurred, gan_loss)`` returns
    ``lambda_2 * L_adv^F(D(blur(Y)))``; the synthesizer balances the real
    term (V1: real x (1 + lambda_2); V2: (fake + lambda_2 * blurred) /
    (1 + lambda_2), and the same for real with the real score of a second
    D call on [blurred, real]).

    Args:
        loss_weight: lambda_2 (final value when ramped).
        blur: see :func:`blur_image`.
        ramp: None (constant), 'iter' (lambda_2 * iter / max_iters) or
            'epoch' (lambda_2 * epoch / max_epochs: the official V1
            ``--linear_sharp`` step, raised once per epoch from 0).
    """

    def __init__(self, loss_weight: float = 1.0, blur: str = 'nearest',
                 ramp: Optional[str] = None,
                 loss_name: str = 'loss_d_sharp'):
        super().__init__()
        if ramp not in (None, 'iter', 'epoch'):
            raise ValueError(f"ramp must be None, 'iter' or 'epoch', got "
                             f'{ramp!r}')
        blur_image(torch.zeros(1, 1, 2, 2), blur)  # validate the mode
        self.loss_weight = loss_weight
        self.blur_mode = blur
        self.ramp = ramp
        self.loss_name = loss_name

    def blur(self, img: torch.Tensor) -> torch.Tensor:
        return blur_image(img, self.blur_mode)

    def current_weight(self) -> float:
        """lambda_2 now (the ramp reads the runner's progress)."""
        if self.ramp is None:
            return float(self.loss_weight)
        hub = MessageHub.get_current_instance()
        if self.ramp == 'iter':
            step, total = hub.get_info('iter', 0), hub.get_info('max_iters')
        else:
            step, total = hub.get_info('epoch', 0), hub.get_info('max_epochs')
        if not total:
            return float(self.loss_weight)
        return float(self.loss_weight) * min(1.0, step / total)

    def forward(self, pred_blurred, gan_loss: nn.Module,
                weight: Optional[torch.Tensor] = None,
                lambda_2: Optional[float] = None) -> torch.Tensor:
        lam = self.current_weight() if lambda_2 is None else lambda_2
        return lam * gan_loss(pred_blurred, False, is_disc=True,
                              weight=weight)
