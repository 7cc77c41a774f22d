"""Discriminator feature-matching loss (pix2pixHD, SPADE)."""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class FeatureMatchingLoss(nn.Module):
    """L1 between D features of fake and real, over every scale and every
    layer except the prediction layer.

    pix2pixHD weights each term ``4 / (n_layers + 1) * 1 / num_D``
    (``layer_weight=4/(n_layers+1)``, ``average_scales=True``); SPADE uses
    ``1 / num_D`` only (``layer_weight=1``). ``loss_weight`` is lambda_feat.
    """

    def __init__(self, loss_weight: float = 10.0, layer_weight: float = 1.0,
                 average_scales: bool = True,
                 loss_name: str = 'loss_feat'):
        super().__init__()
        self.loss_weight = loss_weight
        self.layer_weight = layer_weight
        self.average_scales = average_scales
        self.loss_name = loss_name

    def forward(self, fake_feats: List[List[torch.Tensor]],
                real_feats: List[List[torch.Tensor]]) -> torch.Tensor:
        if isinstance(fake_feats[0], torch.Tensor):  # single-scale D
            fake_feats, real_feats = [fake_feats], [real_feats]
        loss = fake_feats[0][0].new_zeros(())
        for fake, real in zip(fake_feats, real_feats):
            for f, r in zip(fake[:-1], real[:-1]):
                loss = loss + F.l1_loss(f, r.detach()) * self.layer_weight
        if self.average_scales:
            loss = loss / len(fake_feats)
        return loss * self.loss_weight
