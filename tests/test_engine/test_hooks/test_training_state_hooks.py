"""BufferSyncHook, RNGStateHook and PlainCheckpointKeysHook."""
import torch
import torch.nn as nn
from mmengine.registry import MODEL_WRAPPERS

from mmsemsyn.engine.hooks.buffer_sync_hook import BufferSyncHook, sync_buffers
from mmsemsyn.engine.hooks.checkpoint_keys_hook import PlainCheckpointKeysHook
from mmsemsyn.engine.hooks.rng_state_hook import RNGStateHook


class _Runner:
    """The attributes the hooks read."""

    def __init__(self, model, it=0, max_iters=10):
        self.model = model
        self.iter = it
        self.max_iters = max_iters


@MODEL_WRAPPERS.register_module(force=True)
class _TestWrapper(nn.Module):
    """A stand-in for DDP (is_model_wrapper looks at this registry)."""

    def __init__(self, module):
        super().__init__()
        self.module = module


def test_sync_buffers_averages_over_ranks(monkeypatch):
    """Simulated 2-rank group: this rank holds 0 / 1, the other 2 / 2
    (the real 2-process run is tests/test_tools/test_dist_train_tool.py)."""
    from mmsemsyn.engine.hooks import buffer_sync_hook as mod
    other = {torch.float32: None}
    calls = []

    def all_reduce(t):
        calls.append('all_reduce')
        t.add_(other[t.dtype])

    def broadcast(t, src):
        calls.append(f'broadcast{src}')  # rank 0 keeps its own values

    monkeypatch.setattr(mod, 'is_distributed', lambda: True)
    monkeypatch.setattr(mod, 'get_world_size', lambda: 2)
    monkeypatch.setattr(mod.dist, 'all_reduce', all_reduce)
    monkeypatch.setattr(mod.dist, 'broadcast', broadcast)
    bn1, bn2 = nn.BatchNorm2d(3), nn.BatchNorm2d(2)
    for bn in (bn1, bn2):
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0)
        bn.num_batches_tracked.fill_(5)
    # The other rank: means 2, vars 2 (flattened in buffer order).
    other[torch.float32] = torch.cat([
        torch.full((3, ), 2.0), torch.full((3, ), 2.0),
        torch.full((2, ), 2.0), torch.full((2, ), 2.0)])
    sync_buffers(list(bn1.buffers()) + list(bn2.buffers()))
    for bn in (bn1, bn2):
        assert torch.allclose(bn.running_mean, torch.ones_like(
            bn.running_mean))
        assert torch.allclose(bn.running_var, torch.full_like(
            bn.running_var, 1.5))
        assert int(bn.num_batches_tracked) == 5
    # One collective per dtype, not one per buffer.
    assert calls == ['all_reduce', 'broadcast0']
    assert BufferSyncHook.priority == 'ABOVE_NORMAL'


def test_buffer_sync_is_a_no_op_without_process_group():
    bn = nn.BatchNorm2d(2)
    bn.running_mean.fill_(3.0)
    hook = BufferSyncHook()
    hook.after_train_iter(_Runner(bn), 0)
    assert torch.equal(bn.running_mean, torch.full((2, ), 3.0))


def test_rng_state_restored_on_resume_only():
    hook = RNGStateHook()
    checkpoint = dict(meta=dict(iter=3))
    torch.manual_seed(123)
    hook.before_save_checkpoint(None, checkpoint)
    expected = torch.rand(4)  # what the uninterrupted run draws next
    assert torch.equal(checkpoint['meta']['torch_rng_state']['cpu'],
                       torch.manual_seed(123).get_state())
    # Resume: the state is put back before the first resumed iteration.
    torch.manual_seed(0)
    hook.after_load_checkpoint(None, checkpoint)
    hook.before_train_iter(_Runner(None, it=3), 0)
    assert torch.equal(torch.rand(4), expected)
    # load_from (iteration counter not restored): the stream is untouched.
    torch.manual_seed(0)
    reference = torch.rand(4)
    torch.manual_seed(0)
    hook.after_load_checkpoint(None, checkpoint)
    hook.before_train_iter(_Runner(None, it=0), 0)
    assert torch.equal(torch.rand(4), reference)
    # Checkpoints of other tools (no state) are fine.
    hook.after_load_checkpoint(None, dict(meta=dict(iter=1)))
    hook.before_train_iter(_Runner(None, it=1), 0)


def test_plain_checkpoint_keys():
    class Model(nn.Module):

        def __init__(self):
            super().__init__()
            self.generator = _TestWrapper(nn.Linear(2, 2))
            self.discriminator = nn.Linear(2, 1)

    model = Model()
    runner = _Runner(model)
    hook = PlainCheckpointKeysHook()
    checkpoint = dict(state_dict=model.state_dict())
    assert 'generator.module.weight' in checkpoint['state_dict']
    hook.before_save_checkpoint(runner, checkpoint)
    assert set(checkpoint['state_dict']) == {
        'generator.weight', 'generator.bias', 'discriminator.weight',
        'discriminator.bias'}
    # An old checkpoint with the DDP infix loads as plain keys.
    old = dict(state_dict={'generator.module.weight': torch.zeros(2, 2),
                           'discriminator.weight': torch.zeros(1, 2)})
    hook.after_load_checkpoint(runner, old)
    assert set(old['state_dict']) == {'generator.weight',
                                      'discriminator.weight'}
