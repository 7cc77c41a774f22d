"""CRN's content loss and its multi-output "hindsight" loss.

Chen & Koltun, ICCV 2017 (§3.3 / §3.4), as the official TensorFlow code
CQFIO/PhotographicImageSynthesis computes it (``compute_error`` and
``G_loss`` of ``demo_256p.py`` / ``demo_512p.py``); Yang et al. §II-B,
L_CRN = sum_k lambda_k |Phi_k(i) - Phi_k(G(l))|_1.
"""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.pretrained.vgg import VGGFeatureExtractor
from mmsemsyn.registry import MODELS

# The official's VGG taps ("conv1_2" ... "conv5_2" of its build_vgg19 are
# the activations after the ReLU) and its per-layer weights lambda_k.
CRN_LAYERS = ('input', 'relu1_2', 'relu2_2', 'relu3_2', 'relu4_2',
              'relu5_2')
# demo_256p.py: "weights lambda are collected at 100th epoch".
CRN_LAYER_WEIGHTS_256P = (1.0, 1 / 1.6, 1 / 2.3, 1 / 1.8, 1 / 2.8, 10 / 0.8)
# demo_512p.py and demo_1024p.py.
CRN_LAYER_WEIGHTS_512P = (1.0, 1 / 2.6, 1 / 4.8, 1 / 3.7, 1 / 5.6, 10 / 1.5)


def hindsight_loss(errors: torch.Tensor, min_weight: float = 0.999,
                   mean_weight: float = 0.001) -> torch.Tensor:
    """CRN's diversity ("hindsight") loss over n outputs.

    For every class c the best of the n images pays:
    ``sum_c [min_weight * min_k E[k, c] + mean_weight * mean_k E[k, c]]``
    (official: ``reduce_sum(reduce_min(content_loss, 0)) * 0.999 +
    reduce_sum(reduce_mean(content_loss, 0)) * 0.001``). The official trains
    with batch 1; a batch is averaged over its samples.

    Args:
        errors: (B, n, C) content errors of image k on class c.
    Returns:
        scalar tensor.
    """
    if errors.dim() != 3:
        raise ValueError(f'hindsight_loss expects (B, n, C) errors, got '
                         f'{tuple(errors.shape)}')
    per_sample = (min_weight * errors.min(1).values.sum(1) +
                  mean_weight * errors.mean(1).sum(1))
    return per_sample.mean()


@MODELS.register_module()
class CRNContentLoss(nn.Module):
    """Mask-weighted VGG-19 content loss with the hindsight minimum.

    For layer l (the RGB input on the [0, 255] scale, then VGG-19 relu1_2 ..
    relu5_2) and image k, the error map is the channel mean of
    ``|Phi_l(fake_k) - Phi_l(real)|``; its error on class c is the spatial
    mean (over all h*w pixels, as the official ``reduce_mean``) of that map
    times class c's mask area-resized to the layer's size. E[k, c] =
    sum_l lambda_l * error_l[k, c], then :func:`hindsight_loss`.

    Because the masks of all classes (the train classes + the void channel)
    sum to 1 at every pixel, with n = 1 the loss equals the plain
    ``sum_l lambda_l * mean |Phi_l(fake) - Phi_l(real)|`` of the official
    512p/1024p code (which drops the masks); ``mask_weighted=False`` computes
    exactly that form (one all-ones "class").

    Args:
        layer_weights: lambda_l for ``CRN_LAYERS`` (input, relu1_2 ..
            relu5_2): ``CRN_LAYER_WEIGHTS_256P`` (default) or
            ``CRN_LAYER_WEIGHTS_512P``; a dict ``{layer: weight}`` picks
            other taps.
        mask_weighted: per-class errors (needed for the hindsight minimum).
        min_weight / mean_weight: the official 0.999 / 0.001 mixing.
        pretrained: VGG-19 weights: True (torchvision ImageNet), a local
            file, or None (random; tests).
        input_range / pooling: how the VGG sees images; the CRN configs use
            'imagenet' (the torchvision weights' own normalisation) and
            'avg' pooling (the official VGG-19 uses average pooling).
        loss_weight: overall factor.

    Inputs of :meth:`forward`: ``fake`` (B, n, 3, H, W) or (B, 3, H, W) and
    ``real`` (B, 3, H, W), both on the [-1, 1] scale; ``masks`` (B, C, H, W)
    the one-hot label (+ void) channels. Raises ValueError on shape
    mismatches.
    """

    def __init__(self,
                 layer_weights: Union[Sequence[float], Dict[str, float]] =
                 CRN_LAYER_WEIGHTS_256P,
                 mask_weighted: bool = True,
                 min_weight: float = 0.999,
                 mean_weight: float = 0.001,
                 pretrained: Union[str, bool, None] = True,
                 input_range: str = 'imagenet',
                 pooling: str = 'avg',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_content'):
        super().__init__()
        if not isinstance(layer_weights, dict):
            layer_weights = list(layer_weights)
            if len(layer_weights) != len(CRN_LAYERS):
                raise ValueError(
                    f'CRNContentLoss: {len(layer_weights)} layer weights '
                    f'for the {len(CRN_LAYERS)} layers {CRN_LAYERS}; pass a '
                    'dict {layer: weight} to choose other layers.')
            layer_weights = dict(zip(CRN_LAYERS, layer_weights))
        self.layer_weights = {k: float(v) for k, v in layer_weights.items()}
        vgg_layers = [k for k in self.layer_weights if k != 'input']
        self.vgg = VGGFeatureExtractor('vgg19', vgg_layers, pretrained,
                                       input_range, pooling) \
            if vgg_layers else None
        self.mask_weighted = mask_weighted
        self.min_weight = min_weight
        self.mean_weight = mean_weight
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    @staticmethod
    def masked_error(err: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """err (B, n, h, w), masks (B, C, H, W) -> (B, n, C): spatial mean
        of err * (masks area-resized to h x w)."""
        if masks.shape[-2:] != err.shape[-2:]:
            masks = F.adaptive_avg_pool2d(masks, err.shape[-2:])
        return torch.einsum('bkhw,bchw->bkc', err, masks) / (
            err.shape[-1] * err.shape[-2])

    def errors(self, fake: torch.Tensor, real: torch.Tensor,
               masks: Optional[torch.Tensor]) -> torch.Tensor:
        """E[b, k, c] = sum_l lambda_l * masked error of layer l, (B, n, C).
        """
        if fake.dim() == 4:
            fake = fake.unsqueeze(1)
        b, n = fake.shape[:2]
        if real.shape != (b, ) + fake.shape[2:]:
            raise ValueError(
                f'CRNContentLoss: real {tuple(real.shape)} does not match '
                f'the fakes {tuple(fake.shape)} (B, n, 3, H, W).')
        if not self.mask_weighted or masks is None:
            masks = real.new_ones(b, 1, *real.shape[-2:])
        elif masks.shape[0] != b or masks.shape[-2:] != real.shape[-2:]:
            raise ValueError(
                f'CRNContentLoss: masks {tuple(masks.shape)} do not match '
                f'the images {tuple(real.shape)}.')
        masks = masks.float()
        total = fake.new_zeros(b, n, masks.shape[1])
        if 'input' in self.layer_weights:
            # The official's 'input' layer: RGB on [0, 255] minus the mean.
            err = (fake - real.unsqueeze(1)).abs().mean(2) * 127.5
            total = total + self.layer_weights['input'] * \
                self.masked_error(err, masks)
        if self.vgg is not None:
            feats = self.vgg(torch.cat([fake.flatten(0, 1),
                                        real.detach()], 0))
            for name, weight in self.layer_weights.items():
                if name == 'input':
                    continue
                f = feats[name]
                f_fake = f[:b * n].unflatten(0, (b, n))
                f_real = f[b * n:].unsqueeze(1)
                err = (f_fake - f_real).abs().mean(2)
                total = total + weight * self.masked_error(err, masks)
        return total

    def forward(self, fake: torch.Tensor, real: torch.Tensor,
                masks: Optional[torch.Tensor] = None) -> torch.Tensor:
        errors = self.errors(fake, real, masks)
        return self.loss_weight * hindsight_loss(errors, self.min_weight,
                                                 self.mean_weight)
