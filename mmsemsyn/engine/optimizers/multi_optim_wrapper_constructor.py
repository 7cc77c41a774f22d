"""One optimizer wrapper per network, keyed by the model's attribute names."""
from typing import Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict, build_optim_wrapper

from mmsemsyn.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SynOptimWrapperConstructor:
    """Builds an ``OptimWrapperDict`` for GANs (TTUR: own lr/betas each).

    Config::

        optim_wrapper = dict(
            constructor='SynOptimWrapperConstructor',
            generator=dict(optimizer=dict(type='Adam', lr=1e-4,
                                          betas=(0.0, 0.9)),
                           modules=['generator', 'encoder']),
            discriminator=dict(optimizer=dict(type='Adam', lr=4e-4,
                                              betas=(0.0, 0.9))))

    Each key names a wrapper; ``modules`` (default: ``[key]``) lists the
    model attributes whose trainable parameters it optimises -- e.g.
    pix2pixHD trains the instance-feature encoder in the generator's
    optimizer, and Lab2Pix its cycle-segmentation networks.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None):
        if paramwise_cfg is not None:
            raise ValueError('Set paramwise_cfg inside each sub-wrapper.')
        self.optim_wrapper_cfg = optim_wrapper_cfg.copy()
        self.optim_wrapper_cfg.pop('constructor', None)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        wrappers = {}
        for key, cfg in self.optim_wrapper_cfg.items():
            cfg = cfg.copy()
            names = cfg.pop('modules', [key])
            if isinstance(names, str):
                names = [names]
            missing = [n for n in names if not hasattr(model, n)]
            if missing:
                raise KeyError(
                    f'optim_wrapper.{key} names module(s) {missing}, which '
                    f'{type(model).__name__} does not have. Use attribute '
                    'names of the model (e.g. generator, discriminator).')
            modules = [getattr(model, n) for n in names]
            module = modules[0] if len(modules) == 1 else nn.ModuleList(
                modules)
            wrappers[key] = build_optim_wrapper(module, cfg)
        return OptimWrapperDict(**wrappers)
