"""Checks that a training config can run as written, before anything is
built: the loop, the sampler and the learning-rate schedule must agree.

mmengine accepts any combination, and the wrong ones fail silently:

- ``EpochBasedTrainLoop`` + ``InfiniteSampler``: the sampler never raises
  ``StopIteration``, so the first epoch never ends, no by-epoch scheduler
  ever steps and training never stops;
- ``IterBasedTrainLoop`` + a ``by_epoch=True`` scheduler: the iteration loop
  calls no epoch hooks, so the scheduler never steps (the lr never decays);
- ``EpochBasedTrainLoop`` + a ``by_epoch=False`` scheduler: ``begin``/``end``
  are read as iterations, so a decay written in epochs starts hundreds of
  times too early (set ``convert_to_iter_based=True`` for an iteration-
  granular schedule written in epochs).

:func:`check_train_schedule` raises a ``ValueError`` naming the config keys
and the fix; ``tools/train.py`` calls it before the Runner is built and the
config test suite calls it on every shipped config.
"""
from typing import Iterator, List, Optional, Tuple

EPOCH_LOOPS = ('EpochBasedTrainLoop', )
ITER_LOOPS = ('IterBasedTrainLoop', )
INFINITE_SAMPLERS = ('InfiniteSampler', )


def _short(type_name) -> str:
    """'mmengine.InfiniteSampler' / a class → 'InfiniteSampler'."""
    if isinstance(type_name, type):
        return type_name.__name__
    return str(type_name).rsplit('.', 1)[-1]


def loop_kind(train_cfg) -> Optional[str]:
    """'epoch', 'iter' or None (unknown custom loop) for a ``train_cfg``.

    mmengine also accepts ``train_cfg=dict(by_epoch=True, ...)`` without a
    type. A custom loop counts as the mmengine loop it subclasses.
    """
    if not train_cfg:
        return None
    loop_type = train_cfg.get('type')
    if loop_type is None:
        by_epoch = train_cfg.get('by_epoch')
        return None if by_epoch is None else ('epoch' if by_epoch else 'iter')
    name = _short(loop_type)
    if name in EPOCH_LOOPS:
        return 'epoch'
    if name in ITER_LOOPS:
        return 'iter'
    try:
        from mmengine.registry import LOOPS
        from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
        cls = loop_type if isinstance(loop_type, type) else LOOPS.get(
            loop_type)
    except Exception:  # noqa: BLE001 -- an unregistered scope prefix
        cls = None
    if isinstance(cls, type):
        if issubclass(cls, EpochBasedTrainLoop):
            return 'epoch'
        if issubclass(cls, IterBasedTrainLoop):
            return 'iter'
    return None


def iter_schedulers(param_scheduler) -> Iterator[Tuple[str, dict]]:
    """(config key, scheduler cfg) for a ``param_scheduler`` that is one
    dict, a list, or a dict of lists keyed by optimizer (generator /
    discriminator)."""
    if not param_scheduler:
        return
    if isinstance(param_scheduler, dict) and 'type' in param_scheduler:
        yield 'param_scheduler', param_scheduler
        return
    if isinstance(param_scheduler, dict):
        for name, value in param_scheduler.items():
            for key, sched in iter_schedulers(value):
                yield key.replace('param_scheduler',
                                  f'param_scheduler.{name}', 1), sched
        return
    for i, sched in enumerate(param_scheduler):
        if isinstance(sched, dict):
            yield f'param_scheduler[{i}]', sched


def schedule_problems(cfg) -> List[str]:
    """Every disagreement between loop, sampler and scheduler units."""
    kind = loop_kind(cfg.get('train_cfg'))
    if kind is None:
        return []
    loop = _short(cfg.train_cfg.get('type', f'{kind}-based loop'))
    problems = []
    loader = cfg.get('train_dataloader') or {}
    sampler = loader.get('sampler') or {}
    sampler_type = _short(sampler.get('type', ''))
    if kind == 'epoch' and sampler_type in INFINITE_SAMPLERS:
        problems.append(
            f'train_cfg is {loop} but train_dataloader.sampler is '
            f'{sampler_type}: an epoch never ends, so by-epoch lr decay never '
            'starts and training never stops. Use '
            "train_dataloader.sampler=dict(type='DefaultSampler', "
            "shuffle=True) (add _delete_=True when a base config sets "
            'InfiniteSampler), or an IterBasedTrainLoop.')
    for key, sched in iter_schedulers(cfg.get('param_scheduler')):
        # mmengine's schedulers default to by_epoch=True.
        by_epoch = sched.get('by_epoch', True)
        name = _short(sched.get('type', 'scheduler'))
        if kind == 'iter' and by_epoch:
            problems.append(
                f'{key} ({name}) has by_epoch=True but train_cfg is {loop}: '
                'an iteration loop runs no epoch hooks, so this scheduler '
                'never steps. Set by_epoch=False with begin/end in '
                'iterations.')
        elif kind == 'epoch' and not by_epoch and \
                not sched.get('convert_to_iter_based', False):
            problems.append(
                f'{key} ({name}) has by_epoch=False but train_cfg is {loop}: '
                'its begin/end count iterations, not epochs. Set '
                'by_epoch=True (begin/end in epochs), or add '
                'convert_to_iter_based=True to step per iteration with '
                'begin/end in epochs.')
    return problems


def check_train_schedule(cfg, config_path: str = '') -> None:
    """Raise ``ValueError`` listing every problem of
    :func:`schedule_problems`; do nothing for a consistent config."""
    problems = schedule_problems(cfg)
    if problems:
        where = f' {config_path!r}' if config_path else ''
        raise ValueError(
            f'Config{where} cannot train as written:\n- '
            + '\n- '.join(problems))
