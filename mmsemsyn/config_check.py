"""Check ``--cfg-options`` keys against the config before anything is built.

mmengine merges any ``--cfg-options`` key into the config: a top-level typo
(``train_dataloder.batch_size=2``) is silently ignored, and a nested one
(``model.generatr.ngf=8``, ``train_cfg.max_epoch=1``) surfaces much later as
a bare ``TypeError`` from a constructor. :func:`check_cfg_options` walks
every key, part by part, and stops at the first part that names nothing:

- a part that exists in the config is followed;
- a new part is accepted where it is a valid argument of what that dict
  builds: the registered class of its ``type`` (its ``__init__`` and, where
  that takes ``**kwargs``, its bases'), the loop mmengine picks for an
  untyped ``train_cfg``, ``torch.utils.data.DataLoader`` for a
  ``*_dataloader``, mmengine ``Runner`` arguments at the top level, the
  ``env_cfg`` / ``randomness`` keys mmengine reads;
- a new component is accepted where the same options give it a ``type``
  (``custom_hooks.2.type=...`` / ``default_hooks.foo.type=...``);
- anything else raises :class:`ConfigKeyError` with the key, the nearest
  valid names (``difflib``) and the corrected option.
"""
import difflib
import inspect
from typing import Dict, Iterable, List, Optional, Sequence

__all__ = ['ConfigKeyError', 'check_cfg_options']


class ConfigKeyError(KeyError):
    """An unknown ``--cfg-options`` key (a ``KeyError`` whose message reads
    as plain text)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


# Keys mmengine's Runner reads besides its __init__ arguments.
_RUNNER_EXTRA = ('model_wrapper_cfg', 'compile', 'sync_bn', 'custom_imports',
                 'work_dir', 'launcher', 'default_scope', 'val_interval')
_ENV_CFG = ('cudnn_benchmark', 'mp_cfg', 'dist_cfg', 'resource_limit')
_MP_CFG = ('mp_start_method', 'opencv_num_threads')
_INJECTED = ('runner', 'dataloader', 'evaluator')
_RANDOMNESS = ('seed', 'diff_rank_seed', 'deterministic')
# Dicts whose keys are free-form (passed through to a function as kwargs,
# or data rather than arguments).
_OPEN_DICTS = ('metainfo', 'dist_cfg', 'backend_args', 'custom_keys',
               'init_cfg', 'label_map', 'dataset_cfg')
# Dicts without ``type`` that their owner builds as a fixed type: their keys
# are checked against that type's arguments (``model.ema.momentun=0.9``
# failed only at build time with a bare TypeError).
_IMPLIED_TYPES = {('model', 'ema'): 'GeneratorEMA'}


def _registries(path: Sequence[str]) -> List:
    """The registries to resolve a ``type`` at ``path``, most likely
    first (the same name can exist in several)."""
    from mmsemsyn import registry as r
    first = path[0] if path else ''
    hints = []
    if 'pipeline' in path:
        hints.append(r.TRANSFORMS)
    if first.endswith('_dataloader'):
        hints += [r.DATA_SAMPLERS if 'sampler' in path else r.DATASETS]
    hints += {
        'model': [r.MODELS],
        'default_hooks': [r.HOOKS],
        'custom_hooks': [r.HOOKS],
        'train_cfg': [r.LOOPS],
        'val_cfg': [r.LOOPS],
        'test_cfg': [r.LOOPS],
        'val_evaluator': [r.METRICS, r.EVALUATOR],
        'test_evaluator': [r.METRICS, r.EVALUATOR],
        'optim_wrapper': [r.OPTIMIZERS if 'optimizer' in path else
                          r.OPTIM_WRAPPERS],
        'param_scheduler': [r.PARAM_SCHEDULERS],
        'visualizer': [r.VISBACKENDS if 'vis_backends' in path else
                       r.VISUALIZERS],
        'vis_backends': [r.VISBACKENDS],
        'log_processor': [r.LOG_PROCESSORS],
        'model_wrapper_cfg': [r.MODEL_WRAPPERS],
    }.get(first, [])
    every = [v for v in vars(r).values()
             if type(v).__name__ == 'Registry' and v not in hints]
    return hints + every


def _resolve_type(type_name, path: Sequence[str]):
    if inspect.isclass(type_name):
        return type_name
    if not isinstance(type_name, str):
        return None
    for reg in _registries(path):
        try:
            cls = reg.get(type_name)
        except Exception:  # noqa: BLE001 (scopes of packages not installed)
            cls = None
        if cls is not None:
            return cls
    return None


def _init_arguments(cls) -> Optional[List[str]]:
    """Keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up the
    bases; None when they cannot be known (``**kwargs`` to the end, or a
    function that is not a class)."""
    import torch.nn as nn
    if not inspect.isclass(cls):
        try:
            params = inspect.signature(cls).parameters
        except (TypeError, ValueError):
            return None
        if any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return None
        return [n for n in params]
    names = []
    for klass in cls.__mro__:
        if klass in (object, nn.Module) or '__init__' not in vars(klass):
            if klass in (object, nn.Module):
                return names
            continue
        try:
            params = inspect.signature(klass.__init__).parameters
        except (TypeError, ValueError):
            return None
        names += [n for n, p in params.items()
                  if n != 'self' and p.kind not in (p.VAR_POSITIONAL,
                                                    p.VAR_KEYWORD)]
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return names
    return None


def _untyped_arguments(path: Sequence[str], node: dict
                       ) -> Optional[List[str]]:
    """Valid new keys of a dict without ``type``, by its place in the
    config; None where any key may be valid."""
    if not path:
        from mmengine.runner import Runner
        return [n for n in inspect.signature(Runner.__init__).parameters
                if n != 'self'] + list(_RUNNER_EXTRA)
    last = path[-1]
    if len(path) == 1 and last.endswith('_dataloader'):
        from torch.utils.data import DataLoader
        return [n for n in inspect.signature(DataLoader.__init__).parameters
                if n != 'self']
    if len(path) == 1 and last == 'train_cfg':
        from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
        loop = EpochBasedTrainLoop if node.get('by_epoch') else \
            IterBasedTrainLoop
        return [n for n in _init_arguments(loop) if n not in (
            'runner', 'dataloader')] + ['by_epoch']
    if len(path) == 1 and last in ('val_cfg', 'test_cfg'):
        from mmengine.runner import ValLoop
        return [n for n in _init_arguments(ValLoop)
                if n not in ('runner', 'dataloader', 'evaluator')]
    if path == ['env_cfg']:
        return list(_ENV_CFG)
    if path == ['env_cfg', 'mp_cfg']:
        return list(_MP_CFG)
    if path == ['randomness']:
        return list(_RANDOMNESS)
    if last in _OPEN_DICTS or (path[0] == 'optim_wrapper'
                               and 'paramwise_cfg' in path):
        return None
    return []


def _new_component(options: Iterable[str], prefix: str) -> bool:
    return f'{prefix}.type' in options


def _fail(full_key: str, value, parts: Sequence[str], depth: int,
          where: str, candidates: Sequence[str], config_path: str):
    bad = parts[depth]
    # Filled in by the Runner, never by a config.
    candidates = [c for c in candidates if c not in _INJECTED]
    close = difflib.get_close_matches(bad, candidates, n=3, cutoff=0.6)
    head = '.'.join(parts[:depth]) or '<top level>'
    msg = (f'--cfg-options {full_key}: {bad!r} is not a key of {where} '
           f'({head} in {config_path})')
    if close:
        fixed = '.'.join(list(parts[:depth]) + [close[0]] +
                         list(parts[depth + 1:]))
        msg += f'. Nearest valid names: {close}. Fix: --cfg-options ' \
            f'{fixed}={value}'
    else:
        shown = sorted(candidates)
        msg += (f'. Valid names there: {shown[:40]}'
                f'{" ..." if len(shown) > 40 else ""}. Fix: use one of them')
    raise ConfigKeyError(msg + '. Nothing was built.')


def check_cfg_options(cfg, options: Dict[str, object],
                      config_path: str) -> None:
    """Raise :class:`ConfigKeyError` for the first ``--cfg-options`` key
    that names nothing in ``cfg`` (see the module docstring).

    Args:
        cfg: the loaded :class:`mmengine.config.Config` (before merging).
        options: ``{dotted key: value}`` as ``DictAction`` parses them.
        config_path: named in the message.
    """
    root = cfg._cfg_dict.to_dict() if hasattr(cfg, '_cfg_dict') else cfg
    for full_key, value in options.items():
        parts = full_key.split('.')
        node = root
        for depth, part in enumerate(parts):
            path = parts[:depth]
            if isinstance(node, (list, tuple)):
                if part.isdigit() and int(part) < len(node):
                    node = node[int(part)]
                    continue
                if part.isdigit() and _new_component(
                        options, '.'.join(parts[:depth + 1])):
                    break
                raise ConfigKeyError(
                    f'--cfg-options {full_key}: {".".join(path)} in '
                    f'{config_path} is a list of {len(node)} items; {part!r}'
                    f' is not an index 0..{len(node) - 1}. Nothing was '
                    'built.')
            if not isinstance(node, dict):
                raise ConfigKeyError(
                    f'--cfg-options {full_key}: {".".join(path)} in '
                    f'{config_path} is a value ({node!r}), not a dict, so it'
                    f' has no key {part!r}. Fix: --cfg-options '
                    f'{".".join(path)}=<value>. Nothing was built.')
            if part in node:
                node = node[part]
                continue
            # A new key: valid only as an argument of what this dict builds.
            implied = _IMPLIED_TYPES.get(tuple(path))
            if 'type' in node or implied:
                cls = _resolve_type(node.get('type', implied), path)
                if cls is None:
                    break  # a type we cannot resolve (another package)
                accepted = _init_arguments(cls)
                where = f'{getattr(cls, "__name__", cls)} (its arguments)'
            else:
                accepted = _untyped_arguments(path, node)
                where = 'the config' if not path else 'this dict'
            if accepted is not None and part in accepted and \
                    (*path, part) in _IMPLIED_TYPES:
                node = {}  # a new dict of an implied type: check its keys
                continue
            if accepted is None or part in accepted or _new_component(
                    options, '.'.join(parts[:depth + 1])):
                break
            _fail(full_key, value, parts, depth, where,
                  sorted(set(accepted) | set(node)), config_path)
