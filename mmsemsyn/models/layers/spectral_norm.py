"""Spectral-norm vectors that are valid from the start.

``torch.nn.utils.spectral_norm`` (used by the official SPADE, LGGAN and
Lab2Pix codes alike) draws its singular-vector estimates ``u`` and ``v`` at
random and improves them by one power iteration per *training* forward. In
eval mode it divides the weight by ``sigma = u^T W v`` with the stored
vectors, which for fresh random vectors is close to zero or negative (about
half the layers of a freshly built Lab2Pix-V2 or SPADE generator): the
weights blow up or flip sign, and a network evaluated right after it was
built (a smoke test, ``tools/infer.py`` with no checkpoint, a sample grid
before the first step) outputs NaN -- the official codes do the same.

:func:`spectral_norm` is torch's hook-based spectral norm (same buffers,
state-dict keys and fp32 arithmetic) whose ``W / sigma`` is computed with
autocast off: under CUDA's autocast policy every ``mv`` of the power
iteration and of ``sigma`` would cast the whole weight matrix and the vector
to bfloat16/float16 and ``dot`` would cast back (about 7 extra kernels per
layer and training forward, 3 of them full copies of the weight), and the
singular vectors would be iterated in low precision. With autocast off it is
the float32 computation; the conv that uses ``W / sigma`` casts it once.
"""
from typing import Optional

import torch
import torch.nn as nn
from torch.nn.utils.spectral_norm import SpectralNorm


class AutocastFreeSpectralNorm(SpectralNorm):
    """torch's ``SpectralNorm`` hook with ``W / sigma`` (power iteration
    included) computed outside autocast, in the weight's own dtype.

    Without autocast it is the parent's computation unchanged (bit-identical).
    """

    def compute_weight(self, module: nn.Module,
                       do_power_iteration: bool) -> torch.Tensor:
        device_type = getattr(module, self.name + '_orig').device.type
        # meta tensors (state-dict listings) have no autocast to ask about
        if torch.amp.is_autocast_available(device_type) and \
                torch.is_autocast_enabled(device_type):
            with torch.autocast(device_type, enabled=False):
                return super().compute_weight(module, do_power_iteration)
        return super().compute_weight(module, do_power_iteration)


def spectral_norm(module: nn.Module, name: str = 'weight',
                  n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: Optional[int] = None) -> nn.Module:
    """``torch.nn.utils.spectral_norm`` (same arguments, buffers
    ``weight_orig`` / ``weight_u`` / ``weight_v``, state-dict keys of the
    official checkpoints) with the :class:`AutocastFreeSpectralNorm` hook.

    Returns:
        ``module``, with the hook registered.

    Raises:
        RuntimeError: ``module`` already has spectral norm on ``name``
            (torch's own check).
    """
    module = nn.utils.spectral_norm(module, name, n_power_iterations, eps,
                                    dim)
    for hook in module._forward_pre_hooks.values():
        if type(hook) is SpectralNorm and hook.name == name:
            hook.__class__ = AutocastFreeSpectralNorm
    return module


@torch.no_grad()
def settle_spectral_norm(module: nn.Module, n_iterations: int = 5) -> int:
    """Run ``n_iterations`` power iterations on every spectral-norm layer
    of ``module`` (the ``torch.nn.utils.spectral_norm`` hook form), so that
    ``sigma = u^T W v`` is a positive estimate of the largest singular value
    of the *current* weights.

    Call it after the weights are (re-)initialised. It changes only the
    ``weight_u`` / ``weight_v`` buffers, never a parameter; in training mode
    every forward keeps iterating from there (one iteration per call), so
    training is the same as from random vectors apart from a better sigma in
    the first steps. Loading a checkpoint overwrites the vectors.

    Args:
        module: any module; spectral-norm layers are found recursively.
        n_iterations: power iterations per layer (5 puts the estimate within
            ~15% of the true sigma for the layers of our networks).

    Returns:
        The number of spectral-norm layers updated.
    """
    count = 0
    for m in module.modules():
        for hook in m._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm):
                for _ in range(n_iterations):
                    # updates weight_u / weight_v in place
                    hook.compute_weight(m, do_power_iteration=True)
                count += 1
    return count
