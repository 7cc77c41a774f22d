"""Image consistency loss between neighbouring output scales (Lab2Pix,
Eq. 18)."""
from typing import Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.pretrained.vgg import VGGFeatureExtractor
from mmsemsyn.registry import MODELS


@MODELS.register_module()
class ImageConsistencyLoss(nn.Module):
    """sum_i sum_l w_l * MSE(VGG_l(P_2(X_i)), VGG_l(X_{i+1})) over the
    generator's outputs ``X`` (finest first), both sides with gradients.

    Defaults follow the official V1 code, which reuses its VGG19 loss
    network (relu1_1..relu5_1, unweighted MSE, ``relate=True``); the paper
    (Eq. 18) names VGG16 conv1_2..conv5_2 -- set ``arch='vgg16'``,
    ``layers=('conv1_2', ..., 'conv5_2')`` for that reading.

    Args:
        loss_weight: lambda_3 (5e-6).
    """

    def __init__(self, loss_weight: float = 5e-6, arch: str = 'vgg19',
                 layers: Sequence[str] = ('relu1_1', 'relu2_1', 'relu3_1',
                                          'relu4_1', 'relu5_1'),
                 layer_weights: Sequence[float] = (1., 1., 1., 1., 1.),
                 pretrained: Union[str, bool, None] = True,
                 input_range: str = '[-1,1]',
                 loss_name: str = 'loss_consistency'):
        super().__init__()
        if len(layers) != len(layer_weights):
            raise ValueError('layers and layer_weights differ in length')
        self.vgg = VGGFeatureExtractor(arch, layers, pretrained, input_range)
        self.layer_weights = dict(zip(layers, layer_weights))
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, outputs: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(outputs) < 2:
            raise ValueError('The consistency loss needs >= 2 output scales.')
        loss = outputs[0].new_zeros(())
        for finer, coarser in zip(outputs[:-1], outputs[1:]):
            pooled = F.avg_pool2d(finer, 2)
            if pooled.shape[-2:] != coarser.shape[-2:]:
                raise ValueError(
                    f'Neighbouring outputs {tuple(finer.shape[-2:])} and '
                    f'{tuple(coarser.shape[-2:])} are not a factor 2 apart.')
            feats = self.vgg(torch.cat([pooled, coarser], 0))
            n = pooled.shape[0]
            for name, w in self.layer_weights.items():
                f = feats[name]
                loss = loss + w * F.mse_loss(f[:n], f[n:])
        return loss * self.loss_weight
