"""bf16 mixed precision without loss scaling, on CUDA and on the CPU."""
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmsemsyn.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """An ``OptimWrapper`` whose ``optim_context`` runs the forward under
    ``torch.autocast(device_type, dtype)``.

    Why not mmengine's ``AmpOptimWrapper``: it asserts a CUDA/NPU/MLU
    device and always builds a ``GradScaler``; bfloat16 has float32's
    exponent range, so its gradients do not underflow and need no loss
    scaling (issue 14 item 5). Parameters, gradients and optimizer states
    stay float32 (autocast casts per op); the backward and ``step`` are the
    plain ``OptimWrapper``'s, so checkpoints and resume are unchanged.

    Frozen metric networks (Inception for FID, evaluation segmenters) are
    never run inside an optimizer wrapper's context, so they stay float32.

    Args:
        dtype: autocast dtype, ``'bfloat16'`` (default) or ``'float16'``
            (float16 without loss scaling can underflow: use
            ``AmpOptimWrapper`` on CUDA for it).
        device_type: ``'cuda'``/``'cpu'``; None takes the device of the
            model's first parameter at the time ``optim_context`` runs.
        **kwargs: ``OptimWrapper`` arguments (optimizer, clip_grad, ...).

    Raises:
        ValueError: an unknown ``dtype``.
    """

    def __init__(self, dtype='bfloat16', device_type=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(dtype, str):
            if dtype not in ('bfloat16', 'float16'):
                raise ValueError(
                    f'AutocastOptimWrapper dtype must be bfloat16 or '
                    f'float16, got {dtype!r}')
            dtype = getattr(torch, dtype)
        self.cast_dtype = dtype
        self.device_type = device_type

    @contextmanager
    def optim_context(self, model: nn.Module):
        device_type = self.device_type
        if device_type is None:
            param = next(model.parameters(), None)
            device_type = 'cpu' if param is None else param.device.type
        with super().optim_context(model), torch.autocast(
                device_type=device_type, dtype=self.cast_dtype):
            yield
