"""Pack a transformed sample into model inputs and a SynDataSample."""
from typing import Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmsemsyn.registry import TRANSFORMS
from mmsemsyn.structures import SynDataSample
from .geometric import check_paired_shapes
from .keys import MAP_KEYS, SAMPLE_KEYS, check_keys_arg, present_keys

# Sample keys that are also SynDataSample fields (the rest are inputs only).
_SAMPLE_FIELDS = ('gt_label', 'gt_inst', 'gt_img')


def _image_to_tensor(img: np.ndarray) -> torch.Tensor:
    if img.ndim == 2:
        img = img[..., None]
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


@TRANSFORMS.register_module()
class PackSynInputs(BaseTransform):
    """Pack a sample into ``inputs`` and a :class:`SynDataSample`.

    Every map and photo of :mod:`mmsemsyn.datasets.transforms.keys` the
    sample holds (``keys``: None) is packed under its input name:
    ``label`` (1, H, W) int64, ``inst`` (1, H, W) int64, ``img`` (3, H, W)
    uint8 RGB, and further photos (``source_img``, ``target_semantic``,
    ``label_img``) (3, H, W) uint8. ``data_samples`` holds ``gt_label`` /
    ``gt_inst`` / ``gt_img`` (the same tensors) plus ``meta_keys``.

    Args:
        keys: restrict packing to these sample keys (``gt_label`` is always
            needed); None: all the sample holds.
        meta_keys: results entries copied into the sample's metainfo.

    Raises:
        KeyError: no ``gt_label`` (names the loader to add).
        ValueError: maps of different sizes (names the files).
    """

    def __init__(self,
                 keys: Optional[Sequence[str]] = None,
                 meta_keys: Sequence[str] = (
                     'sample_idx', 'img_path', 'label_path', 'inst_path',
                     'ori_shape', 'img_shape', 'flip', 'crop_bbox',
                     'thing_instance')):
        self.keys = check_keys_arg(keys)
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        if 'gt_label' not in results:
            raise KeyError('PackSynInputs needs gt_label: add LoadLabelMap '
                           'to the pipeline.')
        keys = present_keys(results, self.keys)
        check_paired_shapes(results, keys)
        inputs = {}
        sample = SynDataSample()
        for key in keys:
            if key in MAP_KEYS:
                tensor = torch.from_numpy(results[key].astype(np.int64))[None]
            else:
                tensor = _image_to_tensor(results[key])
            inputs[SAMPLE_KEYS[key]] = tensor
            if key in _SAMPLE_FIELDS:
                sample.set_field(tensor, key)
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self):
        return f'{type(self).__name__}(keys={self.keys})'
