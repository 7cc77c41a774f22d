"""One option name per concept across the networks of every method.

=================  ==========================================================
``in_channels``    input channels of a network (a discriminator: the label
                   channels + 3 image channels)
``semantic_nc``    channels of the semantic input of a generator that takes
                   the label map apart from other inputs (one-hot classes
                   [+ dontcare] [+ instance edge])
``ngf``            generator base width
``ndf``            discriminator base width, at ``model.discriminator.ndf``
                   for every method (the multi-scale / hierarchical wrappers
                   take it and hand it to each scale)
``nef``            encoder base width
``num_D``          discriminator scales (``MultiScaleDiscriminator``)
``n_layers_D``     stride-2/1 middle convs of a PatchGAN (pix2pix's and
                   pix2pixHD's ``n_layers_D``; SPADE's official
                   ``n_layers_D=4`` is the same network as ours 3)
``n_blocks``       residual blocks of a generator's bottleneck (pix2pix's
                   ``resnet_<n>blocks``, pix2pixHD's global generator,
                   LGGAN, the denoising GAN, LGGAN cross-view; pix2pixHD's
                   LocalEnhancer keeps the official ``n_blocks_global`` /
                   ``n_blocks_local`` for its two parts)
``norm``           normalisation layer type ('BN', 'IN', ...)
=================  ==========================================================

A renamed option given under its old name raises a ``TypeError`` that names
the new key (:func:`renamed_options`), so no old config is half-read.
"""
import functools
from typing import Dict


def renamed_options(**renames: str):
    """Class decorator: ``__init__`` called with an old option name (a key of
    ``renames``) raises ``TypeError`` naming the new one instead of
    Python's bare "unexpected keyword argument".

    Example: ``@renamed_options(n_layers='n_layers_D')``.
    """

    def decorate(cls):
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            reject_renamed(type(self).__name__, kwargs, renames)
            init(self, *args, **kwargs)

        cls.__init__ = __init__
        return cls

    return decorate


def reject_renamed(owner: str, options: dict, renames: Dict[str, str],
                   where: str = '') -> None:
    """Raise ``TypeError`` when ``options`` holds an old name of
    ``renames`` (old -> new description)."""
    old = sorted(k for k in options if k in renames)
    if old:
        fixes = '; '.join(f'{k!r} is now {renames[k]}' for k in old)
        raise TypeError(
            f'{owner}{where}: {fixes} (one option name per concept across '
            'methods, see mmsemsyn/models/layers/option_names.py); update '
            'the config.')
