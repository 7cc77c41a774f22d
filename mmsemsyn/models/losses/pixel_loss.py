"""Pixel-wise reconstruction losses."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class L1Loss(nn.Module):
    """Weighted mean absolute error, optionally under a pixel mask."""

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_l1'):
        super().__init__()
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        if mask is not None:
            pred, target = pred * mask, target * mask
        return F.l1_loss(pred, target) * self.loss_weight


@MODELS.register_module()
class MSELoss(nn.Module):
    """Weighted mean squared error."""

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_mse'):
        super().__init__()
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, pred: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(pred, target) * self.loss_weight
