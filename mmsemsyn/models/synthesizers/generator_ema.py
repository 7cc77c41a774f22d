"""Exponential moving average of the generator's weights (model averaging).

Karras et al. (ICLR 2018, Sec. A.1) average the generator's weights over
training and evaluate the average; mmagic's ``generator_ema``
(``ExponentialMovingAverage``, momentum 0.999), imaginaire's
``model_average_config`` (``beta`` 0.999 / 0.9999, ``start_iteration``) and
OASIS (``EMA_decay`` 0.9999) do the same for label-to-photo GANs.
"""
from typing import Iterable, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseAveragedModel

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class GeneratorEMA(BaseAveragedModel):
    """The averaged copy of a generator.

    After each generator update ``t >= start_iter``::

        theta_ema <- momentum * theta_ema + (1 - momentum) * theta_G

    (mmagic's and imaginaire's convention: ``momentum`` is the weight kept,
    0.999 in both). Before ``start_iter`` the copy simply follows G
    (imaginaire's ``start_iteration``; averaging the first, random weights
    only slows the average down). Buffers -- BatchNorm running statistics --
    are copied from G at each update and recomputed for the averaged
    weights before evaluation (:meth:`recompute_batch_norm`), as
    imaginaire's ``recalculate_model_average_batch_norm_statistics``.

    The copy (``module``) and the update counter (``steps``) are part of the
    synthesizer's state dict, so checkpoints carry them and ``--resume``
    continues the average bit for bit.

    Args:
        model: the generator to average (copied; the copy holds no
            trainable parameter, so DDP never wraps it).
        momentum: decay of the average, in [0, 1).
        start_iter: first training iteration that averages.
        interval: average every this many generator updates (1 as all
            three references).
    """

    def __init__(self, model: nn.Module, momentum: float = 0.999,
                 start_iter: int = 0, interval: int = 1,
                 device: Optional[torch.device] = None):
        if not 0.0 <= momentum < 1.0:
            raise ValueError(
                f'GeneratorEMA: momentum={momentum!r} must lie in [0, 1) '
                '(the weight kept from the average, e.g. 0.999).')
        if start_iter < 0:
            raise ValueError(
                f'GeneratorEMA: start_iter={start_iter!r} must be >= 0.')
        super().__init__(model, interval=interval, device=device,
                         update_buffers=False)
        self.momentum = momentum
        self.start_iter = start_iter

    def avg_func(self, averaged_param: torch.Tensor,
                 source_param: torch.Tensor, steps: int) -> None:
        # mul/add rather than lerp: the same two roundings as the formula.
        averaged_param.mul_(self.momentum).add_(source_param,
                                                alpha=1 - self.momentum)

    @torch.no_grad()
    def update(self, source: nn.Module, curr_iter: int) -> None:
        """Average ``source`` (the bare generator, not a DDP wrapper) in,
        or copy it while ``curr_iter < start_iter``."""
        if curr_iter < self.start_iter:
            for dst, src in zip(self.module.state_dict().values(),
                                source.state_dict().values()):
                dst.copy_(src)
            return
        self.update_parameters(source)

    @torch.no_grad()
    def recompute_batch_norm(self, forward: callable,
                             batches: Iterable) -> int:
        """Re-estimate the BatchNorm running statistics of the averaged
        weights: reset them, then run ``forward(batch)`` for every batch in
        train mode with a cumulative average (``momentum=None``), so each
        batch counts equally. Returns the number of batches run (0 when the
        generator has no BatchNorm)."""
        norms = [m for m in self.module.modules()
                 if isinstance(m, nn.modules.batchnorm._BatchNorm)
                 and m.track_running_stats]
        if not norms:
            return 0
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None
        was_training = self.module.training
        self.module.train()
        count = 0
        try:
            for batch in batches:
                forward(batch)
                count += 1
        finally:
            self.module.train(was_training)
            for m, momentum in zip(norms, momenta):
                m.momentum = momentum
        return count
