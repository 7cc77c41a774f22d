"""pix2pixHD's coarse-to-fine training schedule (Wang et al. 2018, Sec. 3.2).

"We first train the global generator and then train the local enhancer in
the order of their resolutions. We then jointly fine-tune all the networks
together." The global stage is its own config; the local config loads that
checkpoint (``Pix2PixHD(pretrained_global=...)``) and this hook handles the
two stages inside the local run, as the official ``--niter_fix_global``:

1. *fixed global* (the first ``fix_global_epochs`` epochs, or
   ``fix_global_iters`` iterations): only the outermost enhancer
   (``model<n_local_enhancers>_*``) and the instance-feature encoder are
   trained; the rest of G is frozen.
2. *joint*: everything trains. At the switch the official code builds a
   new Adam for G over all parameters, so G's optimizer *state* is reset
   here (the learning rate is whatever the schedule says, as there).

The stage whose optimizer state the checkpoint holds is saved in the
checkpoint's ``meta``, so a run resumed in the middle of a stage continues
that stage, and one resumed exactly at the boundary still performs the
switch (and its reset) once.

Distributed: the frozen parameters are switched with ``requires_grad``,
so DDP needs ``model_wrapper_cfg.find_unused_parameters=True`` (the local
configs set it).
"""
from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmsemsyn.registry import HOOKS

FIXED, JOINT = 'fixed_global', 'joint'


@HOOKS.register_module()
class Pix2PixHDStagedTrainingHook(Hook):
    """Train only the local enhancer first, then all of G (Sec. 3.2).

    Args:
        fix_global_epochs: the official ``niter_fix_global`` (epochs).
        fix_global_iters: the same in iterations (iteration-based loops).
        trainable_prefixes: generator parameter-name prefixes trained in
            the fixed stage; default: the outermost enhancer, as official.
    """

    priority = 'ABOVE_NORMAL'
    META_KEY = 'pix2pixhd_stage'

    def __init__(self, fix_global_epochs: Optional[int] = None,
                 fix_global_iters: Optional[int] = None,
                 trainable_prefixes: Optional[List[str]] = None):
        if (fix_global_epochs is None) == (fix_global_iters is None):
            raise ValueError('Give exactly one of fix_global_epochs or '
                             'fix_global_iters.')
        self.fix_global_epochs = fix_global_epochs
        self.fix_global_iters = fix_global_iters
        self.trainable_prefixes = trainable_prefixes
        self.applied: Optional[str] = None  # what requires_grad reflects
        self.optim_stage: Optional[str] = None  # what the Adam state is for

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _prefixes(self, generator) -> List[str]:
        if self.trainable_prefixes is not None:
            return list(self.trainable_prefixes)
        if not hasattr(generator, 'enhancer_prefixes'):
            raise TypeError(
                'Pix2PixHDStagedTrainingHook freezes the global generator of '
                f'a LocalEnhancer, but the generator is '
                f'{type(generator).__name__}. Remove the hook from the '
                'global-stage config, or set trainable_prefixes.')
        return generator.enhancer_prefixes(outermost_only=True)

    def stage_at(self, runner) -> str:
        if self.fix_global_epochs is not None:
            fixed = runner.epoch < self.fix_global_epochs
        else:
            fixed = runner.iter < self.fix_global_iters
        return FIXED if fixed else JOINT

    def _apply(self, runner) -> None:
        stage = self.stage_at(runner)
        if stage == self.applied:
            return
        model = self._model(runner)
        generator = model.generator
        generator = generator.module if is_model_wrapper(
            generator) else generator
        prefixes = self._prefixes(generator)
        for name, param in generator.named_parameters():
            param.requires_grad_(stage == JOINT or name.startswith(
                tuple(prefixes)))
        if stage == JOINT and self.optim_stage == FIXED:
            # The official update_fixed_params builds a fresh Adam.
            optimizer = runner.optim_wrapper['generator'].optimizer
            optimizer.state.clear()
            runner.logger.info(
                'pix2pixHD: the global generator is unfrozen; training all '
                'of G jointly (G optimizer state reset).')
        elif stage == FIXED:
            trained = sum(p.numel() for p in generator.parameters()
                          if p.requires_grad)
            runner.logger.info(
                f'pix2pixHD: training only {prefixes} of G ({trained:,} '
                'parameters) with the global generator fixed.')
        self.applied = stage
        self.optim_stage = stage

    def before_train(self, runner) -> None:
        self._apply(runner)

    def before_train_epoch(self, runner) -> None:
        self._apply(runner)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if self.fix_global_iters is not None:
            self._apply(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})[self.META_KEY] = self.optim_stage

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self.optim_stage = checkpoint.get('meta', {}).get(self.META_KEY)
        self.applied = None  # re-apply requires_grad for the new position
