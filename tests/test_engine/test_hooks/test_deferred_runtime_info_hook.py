"""DeferredRuntimeInfoHook: the message hub gets the values RuntimeInfoHook
would give it, but tensors are read on the host only at flush points."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import LoggerHook, RuntimeInfoHook
from mmengine.logging import MessageHub

from mmsemsyn.engine.hooks.deferred_runtime_info_hook import (
    DeferredRuntimeInfoHook,
)


def fake_runner(name, interval=3, max_iters=8, epoch_len=100):
    return SimpleNamespace(
        message_hub=MessageHub.get_instance(name), iter=0,
        max_iters=max_iters, train_dataloader=list(range(epoch_len)),
        hooks=[LoggerHook(interval=interval)])


def outputs(i):
    return dict(loss_gen=torch.tensor(0.1 * i + 1 / 3),
                loss_disc=torch.tensor(2.0 ** -i, dtype=torch.float64),
                acc=i)


def history(hub, key):
    return hub.log_scalars[key].data[0].tolist()


def test_same_values_with_one_host_read_per_flush(monkeypatch):
    ref_runner, runner = fake_runner('ref'), fake_runner('deferred')
    ref, hook = RuntimeInfoHook(), DeferredRuntimeInfoHook()
    hook.interval = runner.hooks[0].interval  # what before_train takes
    reads = []
    original = torch.Tensor.tolist

    def counted(self):
        reads.append(self.numel())
        return original(self)
    for i in range(8):
        ref_runner.iter = runner.iter = i
        ref.after_train_iter(ref_runner, i, outputs=outputs(i))
        with monkeypatch.context() as m:
            m.setattr(torch.Tensor, 'item', lambda self: pytest.fail(
                'item() inside the training loop'))
            m.setattr(torch.Tensor, 'tolist', counted)
            hook.after_train_iter(runner, i, outputs=outputs(i))
        # flushed at iterations 3 and 6 (interval 3) and at the last (8)
        flushed = (i + 1) % 3 == 0 or i == 7
        assert len(reads) == sum((j + 1) % 3 == 0 or j == 7
                                 for j in range(i + 1))
        if flushed:
            for key in ('train/loss_gen', 'train/loss_disc', 'train/acc'):
                assert history(runner.message_hub, key) == history(
                    ref_runner.message_hub, key)
    # one read per flush, of every pending tensor at once
    assert reads == [6, 6, 4]


def test_checkpoint_gets_the_flushed_message_hub():
    runner = fake_runner('ckpt', interval=50)
    hook = DeferredRuntimeInfoHook(interval=50)
    hook.after_train_iter(runner, 0, outputs=outputs(0))
    assert 'train/loss_gen' not in runner.message_hub.log_scalars
    checkpoint = dict(message_hub=runner.message_hub.state_dict())
    hook.before_save_checkpoint(runner, checkpoint)
    assert 'train/loss_gen' in checkpoint['message_hub']['log_scalars']
    assert history(runner.message_hub, 'train/loss_gen') == [
        pytest.approx(1 / 3)]
