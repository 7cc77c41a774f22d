"""One logging rhythm, and a line for the last iteration.

mmengine's ``LoggerHook`` in an iteration-based run logs every ``interval``
iterations *and* whenever the iteration index reaches the length of the
training dataloader (its end-of-epoch rule, e.g. iteration 16 of a
16-sample dataset under ``interval=10``), and a run shorter than
``interval`` (``max_iters=4``) prints no loss line at all.
:class:`SynthesisLoggerHook` logs an iteration-based run at every
``interval``-th iteration and at the last one, nothing else; an
epoch-based run keeps mmengine's per-epoch rhythm and also gets a line at
the very last iteration.
"""
from mmengine.hooks import LoggerHook
from mmengine.runner import EpochBasedTrainLoop

from mmsemsyn.registry import HOOKS


@HOOKS.register_module()
class SynthesisLoggerHook(LoggerHook):
    """``LoggerHook`` with one rhythm: every ``interval`` iterations and the
    last iteration of the run (arguments as mmengine's ``LoggerHook``)."""

    def _write_train_log(self, runner, batch_idx: int) -> None:
        tag, log_str = runner.log_processor.get_log_after_iter(
            runner, batch_idx, 'train')
        runner.logger.info(log_str)
        runner.visualizer.add_scalars(
            tag, step=runner.iter + 1, file_path=self.json_log_path)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        # ``runner.iter`` is still the 0-based index of this iteration.
        done = runner.iter + 1
        last = done == runner.max_iters
        if isinstance(runner.train_loop, EpochBasedTrainLoop):
            # mmengine's own rule, as it would decide for this iteration.
            logged = self.every_n_inner_iters(batch_idx, self.interval) or (
                self.end_of_epoch(runner.train_dataloader, batch_idx) and (
                    not self.ignore_last
                    or len(runner.train_dataloader) <= self.interval))
            super().after_train_iter(runner, batch_idx, data_batch, outputs)
            if last and not logged:
                self._write_train_log(runner, batch_idx)
            return
        if done % self.interval_exp_name == 0 or last:
            runner.logger.info(f'Exp name: {runner.experiment_name}')
        if done % self.interval == 0 or last:
            self._write_train_log(runner, batch_idx)
