"""Keeps the networks' buffers (BatchNorm running statistics) identical on
every rank of a distributed run."""
from typing import List

import torch
import torch.distributed as dist
from mmengine.dist import get_world_size, is_distributed
from mmengine.hooks import Hook

from mmsemsyn.registry import HOOKS


def sync_buffers(buffers: List[torch.Tensor]) -> None:
    """Average floating-point buffers over all ranks, in place; copy the
    others (``num_batches_tracked``) from rank 0.

    One collective per dtype (buffers are flattened together), so the cost
    is a few small messages however many BatchNorm layers there are.
    """
    if not is_distributed() or not buffers:
        return
    world_size = get_world_size()
    groups = {}
    for buf in buffers:
        groups.setdefault((buf.dtype, buf.device), []).append(buf)
    for (dtype, _), group in groups.items():
        flat = torch._utils._flatten_dense_tensors(group)
        if dtype.is_floating_point or dtype.is_complex:
            dist.all_reduce(flat)
            flat.div_(world_size)
        else:
            dist.broadcast(flat, src=0)
        for buf, synced in zip(
                group, torch._utils._unflatten_dense_tensors(flat, group)):
            buf.copy_(synced)


@HOOKS.register_module()
class BufferSyncHook(Hook):
    """Average the model's buffers over ranks before they are used or saved.

    The default runtime wraps each network in its own DDP with
    ``broadcast_buffers=False`` (buffer broadcast before every forward would
    also fire for the several D passes of one GAN step), so parameters stay
    identical through the gradient all-reduce but BatchNorm running
    statistics drift apart per rank. ``SyncBatchNorm`` would fix that, but it
    runs on GPUs only. Running mean/var are exponential moving averages,
    i.e. linear in the batch statistics, so averaging them over ranks at any
    time equals the moving average of the rank-averaged batch statistics: it
    is enough to average before a checkpoint, a visualisation, validation
    and at the end of training. (The running *variance* is then the mean of
    per-rank batch variances, not the variance of the union of the batches;
    training-mode normalisation is per-rank either way, as with plain BN.)

    Why the default stays ``interval=1`` (issue 14 item 3 asked whether a
    sparser default keeps the numerics):

    - What the alternatives do: DDP's own ``broadcast_buffers=True`` copies
      rank 0's buffers to every rank before *each* forward (several per GAN
      step), i.e. rank 0's statistics win; the official trainers
      (pix2pix, pix2pixHD, SPADE, LGGAN: ``nn.DataParallel``) keep only the
      replica on GPU 0's updates, while SPADE's synchronized BN computes
      the statistics over the whole batch. Averaging is the closest to the
      latter, and one averaging per iteration is the cheapest of these.
    - A sparser interval is equal only within float rounding (the moving
      average is linear, so averaging later gives the same value up to the
      order of the additions), not bit-identical, and it is correct only if
      the buffers are averaged before *every* reader: checkpoints (whose
      iteration need not be a multiple of the interval), the sample grids,
      the generator EMA, validation. Each would need its own trigger.
    - The cost it would save is small: one all-reduce per dtype of the
      flattened buffers, enqueued without a host synchronisation on NCCL.
      The float buffers are 0.13% of the trainable parameters' bytes that
      DDP all-reduces as gradients every step for SPADE Cityscapes (0.52 MB
      vs 395 MB), 0.02% for pix2pix (47 KB vs 229 MB).

    So the default keeps every reader correct for a negligible cost;
    ``interval`` stays an option (the last iteration, validation and test
    are synchronised whatever it is).

    Args:
        interval: also average every ``interval`` iterations (default: every
            iteration). Runs with priority ``ABOVE_NORMAL`` so it precedes
            the visualisation (LOW) and checkpoint (VERY_LOW) hooks of the
            same iteration.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1):
        self.interval = interval

    def _sync(self, runner) -> None:
        sync_buffers(list(runner.model.buffers()))

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if self.every_n_train_iters(runner, self.interval) or \
                runner.iter + 1 == runner.max_iters:
            self._sync(runner)

    def before_val_epoch(self, runner):
        self._sync(runner)

    def before_test_epoch(self, runner):
        self._sync(runner)
