"""Geometric transforms that apply one geometry to the photo and all maps.

Photos are resized bicubic; label and instance maps nearest, so ids stay
ids.
"""
import random
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmsemsyn.registry import TRANSFORMS

MAP_KEYS = ('gt_label', 'gt_inst')


def _image_keys(results: dict, extra: Sequence[str] = ()) -> list:
    return [k for k in ('gt_img', ) + tuple(extra) if k in results]


def check_paired_shapes(results: dict, extra_keys: Sequence[str] = ()):
    """All maps and photos of a sample must share one size."""
    shapes = {
        k: results[k].shape[:2]
        for k in _image_keys(results, extra_keys) + list(MAP_KEYS)
        if k in results
    }
    if len(set(shapes.values())) > 1:
        files = {k: results.get(p) for k, p in (('gt_img', 'img_path'),
                                                ('gt_label', 'label_path'),
                                                ('gt_inst', 'inst_path'))}
        detail = ', '.join(f'{k} {tuple(s)} from {files.get(k)!r}'
                           for k, s in shapes.items())
        raise ValueError(
            f'Image/label size mismatch: {detail}. Every map of a sample must '
            'have the photo\'s size (H, W); fix or regenerate the files.')


@TRANSFORMS.register_module()
class PairedResize(BaseTransform):
    """Resize the photo (bicubic) and the maps (nearest) together.

    Args:
        scale: target (w, h); or None with ``width`` set.
        width: pix2pixHD's ``scale_width``: width to this, keep the aspect.
        extra_image_keys: further photos resized like ``gt_img``.
    """

    def __init__(self, scale: Optional[Tuple[int, int]] = None,
                 width: Optional[int] = None,
                 extra_image_keys: Sequence[str] = ()):
        if (scale is None) == (width is None):
            raise ValueError('Give exactly one of scale=(w, h) or width=W.')
        self.scale = tuple(scale) if scale is not None else None
        self.width = width
        self.extra_image_keys = tuple(extra_image_keys)

    def transform(self, results: dict) -> dict:
        check_paired_shapes(results, self.extra_image_keys)
        key = (_image_keys(results, self.extra_image_keys) +
               [k for k in MAP_KEYS if k in results])[0]
        h, w = results[key].shape[:2]
        if self.scale is not None:
            size = self.scale
        else:
            size = (self.width, int(round(self.width * h / w)))
        for k in _image_keys(results, self.extra_image_keys):
            results[k] = cv2.resize(results[k], size,
                                    interpolation=cv2.INTER_CUBIC)
        for k in MAP_KEYS:
            if k in results:
                # cv2 cannot resize int64; int32 holds every id we use.
                results[k] = cv2.resize(
                    results[k].astype(np.int32), size,
                    interpolation=cv2.INTER_NEAREST).astype(np.int64)
        results['img_shape'] = (size[1], size[0])
        return results

    def __repr__(self):
        return f'{type(self).__name__}(scale={self.scale}, width={self.width})'


@TRANSFORMS.register_module()
class PairedRandomCrop(BaseTransform):
    """Crop the same random window (h, w) from the photo and all maps."""

    def __init__(self, crop_size: Tuple[int, int],
                 extra_image_keys: Sequence[str] = ()):
        self.crop_size = tuple(crop_size)
        self.extra_image_keys = tuple(extra_image_keys)

    def transform(self, results: dict) -> dict:
        check_paired_shapes(results, self.extra_image_keys)
        keys = _image_keys(results, self.extra_image_keys) + [
            k for k in MAP_KEYS if k in results]
        h, w = results[keys[0]].shape[:2]
        ch, cw = self.crop_size
        if ch > h or cw > w:
            raise ValueError(
                f'Crop {self.crop_size} is larger than the image ({h}, {w}) of '
                f'{results.get("label_path")!r}; resize first or crop less.')
        y0 = random.randint(0, h - ch)
        x0 = random.randint(0, w - cw)
        for k in keys:
            results[k] = np.ascontiguousarray(results[k][y0:y0 + ch,
                                                         x0:x0 + cw])
        results['img_shape'] = (ch, cw)
        results['crop_bbox'] = (x0, y0, x0 + cw, y0 + ch)
        return results


@TRANSFORMS.register_module()
class PairedFlip(BaseTransform):
    """Flip the photo and all maps horizontally with probability ``prob``."""

    def __init__(self, prob: float = 0.5,
                 extra_image_keys: Sequence[str] = ()):
        self.prob = prob
        self.extra_image_keys = tuple(extra_image_keys)

    def transform(self, results: dict) -> dict:
        flip = random.random() < self.prob
        results['flip'] = flip
        if flip:
            for k in _image_keys(results, self.extra_image_keys) + [
                    k for k in MAP_KEYS if k in results]:
                results[k] = np.ascontiguousarray(results[k][:, ::-1])
        return results
