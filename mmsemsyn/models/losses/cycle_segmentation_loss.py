"""Cycle segmentation loss (Lab2Pix, Eq. 19)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class CycleSegmentationLoss(nn.Module):
    """A segmentation network maps each generated image back to the label;
    the error trains generator and segmenter together (Eq. 19).

    ``forward(logits, target)``: the logits are resized (nearest, as the
    official code) to the label size, then

    * ``criterion='ce'``: cross-entropy against (B, H, W) ids (semantic
      labels; ``ignore_index`` e.g. a dontcare id);
    * ``criterion='mse_tanh'``: MSE of ``tanh(logits)`` against a (B, 1, H,
      W) sketch map in [-1, 1] (the official sketch-to-image variant).

    Per-scale losses are summed by the synthesizer (official V1).

    The ids are not compared with the logits' classes here (reading
    ``target.max()`` would make the host wait for the device on a GPU):
    :class:`~mmsemsyn.models.synthesizers.Lab2PixV1` checks the segmenters'
    ``num_classes`` against the data preprocessor's when it is built, and
    ``LoadLabelMap`` checks the ids of every file. An id beyond the logits
    anyway fails in ``F.cross_entropy`` (CPU: "Target 7 is out of bounds").

    Args:
        loss_weight: lambda_4 (10).
    """

    def __init__(self, loss_weight: float = 10.0, criterion: str = 'ce',
                 ignore_index: int = -100,
                 loss_name: str = 'loss_cycle_seg'):
        super().__init__()
        if criterion not in ('ce', 'mse_tanh'):
            raise ValueError(f"criterion must be 'ce' or 'mse_tanh', got "
                             f'{criterion!r}')
        self.loss_weight = loss_weight
        self.criterion = criterion
        self.ignore_index = ignore_index
        self.loss_name = loss_name

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        logits = F.interpolate(logits, size=target.shape[-2:])
        if self.criterion == 'ce':
            if target.dim() == 4:
                target = target[:, 0]
            loss = F.cross_entropy(logits, target.long(),
                                   ignore_index=self.ignore_index)
        else:
            if target.dim() == 3:
                target = target.unsqueeze(1)
            loss = F.mse_loss(torch.tanh(logits[:, :target.shape[1]]),
                              target.float())
        return loss * self.loss_weight
