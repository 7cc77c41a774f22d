"""Issue 13 items 6, 7, 15 and 19 (workers): config typos stop before
anything is built, one run per work dir, fast ``--help`` with help text for
every option, dataloader workers capped by the CPU count."""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
from tiny_train_configs import REPO, load_tool, write_tiny_config

from mmsemsyn.config_check import ConfigKeyError
from mmsemsyn.work_dir_lock import (
    LOCK_NAME,
    RECORD_NAME,
    WorkDirInUseError,
    acquire_work_dir,
)

train_tool = load_tool('train')


@pytest.fixture
def cfg(tmp_path):
    return write_tiny_config(tmp_path, size=32, iters=1)


@pytest.mark.parametrize('option, fix', [
    # top level, nested under an untyped loop config, nested model typo
    ('train_dataloder.batch_size=2', 'train_dataloader.batch_size=2'),
    ('train_cfg.max_iter=1', 'train_cfg.max_iters=1'),
    ('model.generatr.ngf=8', 'model.generator.ngf=8'),
    ('model.generator.ngff=8', 'model.generator.ngf=8'),
    ('default_hooks.loger.interval=1', 'default_hooks.logger.interval=1'),
    # a new dict without ``type`` (the EMA option): checked as GeneratorEMA
    ('model.ema.momentun=0.99', 'model.ema.momentum=0.99'),
])
def test_cfg_option_typos_stop_before_build(cfg, option, fix, monkeypatch):
    from mmengine.runner import Runner

    def built(*args, **kwargs):
        raise AssertionError('the runner was built despite a typo')

    monkeypatch.setattr(Runner, 'from_cfg', built)
    with pytest.raises(ConfigKeyError) as err:
        train_tool.main([cfg, '--cfg-options', option])
    msg = str(err.value)
    bad = option.split('=')[0]
    assert bad in msg and f'Fix: --cfg-options {fix}' in msg, msg
    assert 'Nearest valid names' in msg


@pytest.mark.parametrize('tool', [
    'misc/print_config', 'analysis_tools/check_dataset',
    'analysis_tools/browse_dataset', 'analysis_tools/get_flops'])
def test_cfg_option_typos_stop_every_tool(cfg, tool, tmp_path):
    # The tools that take --cfg-options besides train/test/infer stop on a
    # typo too (they merged it and printed, checked or measured the config
    # without the intended change).
    with pytest.raises(ConfigKeyError) as err:
        load_tool(tool).main([cfg, '--cfg-options', 'model.generatr.ngf=8'])
    assert 'Fix: --cfg-options model.generator.ngf=8' in str(err.value)


def test_cfg_option_valid_keys_pass(cfg):
    built = train_tool.build_cfg(train_tool.parse_args([
        cfg, '--cfg-options', 'model.generator.use_dropout=False',
        'train_dataloader.batch_size=1', 'train_cfg.val_interval=5',
        'train_dataloader.drop_last=True', 'env_cfg.cudnn_benchmark=True',
        'randomness.seed=3', 'custom_hooks.0.interval=7',
        'default_hooks.checkpoint.max_keep_ckpts=1']))
    assert built.model.generator.use_dropout is False
    assert built.train_dataloader.drop_last is True
    assert built.custom_hooks[0].interval == 7
    ema = train_tool.build_cfg(train_tool.parse_args([
        cfg, '--cfg-options', 'model.ema.momentum=0.99',
        'model.ema.start_iter=2'])).model.ema
    assert ema == dict(momentum=0.99, start_iter=2)
    # Index past a list's end, and a key below a plain value.
    for option, words in (('custom_hooks.5.interval=1', 'is a list'),
                          ('train_cfg.max_iters.x=1', 'not a dict')):
        with pytest.raises(ConfigKeyError, match=words):
            train_tool.build_cfg(train_tool.parse_args(
                [cfg, '--cfg-options', option]))


def test_live_run_holds_the_work_dir(tmp_path, cfg):
    work = str(tmp_path / 'work')
    lock = acquire_work_dir(work, cfg)  # this process: alive
    with pytest.raises(WorkDirInUseError, match='live run') as err:
        acquire_work_dir(work, cfg)
    assert str(os.getpid()) in str(err.value)
    with pytest.raises(WorkDirInUseError, match='live run'):
        train_tool.main([cfg, '--work-dir', work])
    lock.release()
    assert not osp.exists(osp.join(work, LOCK_NAME))
    # A lock left by a killed run (its pid is gone) is taken over.
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    with open(osp.join(work, LOCK_NAME), 'w') as f:
        json.dump(dict(pid=dead.pid, host=os.uname().nodename,
                       config='x.py'), f)
    acquire_work_dir(work, cfg).release()


def test_finished_run_of_another_config(tmp_path, cfg):
    work = tmp_path / 'work'
    runner = train_tool.main([cfg, '--work-dir', str(work)])
    assert runner.iter == 1 and (work / 'iter_1.pth').is_file()
    record = json.loads((work / RECORD_NAME).read_text())
    assert record['status'] == 'finished' and record['config'] == cfg
    assert not (work / LOCK_NAME).exists()
    other = write_tiny_config(tmp_path, size=32, iters=1, name='other.py')
    for extra in ([], ['--resume']):
        with pytest.raises(WorkDirInUseError, match='another config') as e:
            train_tool.main([other, '--work-dir', str(work), *extra])
        assert '--overwrite-work-dir' in str(e.value)
    assert json.loads((work / RECORD_NAME).read_text())['config'] == cfg
    # Same config again (resume) and the explicit overwrite are allowed.
    acquire_work_dir(str(work), cfg, resume=True).release()
    acquire_work_dir(str(work), other, overwrite=True).release()
    assert json.loads((work / RECORD_NAME).read_text())['config'] == \
        osp.abspath(other)


def test_unrecorded_checkpoints_are_not_called_this_config(tmp_path, cfg,
                                                           capsys):
    work = tmp_path / 'old'
    work.mkdir()
    (work / 'iter_10.pth').write_bytes(b'')  # a run without a record
    acquire_work_dir(str(work), cfg).release()
    out = capsys.readouterr().out
    assert 'of a run that left no mmsemsyn_run.json' in out
    assert 'of this config' not in out


@pytest.mark.parametrize('tool', [
    'train', 'test', 'infer',
    # the README's other everyday tools
    'analysis_tools/check_dataset', 'analysis_tools/browse_dataset',
    'analysis_tools/get_flops', 'analysis_tools/analyze_logs',
    'misc/print_config', 'dataset_converters/cityscapes'])
def test_help_is_fast_and_complete(tool, monkeypatch):
    # --help imports neither torch nor mmseg ...
    code = ('import runpy, sys\n'
            f'sys.argv = ["{tool}.py", "--help"]\n'
            'try:\n'
            f'    runpy.run_path("tools/{tool}.py", run_name="__main__")\n'
            'except SystemExit:\n'
            '    pass\n'
            'print("heavy:", sorted(m for m in ("torch", "mmseg", "mmsemsyn")'
            ' if m in sys.modules))\n')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert 'heavy: []' in out.stdout, out.stdout + out.stderr
    # ... and every option and positional argument has help text.
    seen = []
    original = argparse.ArgumentParser.add_argument

    def record(self, *args, **kwargs):
        seen.append((args, kwargs.get('help')))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(argparse.ArgumentParser, 'add_argument', record)
    with pytest.raises(SystemExit):
        load_tool(tool).parse_args(['--help'])
    missing = [a for a, h in seen if not h and a != ('-h', '--help')]
    assert seen and not missing, missing


def test_dataloader_workers_capped_by_cpus(cfg):
    built = train_tool.build_cfg(train_tool.parse_args([
        cfg, '--cfg-options', 'test_dataloader.num_workers=512',
        'train_dataloader.num_workers=0']))
    cpus = len(os.sched_getaffinity(0))
    assert built.test_dataloader.num_workers == min(512, cpus)
    assert built.train_dataloader.num_workers == 0
