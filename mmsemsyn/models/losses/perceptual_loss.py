"""VGG perceptual loss (pix2pixHD / SPADE / LGGAN / Lab2Pix-V2)."""
from typing import Optional, Sequence, Union

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
        output_reduction: how the losses of N outputs of one target
            (``pred`` of shape (N, B, 3, H, W)) combine: 'mean' or 'sum'
            (LGGAN cross-view: the official adds one VGG loss per judged
            output). They run through VGG as one (N * B) batch.
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
                 output_reduction: str = 'mean',
                 loss_name: str = 'loss_vgg'):
        super().__init__()
        if output_reduction not in ('mean', 'sum'):
            raise ValueError("output_reduction must be 'mean' or 'sum', not "
                             f'{output_reduction!r}')
        self.output_reduction = output_reduction
        if len(layers) != len(layer_weights):
            raise ValueError('layers and layer_weights differ in length')
        if criterion not in ('l1', 'mse'):
            raise ValueError(f'criterion must be l1 or mse, not {criterion!r}')
        self.vgg = VGGFeatureExtractor(arch, layers, pretrained, input_range)
        self.layer_weights = dict(zip(layers, layer_weights))
        self.criterion = F.l1_loss if criterion == 'l1' else F.mse_loss
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def target_features(self, target: torch.Tensor) -> dict:
        """VGG features of the real image, computed without a graph (the
        target is a constant of the loss, so backward never needs them).

        Args:
            target: (B, 3, H, W) real image in ``input_range``.
        Returns:
            ``{layer: (B, C_l, H_l, W_l)}`` detached features; pass them
            as ``target_feats`` to reuse them for several fakes of the same
            real image (LGGAN's fused, global and local outputs).
        """
        with torch.no_grad():
            return self.vgg(target.detach())

    def forward(self, pred: torch.Tensor,
                target: Optional[torch.Tensor] = None,
                target_feats: Optional[dict] = None) -> torch.Tensor:
        """Args:
            pred: (B, 3, H, W) generated image in ``input_range``, or
                (N, B, 3, H, W): N outputs for the same target, combined
                by ``output_reduction``.
            target: (B, 3, H, W) real image; not needed with
                ``target_feats``.
            target_feats: features from :meth:`target_features` (of the
                (B, ...) target).
        Returns:
            scalar loss (weighted by ``loss_weight``).
        """
        num_outputs = 1
        if pred.dim() == 5:
            num_outputs = pred.shape[0]
            pred = pred.flatten(0, 1)
        # The real image runs without a graph (issue 14 item 1): the
        # official runs fake and real with one graph, but gradients only
        # flow through the fake's features, so the values are the same.
        if target_feats is None:
            if target is None:
                raise ValueError('VGGPerceptualLoss needs target or '
                                 'target_feats')
            target_feats = self.target_features(target)
        if num_outputs > 1:
            # the target's features once, repeated for every output
            target_feats = {k: v.repeat(num_outputs, 1, 1, 1)
                            for k, v in target_feats.items()}
        feats = self.vgg(pred)
        loss = pred.new_zeros(())
        for name, weight in self.layer_weights.items():
            loss = loss + weight * self.criterion(feats[name],
                                                  target_feats[name])
        loss = loss * self.loss_weight
        if self.output_reduction == 'sum' and num_outputs > 1:
            # the mean over N equal-sized chunks times N is their sum
            loss = loss * num_outputs
        return loss
