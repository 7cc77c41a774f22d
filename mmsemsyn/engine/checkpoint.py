"""How a checkpoint reaches a model: one key revision, one fit check, one
loader.

- :func:`revise_keys_for` is the only place that says how a file's keys
  map to a model's: no outer ``module.`` (a wrapped model) and no
  ``<network>.module.`` infix (a network wrapped in DDP by
  ``MMSeparateDistributedDataParallel``). It is in mmengine's
  ``revise_keys`` form (``[(pattern, replacement), ...]``), so the same
  list serves :func:`load_model_checkpoint`, mmengine's loader and
  :class:`~mmsemsyn.engine.hooks.checkpoint_keys_hook.PlainCheckpointKeysHook`.
- :func:`check_checkpoint_fit` is the strict fit check: mmengine loads
  non-strictly (a warning only), so a checkpoint of another model, width or
  number of classes would load partly and silently; here it raises a
  ``ValueError`` naming the file, the missing / unexpected / mis-shaped
  entries and the fix.
- :func:`load_model_checkpoint` reads a file once (mmengine's
  ``CheckpointLoader``: local files through mmsemsyn's safe reader, URLs
  through mmengine's download cache), checks the fit and loads it with
  mmengine's ``_load_checkpoint_to_model(..., revise_keys=...)`` -- the
  loading half of ``mmengine.runner.load_checkpoint`` (which would read the
  file a second time after the check). The inferencer uses it.
- :class:`CheckpointFitHook` runs the same check on the checkpoint the
  Runner has just read (``load_from``), before mmengine loads it:
  ``tools/test.py`` reads its checkpoint once.
- :func:`check_load_from` is ``tools/train.py --load-from``'s loose check
  (a warm start may load a part, but not nothing).
"""
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmsemsyn.registry import HOOKS

__all__ = [
    'TRAINING_ONLY', 'revise_keys_for', 'revise_state_dict',
    'checkpoint_state_dict', 'check_checkpoint_fit', 'load_model_checkpoint',
    'CheckpointFitHook', 'check_load_from'
]

#: Networks of a synthesizer that generation does not use. The inferencer
#: builds the model without them (no VGG/Inception download, no
#: discriminator; a synthesizer class whose constructor needs one of them
#: sets its own ``training_only`` tuple) and the fit check of
#: ``tools/test.py`` skips them.
TRAINING_ONLY = ('discriminator', 'losses')

RevisedKeys = List[Tuple[str, str]]


def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if is_model_wrapper(model) else model


def revise_keys_for(model: torch.nn.Module) -> RevisedKeys:
    """mmengine ``revise_keys`` that turn a checkpoint's keys into the ones
    ``model`` loads (``generator.conv.weight``).

    Removes an outer ``module.`` and, for every direct child of the model,
    the ``<child>.module.`` infix of a DDP-wrapped network (files of
    distributed runs written before :class:`PlainCheckpointKeysHook`
    existed carry it). A child that owns a genuine submodule called
    ``module`` (not a wrapper) keeps its keys.
    """
    model = _unwrap(model)
    keys = [(r'^module\.', '')]
    for name, child in model.named_children():
        if is_model_wrapper(child) or not hasattr(child, 'module'):
            keys.append((rf'^{re.escape(name)}\.module\.', f'{name}.'))
    return keys


def revise_state_dict(state: Dict[str, object], revise_keys: RevisedKeys,
                      inplace: bool = False) -> Dict[str, object]:
    """``state`` with ``revise_keys`` applied in order (as mmengine's
    ``_load_checkpoint_to_model`` applies them). ``inplace``: rename the
    entries of ``state`` itself (a checkpoint being saved or loaded by the
    Runner, whose dict keeps its ``_metadata``)."""
    if not inplace:
        for pattern, replacement in revise_keys:
            state = {re.sub(pattern, replacement, k): v
                     for k, v in state.items()}
        return state
    for pattern, replacement in revise_keys:
        for key in [k for k in state if re.match(pattern, k)]:
            state[re.sub(pattern, replacement, key)] = state.pop(key)
    return state


def checkpoint_state_dict(checkpoint: object,
                          filename: str) -> Dict[str, object]:
    """The state dict of a loaded checkpoint (an mmengine checkpoint's
    ``state_dict`` or a bare state dict).

    Raises:
        ValueError: the file holds no dict of tensors (names the file).
    """
    state = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise ValueError(
            f'{filename!r} holds no state dict (a {type(checkpoint).__name__}'
            '); give a .pth written by tools/train.py (work_dir/iter_*.pth) '
            'or converted by tools/model_converters/official_to_mmsemsyn.py.')
    return state


def check_checkpoint_fit(model: torch.nn.Module, state: Dict[str, object],
                         filename: str, config: Optional[str] = None,
                         skip: Sequence[str] = ()) -> Dict[str, object]:
    """The entries of ``state`` that ``model`` loads, or a ``ValueError``.

    Both sides are compared with the keys of :func:`revise_keys_for`.
    Entries of the networks in ``skip`` (e.g. :data:`TRAINING_ONLY` when
    testing) are not compared; nor are the checkpoint's entries of networks
    the model was built without (see :data:`TRAINING_ONLY`).

    Args:
        model: the model (a wrapper is unwrapped).
        state: the checkpoint's state dict, keys as saved.
        filename: the file, named in the error.
        config: the model's config file, named in the error.
        skip: top-level networks not compared.

    Returns:
        ``state`` with revised keys, without the entries not compared.

    Raises:
        ValueError: entries missing in the checkpoint, entries the model
            does not have, or shapes that differ; the message names the
            file, the config, the model class, up to three keys of each
            kind and the fix.
    """
    revise = revise_keys_for(model)
    model = _unwrap(model)
    own = revise_state_dict(model.state_dict(), revise)
    state = revise_state_dict(state, revise)
    skipped = tuple(f'{k}.' for k in skip)
    # Networks the model was built without (the inferencer drops them).
    dropped = tuple(f'{k}.' for k in TRAINING_ONLY
                    if not any(o.startswith(f'{k}.') for o in own))
    state = {k: v for k, v in state.items()
             if (k in own or not k.startswith(dropped))
             and not (skipped and k.startswith(skipped))}
    own = {k: v for k, v in own.items()
           if not (skipped and k.startswith(skipped))}
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mismatched = sorted(
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in set(own) & set(state)
        if hasattr(state[k], 'shape') and state[k].shape != own[k].shape)
    if missing or unexpected or mismatched:
        details = []
        for title, keys in (('missing in checkpoint', missing),
                            ('not in model', unexpected),
                            ('shape mismatch', mismatched)):
            if keys:
                details.append(f'{len(keys)} {title} (e.g. '
                               f'{", ".join(keys[:3])})')
        raise ValueError(
            f'Checkpoint {filename!r} does not match the model of config '
            f'{config!r} ({type(model).__name__}): '
            f'{"; ".join(details)}. Use the config the checkpoint was '
            'trained with (or convert an official checkpoint with '
            'tools/model_converters/official_to_mmsemsyn.py).')
    return state


def load_model_checkpoint(model: torch.nn.Module, filename: str,
                          config: Optional[str] = None,
                          skip: Sequence[str] = (),
                          map_location: str = 'cpu') -> dict:
    """Read ``filename`` once, check that it fits ``model``, load it.

    Args:
        model: the model to load into (a wrapper is unwrapped).
        filename: a local ``.pth`` (mmengine checkpoint or bare state dict)
            or a URL mmengine's ``CheckpointLoader`` reads.
        config: the model's config file, named in errors.
        skip: top-level networks not compared and not loaded.
        map_location: as for ``torch.load``.

    Returns:
        The checkpoint as read (e.g. its ``meta``).

    Raises:
        FileNotFoundError: no such local file.
        mmsemsyn.fileio.UnsafeFileError, mmsemsyn.fileio.CorruptFileError:
            see :func:`mmsemsyn.fileio.load_checkpoint_file`.
        ValueError: the checkpoint does not fit (see
            :func:`check_checkpoint_fit`).
    """
    from mmengine.runner.checkpoint import (
        CheckpointLoader,
        _load_checkpoint_to_model,
    )
    if '://' not in filename and not osp.isfile(filename):
        raise FileNotFoundError(
            f'Checkpoint not found: {filename!r}. Give the .pth file written '
            'by tools/train.py (work_dir/iter_*.pth), one converted by '
            'tools/model_converters/official_to_mmsemsyn.py, or a URL.')
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location)
    state = checkpoint_state_dict(checkpoint, filename)
    fitted = check_checkpoint_fit(model, state, filename, config, skip)
    # The fitted entries only: mmengine would list the dropped networks'
    # entries as unexpected in a warning.
    _load_checkpoint_to_model(_unwrap(model), {'state_dict': fitted},
                              strict=False,
                              revise_keys=revise_keys_for(model))
    return checkpoint


@HOOKS.register_module()
class CheckpointFitHook(Hook):
    """Checks the checkpoint the Runner has just read for ``load_from``,
    before mmengine loads it non-strictly: the file is read once.

    Args:
        config: the config file, named in the error.
        skip: top-level networks not compared (default
            :data:`TRAINING_ONLY`: evaluation needs the generator only).
        partial: False: :func:`check_checkpoint_fit` (every entry fits;
            ``tools/test.py``). True: :func:`check_load_from` (a warm start
            may load a part of the generator, not nothing;
            ``tools/train.py --load-from``).
    """

    # After PlainCheckpointKeysHook (VERY_HIGH); the checks revise keys
    # themselves, so the order does not change the verdict.
    priority = 'LOW'

    def __init__(self, config: Optional[str] = None,
                 skip: Sequence[str] = TRAINING_ONLY,
                 partial: bool = False):
        self.config = config
        self.skip = tuple(skip)
        self.partial = partial

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        filename = getattr(runner, '_load_from', None) or '<checkpoint>'
        if self.partial:
            check_load_from(runner.model, checkpoint, self.config,
                            filename=filename)
        else:
            check_checkpoint_fit(runner.model,
                                 checkpoint_state_dict(checkpoint, filename),
                                 filename, self.config, self.skip)


def check_load_from(model: torch.nn.Module, checkpoint: object,
                    config: Optional[str] = None,
                    filename: Optional[str] = None) -> int:
    """``--load-from`` initialises non-strictly (on purpose: CRN's 512p
    stage reuses the 256p modules and skips the output conv), so a file
    that shares no generator weight with the config's model -- a checkpoint
    of another method -- would silently train from random weights (mmengine
    only logs the missing keys).

    Args:
        model: the model (``.generator`` is compared).
        checkpoint: a checkpoint file (read here), or the loaded
            checkpoint (or its state dict).
        config: the config file, named in the error.
        filename: the file, named in the error (default: ``checkpoint``
            when it is a path).

    Returns:
        The number of generator tensors that load (same name and shape).

    Raises:
        ValueError: not one generator tensor loads.
    """
    if isinstance(checkpoint, str):
        from mmengine.runner.checkpoint import CheckpointLoader
        filename = filename or checkpoint
        checkpoint = CheckpointLoader.load_checkpoint(checkpoint, 'cpu')
    state = revise_state_dict(checkpoint_state_dict(checkpoint, filename),
                              revise_keys_for(model))
    model = _unwrap(model)
    own = {f'generator.{k}': tuple(v.shape)
           for k, v in model.generator.state_dict().items()}
    matched = sum(own.get(k) == tuple(getattr(v, 'shape', ()))
                  for k, v in state.items())
    if not matched:
        raise ValueError(
            f'--load-from {filename!r} shares no generator weight (name '
            f'and shape) with the model of {config!r} '
            f'({type(model).__name__}, {type(model.generator).__name__}): '
            'it is a checkpoint of another method or generator size, and '
            'training would start from random weights. Give a checkpoint '
            'of this config (or of its previous stage, e.g. the CRN 256p '
            'file for crn_512p), or convert an official checkpoint with '
            'tools/model_converters/official_to_mmsemsyn.py.')
    return matched
