"""Hands the training progress to losses whose weight is ramped."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmsemsyn.registry import HOOKS


@HOOKS.register_module()
class LossRampHook(Hook):
    """Before every training iteration, calls ``set_progress(iter=...,
    max_iters=..., epoch=..., max_epochs=...)`` with the runner's progress
    on every loss of ``model.losses`` that has that method, so a ramped
    weight (Lab2Pix's lambda_2 of :class:`SharpnessEnhancementLoss`, the
    diversity loss's official ramp-in) follows the schedule without the
    loss reading global state. The ramp itself (its shape and length) is
    the loss's own config option; a loss without a ramp ignores the call.

    ``runner.iter`` is the iteration about to run (0-based), as the message
    hub's ``iter`` that the losses read before; ``max_iters`` /
    ``max_epochs`` are the train loop's. Recomputed every iteration from
    the runner, so ``--resume`` continues the ramp where it stopped.
    """

    priority = 'NORMAL'

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        losses = getattr(model, 'losses', None)
        if losses is None:
            return
        for loss in losses.values():
            if callable(getattr(loss, 'set_progress', None)):
                loss.set_progress(iter=runner.iter,
                                  max_iters=runner.max_iters,
                                  epoch=runner.epoch,
                                  max_epochs=runner.max_epochs)
