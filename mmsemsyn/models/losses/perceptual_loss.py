"""VGG perceptual loss (pix2pixHD / SPADE / LGGAN / Lab2Pix-V2)."""
from typing import Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.pretrained.vgg import VGGFeatureExtractor
from mmsemsyn.registry import MODELS


@MODELS.register_module()
class VGGPerceptualLoss(nn.Module):
    """sum_i w_i * dist(VGG_i(fake), VGG_i(real).detach()).

    Defaults are the pix2pixHD/SPADE ``VGGLoss``: VGG19 relu1_1..relu5_1,
    weights 1/32, 1/16, 1/8, 1/4, 1, L1, inputs in [-1, 1] without ImageNet
    normalisation (as the official code does).

    Args:
        pretrained: True (torchvision ImageNet weights), a local file, or
            None (random weights, for tests).
        criterion: 'l1' or 'mse' (Lab2Pix-V1 uses MSE).
    """

    def __init__(self,
                 loss_weight: float = 10.0,
                 arch: str = 'vgg19',
                 layers: Sequence[str] = ('relu1_1', 'relu2_1', 'relu3_1',
                                          'relu4_1', 'relu5_1'),
                 layer_weights: Sequence[float] = (1 / 32, 1 / 16, 1 / 8,
                                                   1 / 4, 1.0),
                 criterion: str = 'l1',
                 pretrained: Union[str, bool, None] = True,
                 input_range: str = '[-1,1]',
                 loss_name: str = 'loss_vgg'):
        super().__init__()
        if len(layers) != len(layer_weights):
            raise ValueError('layers and layer_weights differ in length')
        if criterion not in ('l1', 'mse'):
            raise ValueError(f'criterion must be l1 or mse, not {criterion!r}')
        self.vgg = VGGFeatureExtractor(arch, layers, pretrained, input_range)
        self.layer_weights = dict(zip(layers, layer_weights))
        self.criterion = F.l1_loss if criterion == 'l1' else F.mse_loss
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, pred: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        # One VGG pass for both images.
        feats = self.vgg(torch.cat([pred, target.detach()], 0))
        n = pred.shape[0]
        loss = pred.new_zeros(())
        for name, weight in self.layer_weights.items():
            f = feats[name]
            loss = loss + weight * self.criterion(f[:n], f[n:].detach())
        return loss * self.loss_weight
