"""tools/train.py end to end (tiny sizes) and its config handling."""
import glob
import os.path as osp

import cv2
import pytest
import torch
from mmengine.config import Config
from tiny_train_configs import PIX2PIX_SYNTHETIC, load_tool, write_tiny_config

train_tool = load_tool('train')


def _state(path):
    return torch.load(path, map_location='cpu')['state_dict']


def test_train_writes_checkpoint_and_samples(tmp_path):
    cfg = write_tiny_config(tmp_path, size=32, iters=2)
    work = tmp_path / 'work'
    runner = train_tool.main([cfg, '--work-dir', str(work)])
    assert runner.iter == 2
    assert osp.isfile(work / 'iter_2.pth')
    state = _state(work / 'iter_2.pth')
    # Keys are plain (no DDP infix), generator and discriminator both saved.
    assert any(k.startswith('generator.') for k in state)
    assert any(k.startswith('discriminator.') for k in state)
    assert not any('.module.' in k for k in state)
    grid = cv2.imread(str(work / 'vis' / 'iter_0000002.png'))
    assert grid is not None and grid.shape[0] >= 32
    # Every loss term is logged under its own name.
    logs = glob.glob(str(work / '*' / '*.log'))
    text = open(logs[0]).read()
    for name in ('loss_gan', 'loss_l1', 'loss_d_fake', 'loss_d_real',
                 'loss_disc', 'loss_gen'):
        assert name in text


def test_resume_is_exact(tmp_path):
    """2 iterations in one go == 1 + resume 1, bit for bit.

    64 px with num_downs=6 so the U-Net has a dropout block (the torch RNG
    must continue across the resume, see RNGStateHook); random flips come
    from Python's RNG, which the data-loader replay reproduces.
    """
    cfg = write_tiny_config(tmp_path, size=64, num_downs=6, iters=2,
                            extra="default_hooks = dict(checkpoint=dict("
                            "interval=1))\n")
    straight, split = tmp_path / 'straight', tmp_path / 'split'
    train_tool.main([cfg, '--work-dir', str(straight)])
    train_tool.main([cfg, '--work-dir', str(split), '--cfg-options',
                     'train_cfg.max_iters=1'])
    assert osp.isfile(split / 'iter_1.pth')
    runner = train_tool.main([cfg, '--work-dir', str(split), '--resume'])
    assert runner.iter == 2
    a, b = _state(straight / 'iter_2.pth'), _state(split / 'iter_2.pth')
    assert a.keys() == b.keys()
    assert any('running_mean' in k for k in a)  # BN buffers compared too
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differ, differ[:5]
    # ... and the second iteration did change the weights.
    first = _state(split / 'iter_1.pth')
    assert any(not torch.equal(first[k], a[k]) for k in a
               if k.endswith('weight'))


def test_resume_loads_weights_only_checkpoint(tmp_path):
    """torch >= 2.6 loads with weights_only=True: the message hub's
    HistoryBuffers must unpickle through mmsemsyn.compat's allow-list."""
    cfg = write_tiny_config(tmp_path, iters=1)
    train_tool.main([cfg, '--work-dir', str(tmp_path / 'w')])
    ckpt = torch.load(tmp_path / 'w' / 'iter_1.pth', weights_only=True)
    assert 'message_hub' in ckpt and 'torch_rng_state' in ckpt['meta']


def _args(cfg, *extra):
    return train_tool.parse_args([cfg, *extra])


def test_unknown_model_key_in_cfg_options(tmp_path):
    cfg = write_tiny_config(tmp_path)
    with pytest.raises(KeyError) as err:
        train_tool.build_cfg(_args(cfg, '--cfg-options',
                                   'model.generator.ngff=8'))
    msg = str(err.value)
    assert 'ngff' in msg and 'UnetGenerator' in msg and 'ngf' in msg
    # Existing keys and new-but-valid arguments pass.
    built = train_tool.build_cfg(_args(
        cfg, '--cfg-options', 'model.generator.ngf=8',
        'model.generator.use_dropout=False'))
    assert built.model.generator.ngf == 8


def test_unknown_type_names_it(tmp_path):
    cfg = write_tiny_config(
        tmp_path, extra="model = dict(generator=dict(_delete_=True, "
        "type='NoSuchGenerator', in_channels=6))\n")
    with pytest.raises(KeyError, match='NoSuchGenerator'):
        train_tool.main([cfg, '--work-dir', str(tmp_path / 'w')])


def test_missing_config_and_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        train_tool.build_cfg(_args(str(tmp_path / 'nope.py')))
    cfg = write_tiny_config(tmp_path)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        train_tool.build_cfg(_args(cfg, '--resume',
                                   str(tmp_path / 'missing.pth')))


def test_amp_rewrites_every_optim_wrapper(tmp_path, monkeypatch):
    cfg = write_tiny_config(tmp_path)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: True)
    built = train_tool.build_cfg(_args(cfg, '--amp'))
    for key in ('generator', 'discriminator'):
        sub = built.optim_wrapper[key]
        # bf16: autocast without loss scaling (issue 14 item 5)
        assert sub.type == 'AutocastOptimWrapper'
        assert 'loss_scale' not in sub and sub.dtype == 'bfloat16'
    assert built.optim_wrapper.constructor == 'SynOptimWrapperConstructor'
    for flags in (('--amp', 'fp16'), ('--amp', '--amp-dtype', 'float16')):
        built = train_tool.build_cfg(_args(cfg, *flags))
        sub = built.optim_wrapper.generator
        assert sub.type == 'AmpOptimWrapper'
        assert sub.dtype == 'float16' and sub.loss_scale == 'dynamic'
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: False)
    built = train_tool.build_cfg(_args(cfg, '--amp'))
    assert built.optim_wrapper.generator.type == 'AmpOptimWrapper'


def test_amp_on_the_cpu_is_bf16_and_fp16_a_clear_error(tmp_path,
                                                       monkeypatch):
    cfg = write_tiny_config(tmp_path)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    for flags in (('--amp', ), ('--amp', 'bf16')):
        built = train_tool.build_cfg(_args(cfg, *flags))
        assert built.optim_wrapper.generator.type == 'AutocastOptimWrapper'
    with pytest.raises(RuntimeError, match='--amp fp16 needs a GPU'):
        train_tool.build_cfg(_args(cfg, '--amp', 'fp16'))


def test_cpu_distributed_config(tmp_path, monkeypatch):
    cfg = write_tiny_config(tmp_path)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    built = train_tool.build_cfg(_args(cfg, '--launcher', 'pytorch'))
    assert built.env_cfg.dist_cfg.backend == 'gloo'
    assert built.model_wrapper_cfg.type == \
        'MMSeparateDistributedDataParallel'
    assert built.model_wrapper_cfg.device_ids is None
    # Single process: untouched.
    built = train_tool.build_cfg(_args(cfg))
    assert built.env_cfg.dist_cfg.backend == 'nccl'


def test_cpu_processes_drop_sync_bn(tmp_path, monkeypatch, capsys):
    """SyncBatchNorm is CUDA-only: a CPU dist run of a SPADE-family config
    would crash in its first forward."""
    cfg = write_tiny_config(tmp_path, extra="sync_bn = 'torch'\n")
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    built = train_tool.build_cfg(_args(cfg, '--launcher', 'pytorch'))
    assert built.sync_bn is None
    assert 'SyncBatchNorm runs on CUDA only' in capsys.readouterr().out
    assert train_tool.build_cfg(_args(cfg)).sync_bn == 'torch'


def test_default_runtime_hooks():
    cfg = Config.fromfile(PIX2PIX_SYNTHETIC)
    hooks = cfg.default_hooks
    assert hooks.sync_buffers.type == 'BufferSyncHook'
    assert hooks.rng_state.type == 'RNGStateHook'
    assert hooks.checkpoint_keys.type == 'PlainCheckpointKeysHook'
    assert hooks.trainability_check.type == 'TrainabilityCheckHook'
