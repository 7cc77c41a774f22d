"""Keeps the generator's moving average (``model.ema``) up to date."""
from typing import Optional

from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from mmsemsyn.registry import HOOKS
from .visualization_hook import preserve_rng_state


def _bare_model(runner):
    model = runner.model
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class GeneratorEMAHook(Hook):
    """Drives :class:`~mmsemsyn.models.synthesizers.GeneratorEMA` for a
    model built with ``ema=dict(...)``; does nothing for other models.

    - after every training iteration: ``model.update_ema(iter)`` (the
      average follows each generator update, as mmagic's ``BaseGAN``);
    - before each validation and before each checkpoint is written: the
      BatchNorm statistics of the averaged generator are re-estimated on
      the first ``num_batches`` x ``batch_size`` training samples (train
      mode, cumulative average; imaginaire's
      ``recalculate_model_average_batch_norm_statistics``, 30 batches), so
      validation, test and inference use statistics of the averaged
      weights, not the copied ones of the live generator. The samples
      are a fixed set drawn with the random state saved and restored,
      so neither the training stream nor a resume is disturbed.

    Args:
        num_batches: batches for the BatchNorm re-estimation (0: off).
    """

    priority = 'NORMAL'

    def __init__(self, num_batches: int = 30):
        if num_batches < 0:
            raise ValueError(f'num_batches must be >= 0, got {num_batches}')
        self.num_batches = num_batches

    @staticmethod
    def _ema(runner):
        return getattr(_bare_model(runner), 'generator_ema', None)

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs=None) -> None:
        if self._ema(runner) is not None:
            _bare_model(runner).update_ema(runner.iter)

    def _batches(self, runner):
        loader = runner.train_dataloader
        dataset = loader.dataset
        batch_size = loader.batch_size or 1
        total = min(len(dataset), self.num_batches * batch_size)
        for start in range(0, total, batch_size):
            yield pseudo_collate([dataset[i] for i in
                                  range(start, min(total, start + batch_size))])

    def _recompute(self, runner) -> bool:
        # Only while training (tools/test.py has no training data: the
        # checkpoint already carries the statistics computed when saving).
        if self._ema(runner) is None or not self.num_batches or \
                not isinstance(runner._train_loop, BaseLoop):
            return False
        model = _bare_model(runner)
        with preserve_rng_state():
            count = model.recompute_ema_batch_norm(self._batches(runner))
        return count > 0

    def before_val_epoch(self, runner) -> None:
        self._recompute(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self._recompute(runner):
            return
        # The state dict was collected before this hook: put the new
        # statistics of the averaged copy into it.
        state = checkpoint.get('state_dict')
        if state is None:
            return
        ema = self._ema(runner)
        for name, buf in ema.module.named_buffers():
            key = f'generator_ema.module.{name}'
            if key in state:
                state[key] = buf.detach().cpu().clone()
