"""The one image reader of mmsemsyn: photos, label maps and instance maps
are all read here, as the pixels stored in the file.

Why one reader, and why PIL without ``ImageOps.exif_transpose``: OpenCV's
``IMREAD_COLOR`` (and mmcv's ``'color'`` flag) rotate a JPEG that carries an
EXIF Orientation tag, while a PNG label map next to it is never rotated, so
a square photo would silently pair with a label map turned by 90 degrees.
The official codes (pix2pix, pix2pixHD, SPADE read with ``PIL.Image.open``)
and pytorch-fid read the stored pixels; so does every loader here
(``LoadSynImage``, ``LoadLabelMap``, ``LoadInstanceMap``, the cross-view and
sketch loaders, ``tools/analysis_tools/check_dataset.py`` and
``tools/dataset_converters/cityscapes.py --check``).

Lossy formats (JPEG, lossy WebP) are refused for id label maps and instance
maps (``lossless=True``): compression turns region borders into in-between
values that are all valid ids, so a wrong map would load without any error.
Colour-palette label maps (pix2pix Facades, Cityscapes AB) are read as
colours and decoded to the nearest palette colour, which absorbs JPEG
noise; they stay allowed.
"""
import os.path as osp
from typing import Optional, Tuple

import numpy as np
from PIL import Image

# PIL format names whose files may hold lossy-compressed pixels. WebP is
# checked per file (its lossless variant, 'VP8L', is fine).
LOSSY_FORMATS = ('JPEG', 'MPO', 'WEBP')

MODES = ('rgb', 'gray', 'stored')


class LossyFormatError(ValueError):
    """An id label map or instance map stored in a lossy format."""


def _webp_is_lossless(path: str) -> bool:
    """WebP files name their codec in the RIFF chunks: 'VP8L' lossless,
    'VP8 ' lossy (an extended 'VP8X' file lists its chunks after it)."""
    with open(path, 'rb') as f:
        head = f.read(4096)
    return b'VP8L' in head and b'VP8 ' not in head


def is_lossy(img: Image.Image, path: str) -> bool:
    """Whether the opened file ``img`` stores lossy-compressed pixels."""
    if img.format == 'WEBP':
        return not _webp_is_lossless(path)
    return img.format in LOSSY_FORMATS


def lossy_message(path: str, fmt: str, role: str) -> str:
    """Why a lossy id/instance map is refused and how to fix it."""
    return (
        f'The {role} {path!r} is stored as {fmt}, a lossy format: '
        'compression changes the values at region borders into in-between '
        'ids that are all in range, so the map would load silently wrong '
        '(a Cityscapes label map saved as JPEG has 7-15% of its pixels '
        'changed and ids that were never drawn). Save '
        f'{role}s as PNG (lossless, 8- or 16-bit single channel) from the '
        'original source -- re-saving this file does not undo the damage. '
        'Colour-palette label maps (pix2pix Facades, Cityscapes AB) stay '
        'allowed as JPEG: load them with LoadLabelMap(color_palette=True), '
        'which decodes every pixel to the nearest palette colour.')


def require_file(path: str) -> None:
    """Raise ``FileNotFoundError`` naming ``path`` and the fix when it is
    not an existing file."""
    if not path or not osp.isfile(path):
        raise FileNotFoundError(
            f'File not found: {path!r}. Check data_root/data_prefix in the '
            'dataset config, or remove the sample from the file list.')


def read_image(path: str,
               mode: str = 'rgb',
               lossless: bool = False,
               role: str = 'image',
               region: Optional[Tuple[int, int, int, int]] = None
               ) -> np.ndarray:
    """Read the pixels stored in an image file (no EXIF rotation).

    Args:
        path: the file.
        mode: ``'rgb'``: uint8 (H, W, 3) RGB (any grey, palette or alpha
            file converted); ``'gray'``: uint8 (H, W) luma (ITU-R 601-2);
            ``'stored'``: the stored values, unconverted -- (H, W) uint8 /
            uint16 / int32 for single-channel files (16-bit instance maps
            keep their values), palette *indices* for indexed ('P') files
            (the ids of CMP Facades / GTA5 / Pascal-style label PNGs), and
            (H, W, 3 or 4) uint8 for colour files.
        lossless: refuse lossy formats (:class:`LossyFormatError`): for id
            label maps and instance maps.
        role: what the file is, for messages ('label map', 'instance map').
        region: (x0, y0, x1, y1): keep only this window (pix2pix ``AB``
            files, cross-view panels).

    Returns:
        np.ndarray as described for ``mode``.

    Raises:
        FileNotFoundError: no such file (names the config keys to check).
        OSError: the file is empty, truncated, corrupt or not an image.
        LossyFormatError: ``lossless`` and the file is JPEG / lossy WebP.
        ValueError: an unknown ``mode``.
    """
    if mode not in MODES:
        raise ValueError(f'read_image: mode must be one of {MODES}, got '
                         f'{mode!r}.')
    require_file(path)
    try:
        with Image.open(path) as img:
            if lossless and is_lossy(img, path):
                raise LossyFormatError(lossy_message(path, img.format, role))
            # load() decodes every pixel now, so a truncated file fails
            # here with its name rather than later inside a worker.
            img.load()
            if mode == 'rgb' and img.mode != 'RGB':
                img = img.convert('RGB')
            elif mode == 'gray' and img.mode != 'L':
                img = img.convert('L')
            array = np.asarray(img)
    except (LossyFormatError, FileNotFoundError):
        raise
    except Exception as err:  # noqa: BLE001 -- PIL raises many types
        size = osp.getsize(path)
        raise OSError(
            f'Cannot decode {path!r} ({size} bytes): the file is corrupt, '
            f'truncated or not an image ({type(err).__name__}: {err}). '
            'Re-extract or re-download it.') from err
    if region is not None:
        x0, y0, x1, y1 = region
        array = array[y0:y1, x0:x1]
    return np.ascontiguousarray(array)


def image_info(path: str) -> Tuple[int, int, str]:
    """(width, height, PIL format name) from the file header, without
    decoding the pixels; the stored size (EXIF orientation ignored, as in
    :func:`read_image`).

    Raises:
        FileNotFoundError: no such file.
        OSError: the header is unreadable (corrupt or not an image).
    """
    require_file(path)
    try:
        with Image.open(path) as img:
            return img.size[0], img.size[1], img.format or ''
    except Exception as err:  # noqa: BLE001 -- PIL raises many types
        raise OSError(
            f'Cannot read {path!r}: {err}. The file is corrupt or not an '
            'image; re-extract it or remove it from the folder.') from err
