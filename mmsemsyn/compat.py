"""Workarounds for the OpenMMLab stack on current torch, in one place.

1. ``mmcv-lite`` ships no compiled ops, yet mmsegmentation 1.2.x imports
   ``mmcv.ops`` at module level. :func:`install_mmcv_ops_fallback` registers a
   pure-PyTorch stand-in module *only* when ``mmcv._ext`` is missing, so a full
   mmcv build is used untouched.
2. torch >= 2.6 loads checkpoints with ``weights_only=True``; mmengine 0.10.x
   writes its ``HistoryBuffer`` and numpy scalars into every checkpoint, so
   ``Runner(resume=True)`` fails to unpickle. :func:`allow_mmengine_checkpoints`
   allow-lists exactly those types instead of switching the safe loader off
   (plus a ``getattr`` stand-in limited to HistoryBuffer's statistics
   functions, which the message hub's buffers pickle by reference).
3. Warnings about things 1. handles or that the stack raises about its own
   internals scare new users; :func:`filter_known_warnings` silences
   exactly those (by message and issuing module), nothing else.
"""
import importlib.util
import pickle
import sys
import types

import torch

_FALLBACK_NAME = 'mmcv.ops'


def _has_compiled_mmcv_ops() -> bool:
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except (ImportError, ValueError):
        return False


def _point_sample(input, points, align_corners=False, **kwargs):
    """Sample ``input`` at normalised ``points`` in [0, 1] (mmcv semantics)."""
    import torch.nn.functional as F
    add_dim = False
    if points.dim() == 3:
        add_dim = True
        points = points.unsqueeze(2)
    output = F.grid_sample(
        input, 2.0 * points - 1.0, align_corners=align_corners, **kwargs)
    if add_dim:
        output = output.squeeze(3)
    return output


class _MissingOp:
    """Stands in for a compiled mmcv op; fails only when actually used."""

    def __init__(self, name: str):
        self.__name__ = name
        self.__qualname__ = name

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            f'mmcv.ops.{self.__name__} needs the compiled mmcv ops, but only '
            'mmcv-lite is installed. Install a full mmcv build (mmcv>=2.0,'
            '<2.2 compiled for your torch) to use models that need it.')

    # Some modules subclass an op (e.g. ``class X(ModulatedDeformConv2d)``).
    def __mro_entries__(self, bases):
        return (torch.nn.Module, )


def _fallback_getattr(name: str):
    if name.startswith('__') and name.endswith('__'):
        # ``inspect``/``pickle`` probe dunders; they must see AttributeError.
        raise AttributeError(name)
    op = _MissingOp(name)
    setattr(sys.modules[_FALLBACK_NAME], name, op)
    return op


def install_mmcv_ops_fallback() -> bool:
    """Register the ``mmcv.ops`` stand-in when compiled ops are missing.

    Returns True when the stand-in is (or already was) installed.
    """
    module = sys.modules.get(_FALLBACK_NAME)
    if module is not None:
        return getattr(module, '__mmsemsyn_fallback__', False)
    if importlib.util.find_spec('mmcv') is None or _has_compiled_mmcv_ops():
        return False
    module = types.ModuleType(_FALLBACK_NAME)
    module.__mmsemsyn_fallback__ = True
    module.__file__ = __file__
    module.point_sample = _point_sample
    module.__getattr__ = _fallback_getattr
    sys.modules[_FALLBACK_NAME] = module
    import mmcv
    mmcv.ops = module
    return True


def allow_mmengine_checkpoints() -> None:
    """Allow-list the non-tensor types mmengine writes into checkpoints."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 loads everything anyway
        return
    import numpy as np
    from mmengine.logging import HistoryBuffer
    safe = [HistoryBuffer, np.ndarray, np.dtype]
    # numpy >= 2 moved the pickling helpers to ``numpy._core``.
    multiarray = getattr(getattr(np, '_core', None), 'multiarray', None) or \
        np.core.multiarray
    safe += [multiarray._reconstruct, multiarray.scalar]
    # Concrete dtype classes (``numpy.dtypes.Float64DType`` ...) are pickled
    # by reference when a dtype object is saved.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [getattr(dtypes, n) for n in dir(dtypes)
                 if n.endswith('DType') and isinstance(getattr(dtypes, n), type)]
    # Protocol-2 pickles (torch.save's default) store HistoryBuffer's
    # statistics functions (``HistoryBuffer.min`` ...) as
    # ``getattr(HistoryBuffer, 'min')``. Allow-listing the real ``getattr``
    # would let a checkpoint fetch any attribute of any allowed class, so a
    # stand-in that resolves only those statistics functions is registered
    # under its name.
    safe.append((_history_buffer_getattr, 'builtins.getattr'))
    add_safe_globals(safe)


_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj, name):
    """``getattr`` for the weights-only unpickler, limited to the statistics
    functions of mmengine's ``HistoryBuffer``."""
    from mmengine.logging import HistoryBuffer
    allowed = set(_HISTORY_BUFFER_STATISTICS) | set(
        HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Refusing getattr({obj!r}, {name!r}) while loading a checkpoint with '
        'weights_only=True: only HistoryBuffer statistics functions are '
        'allowed (see mmsemsyn/compat.py). Load the file with '
        'weights_only=False only if you trust its source.')


# (message regex, module regex) of each warning filtered, and why.
KNOWN_WARNINGS = (
    # mmcv-lite has no compiled ops; mmcv.cnn says so when its transformer
    # bricks import. install_mmcv_ops_fallback handles exactly this case
    # (only registered while the stand-in is installed).
    (r'Fail to import ``MultiScaleDeformableAttention`` from '
     r'``mmcv\.ops\.multi_scale_deform_attn``, You should install ``mmcv`` '
     r'rather than ``mmcv-lite``', r'mmcv\.cnn\.bricks\.transformer'),
    # mmseg's decode heads call mmseg's own deprecated builder; nothing a
    # user of mmsemsyn can change.
    (r'``build_loss`` would be deprecated soon', r'mmseg\.models\.builder'),
)


def filter_known_warnings() -> None:
    """Ignore exactly :data:`KNOWN_WARNINGS` (UserWarnings, matched by
    message and issuing module); the mmcv-lite one only while the
    ``mmcv.ops`` stand-in is in use."""
    import warnings
    fallback = getattr(sys.modules.get(_FALLBACK_NAME), '__mmsemsyn_fallback__',
                       False)
    for i, (message, module) in enumerate(KNOWN_WARNINGS):
        if i == 0 and not fallback:
            continue
        warnings.filterwarnings('ignore', message=message,
                                category=UserWarning, module=module)


def apply() -> None:
    install_mmcv_ops_fallback()
    allow_mmengine_checkpoints()
    filter_known_warnings()
