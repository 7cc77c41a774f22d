"""Reading and writing files safely: nothing read runs code, nothing
written is left half-done.

- :func:`load_checkpoint_file` is the one checkpoint reader (tools/test.py,
  the inferencer, the clustering tool, the official-checkpoint converter
  and, through :func:`install_safe_checkpoint_loader`, mmengine's own
  ``load_checkpoint`` / ``Runner(resume=True)`` / ``load_from``). It calls
  ``torch.load(weights_only=True)``: only tensors, containers and the types
  allow-listed in :mod:`mmsemsyn.compat` are unpickled. A file holding
  anything else is refused (:class:`UnsafeFileError`); a truncated or
  corrupt one is named as such (:class:`CorruptFileError`).
- :class:`AtomicLocalBackend` writes to a temporary file in the same folder
  and renames it over the target, so a run killed mid-write never leaves a
  truncated ``iter_N.pth`` under a complete-looking name. It replaces
  mmengine's local file backend (the one ``Runner.save_checkpoint`` and the
  ``CheckpointHook``'s ``last_checkpoint`` go through) when mmsemsyn is
  imported, so every config gets it, whatever its ``default_hooks``.
- Cluster centres (pix2pixHD Sec. 3.4) are stored as ``.npz`` (no pickle).
  The official ``features_clustered_010.npy`` is a pickled dict; it is read
  only with an explicit opt-in, and even then by an unpickler that can only
  rebuild numpy arrays.
"""
import io
import os
import os.path as osp
import pickle
import tempfile
import zipfile
from typing import Any, Dict

import numpy as np
from mmengine.fileio.backends import LocalBackend

__all__ = [
    'UnsafeFileError', 'CorruptFileError', 'load_checkpoint_file',
    'atomic_write_bytes', 'atomic_torch_save', 'AtomicLocalBackend',
    'install_safe_checkpoint_loader', 'save_cluster_centers',
    'load_cluster_centers', 'write_image'
]


class UnsafeFileError(pickle.UnpicklingError):
    """A file holds pickled objects that could run code when loaded."""


class CorruptFileError(RuntimeError):
    """A file is truncated or not in the format its reader expects."""


# Messages of torch.load for a file that is cut short or not a torch file.
_CORRUPT_MARKERS = ('PytorchStreamReader', 'failed finding central directory',
                    'invalid load key', 'unexpected EOF', 'Ran out of input',
                    'file not found in archive', 'truncated',
                    'storage has wrong byte size')


def _is_safe_load_refusal(err: BaseException) -> bool:
    return 'Weights only load failed' in str(err) or \
        'weights_only' in str(err) and 'Unsupported global' in str(err)


def load_checkpoint_file(path: str, map_location: Any = 'cpu') -> Any:
    """Load a checkpoint without letting it run code.

    ``torch.load(path, weights_only=True)``: tensors, plain containers,
    numbers and strings, plus exactly the types mmengine writes into its
    checkpoints (allow-listed in :func:`mmsemsyn.compat.
    allow_mmengine_checkpoints`). Anything else is refused.

    Args:
        path: a ``.pth`` file (mmengine checkpoint or bare state dict).
        map_location: as for ``torch.load``.

    Returns:
        What the file holds (usually a dict).

    Raises:
        FileNotFoundError: ``path`` is not a file.
        UnsafeFileError: the file holds a global that is not allow-listed
            (it could run code); the message names the file and the global.
        CorruptFileError: the file is truncated (e.g. a write that was
            killed) or not a torch checkpoint; the message names the file
            and its size.
    """
    import torch
    path = osp.expanduser(str(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'Checkpoint not found: {path!r}.')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if _is_safe_load_refusal(err):
            first = str(err).split('\n\n')[-1].strip().splitlines()
            detail = next((line for line in first if 'global' in line),
                          first[0] if first else '')
            raise UnsafeFileError(
                f'Refused to load {path!r}: it holds pickled objects that '
                f'are not tensors or allow-listed types and could run code '
                f'when loaded ({detail.strip()}). mmsemsyn loads checkpoints '
                'with torch.load(weights_only=True) only. If you trust the '
                'file, re-save just its tensors (e.g. torch.save({"state_dict"'
                ': sd}, new_path) where you created it).') from err
        raise _corrupt(path, err) from err
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError,
            OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise _corrupt(path, err) from err


def _corrupt(path: str, err: BaseException) -> CorruptFileError:
    size = osp.getsize(path)
    first = str(err).strip().splitlines()[0] if str(err).strip() else \
        type(err).__name__
    return CorruptFileError(
        f'Checkpoint {path!r} ({size} bytes) is truncated or corrupt: '
        f'torch.load failed with "{first}". A checkpoint whose write was '
        'interrupted (killed run, full disk) looks like this; use an '
        'earlier checkpoint of the run (iter_*.pth / epoch_*.pth) or '
        'copy the file again.')


def atomic_write_bytes(data: bytes, path: str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same
    folder and an atomic rename: readers see the old file or the complete
    new one, never a partial one."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def write_image(img: np.ndarray, path: str) -> str:
    """The one image writer of mmsemsyn: a photo or a map to ``path``,
    atomically (:func:`atomic_write_bytes`).

    Used by the test loop (``SynthesisTestLoop``), the sample-grid hook
    (``SynthesisVisualizationHook``) and the inferencer; files are read
    back by :func:`mmsemsyn.datasets.image_reader.read_image`.

    Args:
        img: uint8 RGB ``(H, W, 3)`` (a photo, a colourised label map, a
            grid), or an ``(H, W)`` map: uint8 (ids < 256, grey) or uint16
            (ids up to 65535, e.g. Cityscapes instance ids).
        path: target file; its extension picks the format (``.png``
            unless said otherwise). Folders are created.

    Returns:
        ``path``.

    Raises:
        TypeError: ``img`` is not a numpy array of uint8/uint16.
        ValueError: a shape other than (H, W) or (H, W, 3); a uint16 map
            to a format other than PNG/TIFF; an extension OpenCV cannot
            encode.
    """
    import cv2
    if not isinstance(img, np.ndarray) or img.dtype not in (np.uint8,
                                                            np.uint16):
        raise TypeError(
            f'write_image({path!r}): expected a numpy uint8 (or uint16 map) '
            f'array, got {type(img).__name__} '
            f'{getattr(img, "dtype", "")}. Convert samples with '
            'mmsemsyn.visualization.colorize.to_hwc_uint8 first.')
    if not (img.ndim == 2 or img.ndim == 3 and img.shape[2] == 3):
        raise ValueError(
            f'write_image({path!r}): expected (H, W, 3) RGB or an (H, W) '
            f'map, got shape {tuple(img.shape)}.')
    ext = osp.splitext(path)[1].lower() or '.png'
    if img.dtype == np.uint16 and ext not in ('.png', '.tif', '.tiff'):
        raise ValueError(
            f'write_image({path!r}): a 16-bit map needs a .png or .tif file '
            f'({ext} cannot hold 16 bits without loss).')
    # OpenCV stores colour as BGR: flip once here, callers pass RGB.
    pixels = img[..., ::-1] if img.ndim == 3 else img
    ok, encoded = cv2.imencode(ext, np.ascontiguousarray(pixels))
    if not ok:
        raise ValueError(f'write_image({path!r}): OpenCV cannot encode '
                         f'{ext!r} files; use .png.')
    atomic_write_bytes(encoded.tobytes(), path)
    return path


def atomic_torch_save(obj: Any, path: str) -> None:
    """``torch.save`` through :func:`atomic_write_bytes`."""
    import torch
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(buffer.getvalue(), path)


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend, with atomic ``put`` / ``put_text``
    (temporary file + rename). Registered as mmengine's backend for plain
    paths (and by name as ``'atomic_local'``)."""

    def put(self, obj: bytes, filepath) -> None:
        atomic_write_bytes(obj, str(filepath))

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), str(filepath))


def _register_atomic_backend() -> None:
    from mmengine.fileio import register_backend
    from mmengine.fileio.backends.registry_utils import prefix_to_backends
    if prefix_to_backends.get('') is not AtomicLocalBackend:
        # '' is the prefix of plain local paths (mmengine's parse_uri_prefix).
        register_backend('local', AtomicLocalBackend, force=True,
                         prefixes='')
        register_backend('atomic_local', AtomicLocalBackend, force=True)


def _mmengine_local_loader(filename: str, map_location=None) -> Any:
    return load_checkpoint_file(filename, map_location=map_location)


def install_safe_checkpoint_loader() -> None:
    """Route mmengine's local checkpoint reads (``load_checkpoint``,
    ``Runner`` resume / ``load_from``) through :func:`load_checkpoint_file`
    (mmengine calls ``torch.load`` without ``weights_only``, which unpickles
    anything on torch < 2.6), and register the ``'atomic_local'`` file
    backend."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='',
                                     loader=_mmengine_local_loader,
                                     force=True)
    _register_atomic_backend()


# ---- pix2pixHD cluster centres ------------------------------------------
_CLASS_KEY = 'class_{}'


def save_cluster_centers(centers: Dict[int, np.ndarray], path: str) -> None:
    """Write ``{class_id: (k, feat_num) centres}`` as an ``.npz`` (one
    ``class_<id>`` array per class; no pickle), atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, **{_CLASS_KEY.format(int(k)): np.asarray(v, np.float32)
                        for k, v in centers.items()})
    atomic_write_bytes(buffer.getvalue(), path)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays, dtypes and scalars inside plain containers;
    every other global (a function or class that could run code) is
    refused."""
    ALLOWED = {
        ('numpy.core.multiarray', '_reconstruct'),
        ('numpy._core.multiarray', '_reconstruct'),
        ('numpy.core.multiarray', 'scalar'),
        ('numpy._core.multiarray', 'scalar'),
        ('numpy', 'ndarray'),
        ('numpy', 'dtype'),
    }

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise UnsafeFileError(
            f'refused global {module}.{name}: only numpy arrays may be '
            'unpickled from a cluster file')


def _load_pickled_npy(path: str) -> Any:
    with open(path, 'rb') as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            _, _, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            _, _, dtype = np.lib.format.read_array_header_2_0(f)
        if not dtype.hasobject:
            f.seek(0)
            return np.load(f, allow_pickle=False)
        # numpy's own object-array path is ``pickle.load``; the official
        # file was written by Python 2 (hence latin1).
        return _NumpyOnlyUnpickler(f, encoding='latin1').load()


def load_cluster_centers(path: str, allow_pickle: bool = False
                         ) -> Dict[int, np.ndarray]:
    """Read ``{class_id: centres}`` from an ``.npz`` written by
    :func:`save_cluster_centers` (tools/analysis_tools/
    pix2pixhd_cluster_features.py), or -- with ``allow_pickle=True`` only --
    from the official pickled ``features_clustered_010.npy``.

    Raises:
        FileNotFoundError: no such file.
        UnsafeFileError: a pickled file without ``allow_pickle=True``, or a
            pickle holding anything but numpy arrays.
        CorruptFileError: not a cluster file, or truncated.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'cluster file {path!r} does not exist; create it with '
            'tools/analysis_tools/pix2pixhd_cluster_features.py.')
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as err:
        if 'allow_pickle' not in str(err):
            raise CorruptFileError(f'{path!r} is not a cluster file: {err}'
                                   ) from err
        if not allow_pickle:
            raise UnsafeFileError(
                f'{path!r} is a pickled .npy (the official pix2pixHD '
                'features_clustered_010.npy format); unpickling can run code, '
                'so it is not read by default. Re-create the centres with '
                'tools/analysis_tools/pix2pixhd_cluster_features.py (writes '
                '.npz), or, if you trust the file, opt in with '
                'model.encoder.allow_pickled_cluster_file=True (only numpy '
                'arrays are unpickled then).') from err
        try:
            data = _load_pickled_npy(path)
        except UnsafeFileError as unsafe:
            raise UnsafeFileError(f'Refused to load {path!r}: {unsafe}'
                                  ) from unsafe
        except (EOFError, pickle.UnpicklingError, ValueError) as bad:
            raise CorruptFileError(f'{path!r} is truncated or not a cluster '
                                   f'file: {bad}') from bad
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise CorruptFileError(f'{path!r} is truncated or not a cluster file'
                               f': {err}') from err
    if isinstance(data, np.lib.npyio.NpzFile):
        with data:
            try:
                return {int(k[len('class_'):]): data[k] for k in data.files
                        if k.startswith('class_')}
            except (ValueError, zipfile.BadZipFile, EOFError) as err:
                raise CorruptFileError(
                    f'{path!r} is truncated or not a cluster file: {err}'
                ) from err
    if isinstance(data, np.ndarray) and data.dtype == object and \
            data.shape == ():
        data = data.item()
    if not isinstance(data, dict):
        raise CorruptFileError(
            f'{path!r} does not hold {{class: centres}} (expected the '
            'output of tools/analysis_tools/pix2pixhd_cluster_features.py).')
    return {int(k): np.asarray(v) for k, v in data.items()}

