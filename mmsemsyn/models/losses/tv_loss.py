"""Total-variation regulariser (LGGAN cross-view, SelectionGAN)."""
import torch
import torch.nn as nn

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class TVLoss(nn.Module):
    """loss_weight * (sum |x[.., :, 1:] - x[.., :, :-1]| +
    sum |x[.., 1:, :] - x[.., :-1, :]|).

    The LGGAN/SelectionGAN cross-view code *sums* (not averages) the
    absolute neighbour differences over the whole batch, with weight 1e-6
    (``--REGULARIZATION``); ``reduction='mean'`` averages each direction
    over its elements instead, for a size-independent scale.
    """

    def __init__(self, loss_weight: float = 1e-6, reduction: str = 'sum',
                 loss_name: str = 'loss_tv'):
        super().__init__()
        if reduction not in ('sum', 'mean'):
            raise ValueError(f"TVLoss reduction must be 'sum' or 'mean', got "
                             f'{reduction!r}')
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.loss_name = loss_name

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        dx = (img[..., :, 1:] - img[..., :, :-1]).abs()
        dy = (img[..., 1:, :] - img[..., :-1, :]).abs()
        if self.reduction == 'sum':
            tv = dx.sum() + dy.sum()
        else:
            tv = dx.mean() + dy.mean()
        return tv * self.loss_weight
