"""Saves the torch random state in checkpoints and restores it on resume, so
a resumed run draws the same dropout masks / noise as an uninterrupted one."""
import torch
from mmengine.hooks import Hook

from mmsemsyn.registry import HOOKS


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make ``--resume`` continue the torch random stream exactly.

    Why only torch: on resume mmengine re-seeds everything and then *replays*
    the data loader up to the checkpoint's iteration (``IterBasedTrainLoop``
    skips ``iter`` batches). The replay consumes Python/NumPy random numbers
    (random flips/crops) exactly as the original run did, so those states
    already match. The model's own random numbers (dropout in the pix2pix
    U-Net, noise inputs, VAE sampling) come from torch's generator, which the
    replay does not advance; that state is saved with every checkpoint and
    put back right before the first resumed iteration (after the replay).

    The state of rank 0 is saved (checkpoints are written there) and
    restored on every rank; with mmengine's default ``diff_rank_seed=False``
    all ranks hold that same state anyway.
    """

    priority = 'VERY_HIGH'
    KEY = 'torch_rng_state'

    def __init__(self):
        self._pending = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(cpu=torch.get_rng_state())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint.setdefault('meta', {})[self.KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta') or {}
        state = meta.get(self.KEY)
        # ``load_from`` (fine-tuning) also lands here; only a resume, which
        # restores the iteration counter, continues the random stream.
        self._pending = (meta.get('iter'), state) if state else None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if self._pending is None:
            return
        ckpt_iter, state = self._pending
        self._pending = None
        if ckpt_iter != runner.iter:
            return
        torch.set_rng_state(state['cpu'].cpu())
        if 'cuda' in state and torch.cuda.is_available() and \
                len(state['cuda']) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])
