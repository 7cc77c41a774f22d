"""The two losses the denoising GAN adds to pix2pix (arXiv 1801.03252):
the perturbed loss (Eq. 3-4) and the cascade layer loss (Eq. 5). Both are
registered modules any method can list in its ``losses``."""
from typing import Optional, Sequence, Tuple, Union

import torch

from mmsemsyn.models.pretrained.vgg import VGG16_LAYERS, VGG19_LAYERS
from mmsemsyn.registry import MODELS
from .gan_loss import GANLoss
from .perceptual_loss import VGGPerceptualLoss


@MODELS.register_module()
class PerturbedLoss(GANLoss):
    """Perturbed loss, Eq. 3-4: the GAN loss on the perturbed sample
    ``x_hat = alpha * G(x, z) + (1 - alpha) * y``, ``alpha ~ U(0, 1)`` per
    sample, which D must call fake.

    Use: ``x_hat, alpha = loss.perturb(fake, real)``, then
    ``loss(D(x, x_hat), False, is_disc=True)`` for D (the term D maximises,
    ``log(1 - D(x, x_hat))``) and ``loss(D(x, x_hat), True)`` for G -- the
    non-saturating form ``-log D(x, x_hat)``, as pix2pix's generator GAN term
    (Eq. 7 adds Lp to pix2pix's cGAN objective). G's gradient flows through
    the ``alpha`` part of ``x_hat`` only.

    Args:
        alpha: None draws ``alpha ~ U(0, 1)`` per sample (the paper); a
            number in [0, 1] fixes it (tests, ablations).
        other args: as :class:`GANLoss` (vanilla BCE by default, weight
            theta = 1 in Eq. 7).

    ``perturb`` takes ``fake`` and ``real`` (B, C, H, W) in [-1, 1] and
    returns ``x_hat`` (same shape) and ``alpha`` (B, 1, 1, 1).

    Raises:
        ValueError: ``alpha`` outside [0, 1], or fake/real shapes differ.
    """

    def __init__(self, gan_type: str = 'vanilla', loss_weight: float = 1.0,
                 alpha: Optional[float] = None,
                 loss_name: str = 'loss_perturbed', **kwargs):
        super().__init__(gan_type=gan_type, loss_weight=loss_weight,
                         loss_name=loss_name, **kwargs)
        if alpha is not None and not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f'PerturbedLoss alpha={alpha!r} must lie in '
                             '[0, 1], or be None to draw U(0, 1).')
        self.alpha = alpha

    def perturb(self, fake: torch.Tensor, real: torch.Tensor,
                alpha: Optional[Union[float, torch.Tensor]] = None
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        if fake.shape != real.shape:
            raise ValueError(f'PerturbedLoss: fake {tuple(fake.shape)} and '
                             f'real {tuple(real.shape)} differ in shape.')
        alpha = self.alpha if alpha is None else alpha
        shape = (fake.shape[0], ) + (1, ) * (fake.dim() - 1)
        if alpha is None:
            alpha = torch.rand(shape, device=fake.device, dtype=fake.dtype)
        else:
            alpha = torch.as_tensor(alpha, device=fake.device,
                                    dtype=fake.dtype).expand(shape)
        return alpha * fake + (1 - alpha) * real.detach(), alpha


def first_conv_layers(num: int = 5, arch: str = 'vgg19',
                      activation: str = 'relu') -> Tuple[str, ...]:
    """Names of the first ``num`` conv layers of torchvision's VGG in
    network order, as ``relu1_1, relu1_2, relu2_1, ...`` (their rectified
    outputs) or ``conv1_1, ...`` (before the ReLU)."""
    table = {'vgg19': VGG19_LAYERS, 'vgg16': VGG16_LAYERS}[arch]
    relus = sorted((v, k) for k, v in table.items() if k.startswith('relu'))
    if not 0 < num <= len(relus):
        raise ValueError(f'{arch} has {len(relus)} conv layers; asked for '
                         f'{num}.')
    names = [k for _, k in relus[:num]]
    if activation == 'conv':
        names = ['conv' + k[4:] for k in names]
    elif activation != 'relu':
        raise ValueError(f"activation must be 'relu' or 'conv', got "
                         f'{activation!r}')
    return tuple(names)


# CRN's per-stage layers, the cheap alternative reading of "first five
# convolutional layers" (one layer per VGG stage = five scales).
CRN_STAGE_LAYERS = ('relu1_2', 'relu2_2', 'relu3_2', 'relu4_2', 'relu5_2')


@MODELS.register_module()
class CascadeLayerLoss(VGGPerceptualLoss):
    """Cascade layer loss, Eq. 5:
    ``Lc = sum_n lambda_n * || Phi_n(y) - Phi_n(G(x, z)) ||_1`` over the
    first N = 5 conv layers of a frozen ImageNet VGG-19 (§III-D), each L1
    averaged over its elements. This is :class:`VGGPerceptualLoss` with the
    paper's layers and weights; only G is trained by it.

    Args:
        layers: default ``first_conv_layers(5)`` = relu1_1, relu1_2, relu2_1,
            relu2_2, relu3_1 (the literal reading; ``CRN_STAGE_LAYERS`` is
            the one-per-scale alternative).
        layer_weights: lambda_n; default all 1 (the paper gives no values).
        loss_weight: sigma in Eq. 7 (1).
        input_range: 'imagenet' -- torchvision's ImageNet weights expect
            ImageNet-normalised input.
        pretrained: True (torchvision ImageNet VGG-19), a local file, or
            None (random weights; tests).

    Inputs: fake and real (B, 3, H, W) in [-1, 1]; output a scalar.

    Raises:
        ValueError: a layer that is not a VGG conv layer, or
            ``len(layer_weights) != len(layers)``.
    """

    def __init__(self, loss_weight: float = 1.0,
                 layers: Sequence[str] = first_conv_layers(5),
                 layer_weights: Optional[Sequence[float]] = None,
                 arch: str = 'vgg19',
                 pretrained: Union[str, bool, None] = True,
                 input_range: str = 'imagenet',
                 loss_name: str = 'loss_cascade'):
        layers = tuple(layers)
        not_conv = [name for name in layers
                    if not name.startswith(('relu', 'conv'))]
        if not_conv:
            raise ValueError(f'CascadeLayerLoss layers must be conv layers '
                             f'(reluX_Y or convX_Y), got {not_conv}.')
        if layer_weights is None:
            layer_weights = (1.0, ) * len(layers)
        super().__init__(loss_weight=loss_weight, arch=arch, layers=layers,
                         layer_weights=tuple(layer_weights), criterion='l1',
                         pretrained=pretrained, input_range=input_range,
                         loss_name=loss_name)
