"""Issue 13 item 4: in every config the training loop, the sampler and the
schedulers' units (by_epoch) agree -- an EpochBasedTrainLoop over an
InfiniteSampler never ends its first epoch."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

import mmsemsyn  # noqa: F401
from mmsemsyn.engine.train_checks import (
    check_train_schedule,
    iter_schedulers,
    loop_kind,
    schedule_problems,
)
from mmsemsyn.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_loop_sampler_and_scheduler_units_agree(path):
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(path)
    kind = loop_kind(cfg.get('train_cfg'))
    assert kind in ('epoch', 'iter'), (
        f'{osp.relpath(path, REPO)}: unknown train loop {cfg.train_cfg}')
    sampler = cfg.train_dataloader.get('sampler', {}).get('type', '')
    if kind == 'epoch':
        assert 'InfiniteSampler' not in str(sampler), path
    for key, sched in iter_schedulers(cfg.get('param_scheduler')):
        by_epoch = sched.get('by_epoch', True)
        if kind == 'iter':
            assert not by_epoch, f'{path}: {key}'
        else:
            assert by_epoch or sched.get('convert_to_iter_based'), \
                f'{path}: {key}'
    check_train_schedule(cfg, path)  # and the check tools/train.py runs


def _cfg(loop, sampler, schedulers):
    return Config(dict(
        train_cfg=loop,
        train_dataloader=dict(batch_size=1, sampler=dict(type=sampler)),
        param_scheduler=schedulers))


def test_check_names_each_disagreement_and_the_fix():
    epoch = dict(type='EpochBasedTrainLoop', max_epochs=2)
    linear = dict(type='LinearLR', by_epoch=True, begin=1, end=2)
    # the Lab2Pix-V2 case
    with pytest.raises(ValueError, match=r"(?s)x\.py.*InfiniteSampler.*"
                       r"epoch never ends.*DefaultSampler.*_delete_=True"):
        check_train_schedule(
            _cfg(epoch, 'InfiniteSampler',
                 dict(generator=[linear], discriminator=[linear])), 'x.py')
    # mmengine's by_epoch default (True) under an iteration loop
    problems = schedule_problems(_cfg(
        dict(type='IterBasedTrainLoop', max_iters=10), 'InfiniteSampler',
        dict(generator=[dict(type='LinearLR')])))
    assert len(problems) == 1
    assert 'param_scheduler.generator[0] (LinearLR)' in problems[0]
    assert 'never steps' in problems[0]
    # iterations under an epoch loop, unless converted
    iters = dict(type='LinearLR', by_epoch=False, begin=100, end=200)
    assert 'count iterations' in schedule_problems(
        _cfg(epoch, 'DefaultSampler', [iters]))[0]
    assert schedule_problems(_cfg(epoch, 'DefaultSampler', [
        dict(iters, convert_to_iter_based=True)])) == []
    # mmengine's type-less form and consistent configs pass
    assert schedule_problems(_cfg(
        dict(by_epoch=True, max_epochs=1), 'mmengine.DefaultSampler',
        [linear])) == []
    assert schedule_problems(_cfg(
        dict(type='IterBasedTrainLoop', max_iters=4), 'InfiniteSampler',
        dict(type='LinearLR', by_epoch=False))) == []
