"""Foreground enhancement mask (Lab2Pix, Eq. 9)."""
from typing import Dict, Sequence, Union

import torch
import torch.nn as nn

from mmsemsyn.datasets.ade20k import ADE20KDataset
from mmsemsyn.datasets.cityscapes import (
    CITYSCAPES_BACKGROUND_IDS_V1,
    CityscapesDataset,
)
from mmsemsyn.datasets.coco_stuff import COCOStuffDataset
from mmsemsyn.registry import MODELS

# Background ("stuff") class ids by name; the ids are dataset facts held in
# the datasets' METAINFO['background_ids'] (the official Lab2Pix-V2 lists).
# The official V1 code lists other Cityscapes ids ('cityscapes_v1').
# ADE20K ids are 0-based (SPADE's shift), COCO-Stuff's 182 is the dontcare
# channel.
BACKGROUND_IDS: Dict[str, tuple] = {
    'cityscapes_v1': CITYSCAPES_BACKGROUND_IDS_V1,
    'cityscapes': CityscapesDataset.METAINFO['background_ids'],
    'coco': COCOStuffDataset.METAINFO['background_ids'],
    'ade20k': ADE20KDataset.METAINFO['background_ids'],
}


@MODELS.register_module()
class ForegroundEnhancementMask(nn.Module):
    """Per-pixel GAN-loss weights that favour foreground objects (Eq. 9).

    Background pixels get ``P``, foreground pixels ``T * P``, where
    ``P = HW / (T * n_fg + n_bg)`` makes the mean weight of every sample 1.
    The mask is computed **per sample** and returned as (B, 1, H, W), so
    pooling it to a prediction's size keeps samples apart (the official
    V1/V2 multiply a (B, h, w) mask with (B, 1, h, w) predictions, which
    broadcasts to (B, B, h, w) and mixes the masks of a batch: fixed).

    Args:
        background_ids: a list of ids or a key of :data:`BACKGROUND_IDS`.
        enhance_rate: T (2 for V1, 5 for V2).
    """

    def __init__(self, background_ids: Union[str, Sequence[int]],
                 enhance_rate: float = 5.0):
        super().__init__()
        if isinstance(background_ids, str):
            if background_ids not in BACKGROUND_IDS:
                raise KeyError(
                    f'Unknown background list {background_ids!r}; use one of '
                    f'{sorted(BACKGROUND_IDS)} or give the ids explicitly.')
            background_ids = BACKGROUND_IDS[background_ids]
        self.register_buffer('background_ids',
                             torch.tensor(list(background_ids),
                                          dtype=torch.long),
                             persistent=False)
        self.enhance_rate = float(enhance_rate)

    @torch.no_grad()
    def forward(self, label: torch.Tensor) -> torch.Tensor:
        """Args:
            label: (B, H, W) or (B, 1, H, W) class ids.
        Returns:
            (B, 1, H, W) float weights with per-sample mean 1.
        """
        if label.dim() == 4:
            label = label[:, 0]
        background = torch.isin(label, self.background_ids.to(label.device))
        foreground = (~background).float()
        n_fg = foreground.sum((1, 2))
        n_all = label.shape[1] * label.shape[2]
        n_bg = n_all - n_fg
        scale = n_all / (self.enhance_rate * n_fg + n_bg)
        mask = (foreground * self.enhance_rate + (1 - foreground)) * \
            scale.view(-1, 1, 1)
        return mask.unsqueeze(1)
