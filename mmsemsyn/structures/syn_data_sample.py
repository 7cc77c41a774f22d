"""The one data sample that flows from the dataset to metrics and files."""
from typing import List, Sequence

import torch
from mmengine.structures import BaseDataElement


class SynDataSample(BaseDataElement):
    """A semantic-synthesis sample.

    Data fields (all ``torch.Tensor``):

    - ``gt_img``: the real photo, uint8 RGB, (3, H, W).
    - ``gt_label``: semantic label ids, int64, (1, H, W).
    - ``gt_inst``: instance ids, int64, (1, H, W) (optional).
    - ``fake_img``: the generated photo, uint8 RGB, (3, H, W) -- the only
      form metrics, the visualiser, the inferencer and saved files see.

    Metainfo carries ``label_path``, ``img_path``, ``inst_path``,
    ``ori_shape``, ``img_shape`` and ``sample_idx``.
    """

    @staticmethod
    def stack(samples: Sequence['SynDataSample'], key: str) -> torch.Tensor:
        """Stack one data field of several samples into a batch tensor."""
        return torch.stack([getattr(s, key) for s in samples])

    def clone_meta(self) -> 'SynDataSample':
        """A new sample with this sample's metainfo and ground truth."""
        new = SynDataSample(metainfo=self.metainfo)
        for key in ('gt_img', 'gt_label', 'gt_inst'):
            if key in self:
                new.set_field(getattr(self, key), key)
        return new


SampleList = List[SynDataSample]
