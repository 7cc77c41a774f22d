"""mmengine's ``RuntimeInfoHook`` without a host-device sync per iteration."""
from typing import List

import torch
from mmengine.hooks import LoggerHook, RuntimeInfoHook
from mmengine.utils import apply_to

from mmsemsyn.registry import HOOKS


@HOOKS.register_module()
class DeferredRuntimeInfoHook(RuntimeInfoHook):
    """Records the training step's log variables like ``RuntimeInfoHook``,
    but reads the tensors on the host only when somebody needs them.

    ``RuntimeInfoHook.after_train_iter`` calls ``MessageHub.update_scalar``
    for every logged loss, which converts each tensor with ``.item()``: on a
    GPU the host then waits for the whole step every iteration and cannot
    queue the next one (issue 14 item 3). This hook keeps the detached
    tensors and converts all of them with one ``torch.stack(...).tolist()``
    (one sync) at the iterations where a logger hook may write a line, at
    the end of an epoch and of training, before validation and before a
    checkpoint is saved (the message hub is part of the checkpoint, so
    resume stays exact). The message hub then holds exactly the values
    ``RuntimeInfoHook`` would have given it, in the same order, so logged
    averages are unchanged.

    Args:
        interval: flush at least every ``interval`` iterations; None (default)
            takes the runner's ``LoggerHook`` interval (1 if there is none).
    """

    def __init__(self, interval=None):
        super().__init__()
        self.interval = interval
        self._pending: List[dict] = []

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self.interval is None:
            loggers = [h for h in runner.hooks if isinstance(h, LoggerHook)]
            self.interval = loggers[0].interval if loggers else 1

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if outputs is not None:
            self._pending.append({
                k: v.detach() if isinstance(v, torch.Tensor) else v
                for k, v in outputs.items()})
        last = runner.iter + 1 == runner.max_iters
        end_of_epoch = False
        try:
            end_of_epoch = batch_idx + 1 == len(runner.train_dataloader)
        except TypeError:  # a dataloader without a length
            pass
        if (runner.iter + 1) % self.interval == 0 or \
                (batch_idx + 1) % self.interval == 0 or last or end_of_epoch:
            self.flush(runner)

    @staticmethod
    def _batched(value) -> bool:
        # float scalars are read together; anything else goes to the
        # message hub as RuntimeInfoHook would pass it
        return isinstance(value, torch.Tensor) and value.numel() == 1 \
            and value.is_floating_point()

    def flush(self, runner) -> None:
        """Move every pending value into the message hub (one host read)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        tensors = [v for step in pending for v in step.values()
                   if self._batched(v)]
        values = iter(torch.stack([t.reshape(()).float() for t in tensors])
                      .tolist() if tensors else [])
        for step in pending:
            for key, value in step.items():
                if self._batched(value):
                    value = next(values)
                runner.message_hub.update_scalar(f'train/{key}', value)

    def before_val(self, runner) -> None:
        self.flush(runner)
        super().before_val(runner)

    def after_train_epoch(self, runner) -> None:
        self.flush(runner)
        super().after_train_epoch(runner)

    def after_train(self, runner) -> None:
        self.flush(runner)
        super().after_train(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        super().before_save_checkpoint(runner, checkpoint)
        if self._pending:
            self.flush(runner)
            # the runner put the message hub into the checkpoint before
            # calling the hooks: store the flushed state instead
            if 'message_hub' in checkpoint:
                checkpoint['message_hub'] = apply_to(
                    runner.message_hub.state_dict(),
                    lambda x: hasattr(x, 'cpu'), lambda x: x.cpu())
