"""Validation during training that leaves the training run untouched."""
import contextlib
import random

import numpy as np
import torch
from mmengine.runner import ValLoop
from mmengine.runner.loops import _parse_losses

from mmsemsyn.registry import LOOPS


@LOOPS.register_module()
class SynthesisValLoop(ValLoop):
    """mmengine's ``ValLoop`` run inside a saved-and-restored random state.

    Validation draws random numbers (the generator's noise or VAE style
    codes, dropout of pix2pix's U-Net, the data loader's worker seeds); in a
    plain ``ValLoop`` those advance the training stream, so a run that
    validates every N iterations would train differently from one that
    does not, and mmengine's best-checkpoint hook re-saves the latest
    checkpoint *after* validation, with the advanced state in it. Here the
    Python, NumPy and torch (CPU and CUDA) states are put back after each
    validation, so the training step sequence is the same with or without
    validation and ``--resume`` from any checkpoint is exact.

    The validation samples themselves are reproducible: the loop seeds
    torch with ``seed`` (default 0) before the first batch, so the scores of
    two validations of the same weights are equal.

    Args:
        runner, dataloader, evaluator, fp16: as ``ValLoop``.
        seed: torch seed for the random numbers validation draws.
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 seed: int = 0):
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        self.seed = seed

    @contextlib.contextmanager
    def _isolated_rng(self):
        py_state, np_state = random.getstate(), np.random.get_state()
        devices = list(range(torch.cuda.device_count())) \
            if torch.cuda.is_available() and torch.cuda.is_initialized() \
            else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.seed)
            try:
                yield
            finally:
                random.setstate(py_state)
                np.random.set_state(np_state)

    def run(self) -> dict:
        """``ValLoop.run`` with the batches and the metric computation in
        the isolated random state. The ``after_val_epoch`` hooks run
        outside it: the best-checkpoint hook saves the training state
        there, which must be the state training continues from."""
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        with self._isolated_rng():
            val_loss = getattr(self, 'val_loss', None)
            if val_loss is not None:
                val_loss.clear()
            for idx, data_batch in enumerate(self.dataloader):
                self.run_iter(idx, data_batch)
            metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
            if val_loss:
                metrics.update(_parse_losses(val_loss, 'val'))
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics
