"""Geometric transforms that apply one geometry to the photo(s) and all maps
of a sample, on mmcv's image functions (``mmcv.imresize`` / ``imcrop`` /
``imflip``).

Keys-driven: each transform takes one ``keys`` argument; None (the default)
means every map and photo of :mod:`mmsemsyn.datasets.transforms.keys` the
sample holds, so a config never lists them. Photos are resized with the
transform's ``interpolation`` (bicubic, as pix2pix / pix2pixHD / SPADE /
LGGAN / Lab2Pix resize photos), label and instance maps nearest-neighbour,
so ids stay ids. Random decisions (crop window, flip) are drawn once per
sample from the pipeline stream of
:mod:`mmsemsyn.datasets.transforms.randomness` (numpy, seeded through
mmengine) and applied to every key.
"""
from typing import Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmsemsyn.registry import TRANSFORMS
from .keys import MAP_KEYS, check_keys_arg, present_keys
from .randomness import randint, restart_pipeline_rng, uniform

_FILE_OF = (('gt_img', 'img_path'), ('gt_label', 'label_path'),
            ('gt_inst', 'inst_path'))


def check_paired_shapes(results: dict,
                        keys: Optional[Sequence[str]] = None) -> None:
    """All maps and photos of a sample (``keys``; None: all it holds) must
    share one size.

    Raises:
        ValueError: sizes differ; names each key's size and file.
    """
    shapes = {k: results[k].shape[:2] for k in present_keys(results, keys)}
    if len(set(shapes.values())) > 1:
        files = {k: results.get(p) for k, p in _FILE_OF}
        detail = ', '.join(f'{k} {tuple(s)} from {files.get(k)!r}'
                           for k, s in shapes.items())
        raise ValueError(
            f'Image/label size mismatch: {detail}. Every map of a sample must '
            'have the photo\'s size (H, W); fix or regenerate the files.')


def _resize_map(ids: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    # OpenCV cannot resize int64; int32 holds every id we use (Cityscapes
    # instance ids reach 33xxx).
    return mmcv.imresize(ids.astype(np.int32), size, interpolation='nearest',
                         backend='cv2').astype(np.int64)


class _PairedTransform(BaseTransform):
    """Holds ``keys`` and resolves them against a sample."""

    def __init__(self, keys: Optional[Sequence[str]] = None):
        self.keys = check_keys_arg(keys)

    def _keys(self, results: dict) -> Tuple[str, ...]:
        keys = present_keys(results, self.keys)
        check_paired_shapes(results, keys)
        return keys


@TRANSFORMS.register_module()
class PairedResize(_PairedTransform):
    """Resize the photos (``interpolation``) and the maps (nearest)
    together.

    Args:
        scale: target (w, h); or None with ``width`` set.
        width: pix2pixHD's ``scale_width``: width to this, keep the aspect
            (height ``round(width * h / w)``).
        keys: the maps/photos to resize; None: all the sample holds.
        interpolation: mmcv name of the photo interpolation ('bicubic').

    Raises:
        ValueError: both or neither of ``scale`` / ``width``; maps of
            different sizes (names the files).
    """

    def __init__(self, scale: Optional[Tuple[int, int]] = None,
                 width: Optional[int] = None,
                 keys: Optional[Sequence[str]] = None,
                 interpolation: str = 'bicubic'):
        super().__init__(keys)
        if (scale is None) == (width is None):
            raise ValueError('Give exactly one of scale=(w, h) or width=W.')
        self.scale = tuple(scale) if scale is not None else None
        self.width = width
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        keys = self._keys(results)
        h, w = results[keys[0]].shape[:2]
        if self.scale is not None:
            size = self.scale
        else:
            size = (self.width, int(round(self.width * h / w)))
        for k in keys:
            if k in MAP_KEYS:
                results[k] = _resize_map(results[k], size)
            else:
                results[k] = mmcv.imresize(results[k], size,
                                           interpolation=self.interpolation,
                                           backend='cv2')
        results['img_shape'] = (size[1], size[0])
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'width={self.width}, keys={self.keys})')


@TRANSFORMS.register_module()
class PairedRandomCrop(_PairedTransform):
    """Crop the same random window ``crop_size`` (h, w) from every map and
    photo; records ``crop_bbox`` (x0, y0, x1, y1), x1/y1 exclusive.

    Raises:
        ValueError: the crop is larger than the sample (names the file).
    """

    def __init__(self, crop_size: Tuple[int, int],
                 keys: Optional[Sequence[str]] = None):
        super().__init__(keys)
        self.crop_size = tuple(crop_size)
        restart_pipeline_rng()

    def transform(self, results: dict) -> dict:
        keys = self._keys(results)
        h, w = results[keys[0]].shape[:2]
        ch, cw = self.crop_size
        if ch > h or cw > w:
            raise ValueError(
                f'Crop {self.crop_size} is larger than the image ({h}, {w}) of '
                f'{results.get("label_path")!r}; resize first or crop less.')
        y0 = randint(0, h - ch)
        x0 = randint(0, w - cw)
        # mmcv's boxes include their last row and column
        box = np.array([x0, y0, x0 + cw - 1, y0 + ch - 1])
        for k in keys:
            results[k] = np.ascontiguousarray(mmcv.imcrop(results[k], box))
        results['img_shape'] = (ch, cw)
        results['crop_bbox'] = (x0, y0, x0 + cw, y0 + ch)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(crop_size={self.crop_size}, '
                f'keys={self.keys})')


@TRANSFORMS.register_module()
class PairedFlip(_PairedTransform):
    """Flip every map and photo with probability ``prob`` (one decision per
    sample, recorded as ``flip``).

    Args:
        prob: flip probability.
        keys: the maps/photos to flip; None: all the sample holds.
        direction: 'horizontal' (the official codes' flip) or 'vertical'.
    """

    def __init__(self, prob: float = 0.5,
                 keys: Optional[Sequence[str]] = None,
                 direction: str = 'horizontal'):
        super().__init__(keys)
        if not 0 <= prob <= 1:
            raise ValueError(f'PairedFlip prob must lie in [0, 1], got {prob}')
        self.prob = prob
        self.direction = direction
        restart_pipeline_rng()

    def transform(self, results: dict) -> dict:
        keys = present_keys(results, self.keys)
        flip = uniform() < self.prob
        results['flip'] = flip
        if flip:
            for k in keys:
                results[k] = np.ascontiguousarray(
                    mmcv.imflip(results[k], self.direction))
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'direction={self.direction!r}, keys={self.keys})')
