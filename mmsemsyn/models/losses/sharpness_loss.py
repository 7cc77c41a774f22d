"""Sharpness enhancement loss (Lab2Pix, Eq. 16 for V1, Eq. 30 for V2)."""
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

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
    ``lambda_2 * L_adv^F(D(blur(Y)))``. :meth:`balance` then weighs the
    discriminator's terms against it as the official code of each version
    does (``balance``):

    - ``'real'`` (V1 ``train.py``): fake term as it is, sharpness term
      ``lambda_2 * L(D(blur))``, real term ``(1 + lambda_2) * L(D(real))``;
    - ``'average'`` (V2 ``compute_discriminator_loss``): every term averaged
      with its sharpness counterpart, ``fake / (1 + lambda_2)``,
      ``lambda_2 * L(D(blur)) / (1 + lambda_2)`` and ``(L(D(real)) +
      lambda_2 * L(D'(real))) / (1 + lambda_2)``, where ``D'(real)`` is the
      real score of the second D call on [blurred, real].

    lambda_2 is ``loss_weight``, or -- with ``ramp`` -- ``loss_weight`` times
    the training progress that :class:`LossRampHook` sets before every
    iteration (:meth:`set_progress`); no global state is read. Until a
    hook sets it (e.g. a bare ``model.train_step`` call) the full
    ``loss_weight`` applies.

    Args:
        loss_weight: lambda_2 (final value when ramped).
        blur: see :func:`blur_image`.
        ramp: None (constant), 'iter' (lambda_2 * iter / max_iters) or
            'epoch' (lambda_2 * epoch / max_epochs: the official V1
            ``--linear_sharp`` step, raised once per epoch from 0).
        balance: 'real' (V1) or 'average' (V2), see above; None for use
            through ``forward`` only.
        loss_name: the log key of the sharpness term.
    """

    BALANCES = ('real', 'average')

    def __init__(self, loss_weight: float = 1.0, blur: str = 'nearest',
                 ramp: Optional[str] = None,
                 balance: Optional[str] = None,
                 loss_name: str = 'loss_d_sharp'):
        super().__init__()
        if ramp not in (None, 'iter', 'epoch'):
            raise ValueError(f"ramp must be None, 'iter' or 'epoch', got "
                             f'{ramp!r}')
        if balance is not None and balance not in self.BALANCES:
            raise ValueError(f'balance must be one of {self.BALANCES} (V1: '
                             f"'real', V2: 'average'), got {balance!r}")
        blur_image(torch.zeros(1, 1, 2, 2), blur)  # validate the mode
        self.loss_weight = loss_weight
        self.blur_mode = blur
        self.ramp = ramp
        self.balance_mode = balance
        self.loss_name = loss_name
        self.progress = 1.0  # fraction of the ramp done (LossRampHook)

    def blur(self, img: torch.Tensor) -> torch.Tensor:
        return blur_image(img, self.blur_mode)

    def set_progress(self, iter: int, max_iters: Optional[int],
                     epoch: int = 0,
                     max_epochs: Optional[int] = None) -> None:
        """Called by :class:`LossRampHook` before every training iteration
        with the runner's progress; sets the ramp to ``min(1, step /
        total)`` (``iter / max_iters`` or ``epoch / max_epochs``), or 1
        without a total."""
        step, total = (iter, max_iters) if self.ramp == 'iter' \
            else (epoch, max_epochs)
        self.progress = min(1.0, step / total) if total else 1.0

    def current_weight(self) -> float:
        """lambda_2 now."""
        if self.ramp is None:
            return float(self.loss_weight)
        return float(self.loss_weight) * self.progress

    def forward(self, pred_blurred, gan_loss: nn.Module,
                weight: Optional[torch.Tensor] = None,
                lambda_2: Optional[float] = None) -> torch.Tensor:
        lam = self.current_weight() if lambda_2 is None else lambda_2
        return lam * gan_loss(pred_blurred, False, is_disc=True,
                              weight=weight)

    def balance(self, loss_d_fake: torch.Tensor, loss_d_real: torch.Tensor,
                loss_d_blurred: torch.Tensor,
                loss_d_real_second: Optional[torch.Tensor] = None
                ) -> Dict[str, torch.Tensor]:
        """The discriminator's terms balanced as ``balance`` says.

        Args:
            loss_d_fake / loss_d_real: the unscaled GAN terms of D's fake
                and real predictions (scalars).
            loss_d_blurred: the unscaled GAN term of D(blur(real)) against
                the fake target.
            loss_d_real_second: 'average' only: the real term of the
                second D call (on [blurred, real]).
        Returns:
            ``{'loss_d_fake', 'loss_d_real', loss_name}``.
        Raises:
            ValueError: no ``balance`` configured, or 'average' without
                ``loss_d_real_second``.
        """
        lam = self.current_weight()
        if self.balance_mode == 'real':
            return {'loss_d_fake': loss_d_fake,
                    self.loss_name: lam * loss_d_blurred,
                    'loss_d_real': (1 + lam) * loss_d_real}
        if self.balance_mode != 'average':
            raise ValueError(
                'SharpnessEnhancementLoss.balance needs the balance option: '
                "set losses.sharp.balance='real' (Lab2Pix-V1) or 'average' "
                '(Lab2Pix-V2) in the model config.')
        if loss_d_real_second is None:
            raise ValueError("balance='average' needs the real term of the "
                             'second D call (loss_d_real_second).')
        return {'loss_d_fake': loss_d_fake / (1 + lam),
                'loss_d_real': (loss_d_real + lam * loss_d_real_second) /
                (1 + lam),
                self.loss_name: lam * loss_d_blurred / (1 + lam)}
