"""Every weight-initialisation scheme of the toolbox, in one place.

Each scheme is the one of an official code base (named in its docstring)
and is applied by a network **once, at the end of its constructor**, through
the network's argument-free ``init_weights()`` (see
:class:`InitOnConstruction`). Constructor-time initialisation is the official
codes' order (they call ``init_weights`` right after building each network),
so with a fixed seed the random stream -- and hence every initial weight --
is the same as theirs network by network.

The per-module work uses mmengine's ``weight_init`` functions
(:func:`~mmengine.model.normal_init`, :func:`~mmengine.model.xavier_init`,
:func:`~mmengine.model.constant_init`) wherever they do exactly what the
official scheme does. Our own code remains only where they cannot:

* spectral-normed layers keep their trainable weight in ``weight_orig``
  (``module.weight`` is a derived tensor), which mmengine's functions do not
  know about;
* pix2pixHD's and Lab2Pix-V1's ``weights_init`` leave conv biases at
  PyTorch's default, while mmengine's functions always overwrite the bias;
* mmengine's ``init_cfg`` initialisers visit one layer type after another
  (all convs, then all norms), which would reorder the random draws of
  schemes that interleave conv and norm layers (pix2pix, SPADE), so the
  schemes walk ``module.modules()`` once, in registration order.
"""
from typing import Optional

import torch.nn as nn
from mmengine.model import (
    BaseModule,
    constant_init,
    normal_init,
    xavier_init,
)

from mmsemsyn.models.layers.spectral_norm import settle_spectral_norm

_CONVS = (nn.Conv2d, nn.ConvTranspose2d)


def trainable_weight(module: nn.Module) -> Optional[nn.Parameter]:
    """The parameter that holds ``module``'s weight: ``weight_orig`` for a
    spectral-normed layer (whose ``weight`` is recomputed from it), else
    ``weight``; None when the module has no weight parameter."""
    weight = getattr(module, 'weight_orig', None)
    if weight is None:
        weight = getattr(module, 'weight', None)
    return weight if isinstance(weight, nn.Parameter) else None


def normal_init_weights(module: nn.Module, gain: float = 0.02) -> None:
    """pix2pix / CycleGAN ``init_weights(net, 'normal', gain)``
    (junyanz/pytorch-CycleGAN-and-pix2pix ``networks.py``): conv, transposed
    conv and Linear weights ~ N(0, gain), their biases 0; affine BatchNorm /
    InstanceNorm scales ~ N(1, gain), shifts 0. Used by pix2pix's U-Net and
    PatchGAN, the denoising GAN and LGGAN's cross-view generator.

    Note: on a spectral-normed conv this draws into the derived ``weight``
    tensor, not ``weight_orig`` (as it always did); SPADE's discriminator
    re-initialises with :func:`xavier_init_weights` afterwards.
    """
    for m in module.modules():
        if isinstance(m, (*_CONVS, nn.Linear)):
            normal_init(m, mean=0.0, std=gain, bias=0)
        elif isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)) and \
                m.weight is not None:
            normal_init(m, mean=1.0, std=gain, bias=0)


def normal_conv_init(module: nn.Module, gain: float = 0.02,
                     skip: Optional[nn.Module] = None) -> None:
    """pix2pixHD's ``weights_init`` (NVIDIA/pix2pixHD ``networks.py``) and
    Lab2Pix-V1's: conv / transposed-conv weights (``weight_orig`` if
    spectral-normed) ~ N(0, gain) with their **biases left at PyTorch's
    default**, affine BatchNorm scales ~ N(1, gain) and shifts 0; Linear and
    InstanceNorm layers untouched. ``skip``: a submodule to leave alone (a
    frozen pretrained branch)."""
    skipped = set(skip.modules()) if skip is not None else set()
    for m in module.modules():
        if m in skipped:
            continue
        if isinstance(m, _CONVS):
            # own code: mmengine's normal_init would also zero the bias
            nn.init.normal_(trainable_weight(m), 0.0, gain)
        elif isinstance(m, nn.BatchNorm2d) and m.weight is not None:
            normal_init(m, mean=1.0, std=gain, bias=0)


def xavier_init_weights(module: nn.Module, gain: float = 0.02) -> None:
    """SPADE's ``BaseNetwork.init_weights('xavier', gain)`` (NVlabs/SPADE
    ``models/networks/base_network.py``; LGGAN and Lab2Pix-V2 inherit it):
    every layer whose class name contains 'Conv' or 'Linear' gets a
    xavier-normal weight and a zero bias, every 'BatchNorm2d' (also
    SyncBatchNorm) an N(1, gain) scale and a zero shift. The official code
    writes a spectral-normed conv through ``weight.data``, which shares
    storage with ``weight_orig``: we initialise ``weight_orig``, the same
    thing. The spectral-norm vectors are then settled on the new weights
    (:func:`settle_spectral_norm`), so the network gives finite outputs in
    eval mode before any training forward."""
    for m in module.modules():
        name = type(m).__name__
        if 'BatchNorm2d' in name:
            if getattr(m, 'weight', None) is not None:
                nn.init.normal_(m.weight, 1.0, gain)
            if getattr(m, 'bias', None) is not None:
                nn.init.zeros_(m.bias)
        elif 'Conv' in name or 'Linear' in name:
            weight = trainable_weight(m)
            if weight is not None and weight is getattr(m, 'weight', None):
                xavier_init(m, gain=gain, bias=0, distribution='normal')
                continue
            if weight is not None:  # own code: spectral norm's weight_orig
                nn.init.xavier_normal_(weight, gain=gain)
            if getattr(m, 'bias', None) is not None:
                nn.init.zeros_(m.bias)
    settle_spectral_norm(module)


def glorot_uniform_init(module: nn.Module) -> None:
    """TF-slim's defaults, the CRN official code's init (CQFIO/
    PhotographicImageSynthesis, ``slim.conv2d`` and ``slim.layer_norm``):
    Glorot-uniform conv kernels and zero biases; layer-norm (``GroupNorm``
    with one group) scale 1 and offset 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            xavier_init(m, gain=1.0, bias=0, distribution='uniform')
        elif isinstance(m, nn.GroupNorm):
            constant_init(m, 1.0, bias=0)


class BaseNetwork(BaseModule):
    """Base of every network (generator, discriminator, encoder): an
    mmengine ``BaseModule`` that initialises itself once, when it is built.

    The contract: a subclass implements ``init_weights()`` without arguments
    (the scheme and its gain are constructor arguments kept as attributes)
    and calls :meth:`finish_init` as the last line of its constructor. That
    applies the scheme once, at the point where the official codes do (right
    after building the network), and marks the network initialised
    (``is_init``), so the Runner's ``model.init_weights()``, which walks the
    children, does not draw a second set of weights. An explicit
    ``init_weights()`` call re-initialises.
    """

    def init_weights(self) -> None:
        """Apply the network's scheme; the default keeps PyTorch's layer
        defaults."""

    def finish_init(self) -> None:
        """Initialise once, at the end of the constructor (see the class
        docstring)."""
        self.init_weights()
        self._is_init = True
