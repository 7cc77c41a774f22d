"""Pack a transformed sample into model inputs and a SynDataSample."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmsemsyn.registry import TRANSFORMS
from mmsemsyn.structures import SynDataSample
from .geometric import check_paired_shapes


def _image_to_tensor(img: np.ndarray) -> torch.Tensor:
    if img.ndim == 2:
        img = img[..., None]
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


@TRANSFORMS.register_module()
class PackSynInputs(BaseTransform):
    """``inputs`` = dict(label (1,H,W) int64, inst (1,H,W) int64, img
    (3,H,W) uint8, extra images); ``data_samples`` = SynDataSample holding
    the same tensors as ``gt_label``/``gt_inst``/``gt_img`` plus metainfo.
    """

    def __init__(self,
                 extra_image_keys: Sequence[str] = (),
                 meta_keys: Sequence[str] = (
                     'sample_idx', 'img_path', 'label_path', 'inst_path',
                     'ori_shape', 'img_shape', 'flip', 'crop_bbox')):
        self.extra_image_keys = tuple(extra_image_keys)
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        check_paired_shapes(results, self.extra_image_keys)
        if 'gt_label' not in results:
            raise KeyError('PackSynInputs needs gt_label: add LoadLabelMap '
                           'to the pipeline.')
        inputs = {}
        sample = SynDataSample()
        label = torch.from_numpy(results['gt_label'].astype(np.int64))[None]
        inputs['label'] = label
        sample.gt_label = label
        if 'gt_inst' in results:
            inst = torch.from_numpy(results['gt_inst'].astype(np.int64))[None]
            inputs['inst'] = inst
            sample.gt_inst = inst
        if 'gt_img' in results:
            img = _image_to_tensor(results['gt_img'])
            inputs['img'] = img
            sample.gt_img = img
        for key in self.extra_image_keys:
            inputs[key] = _image_to_tensor(results[key])
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self):
        return f'{type(self).__name__}(extra_image_keys={self.extra_image_keys})'
