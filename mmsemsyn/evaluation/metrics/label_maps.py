"""Id mappings from our datasets' label ids to pretrained segmenters' ids,
by the names configs give ``SegmentationScore(label_map=...)``.

Ids absent from a mapping become the metric's ``ignore_index``. A map that
is a fact of one dataset lives with that dataset (the Cityscapes
labelId -> trainId map in :mod:`mmsemsyn.datasets.cityscapes`) and is only
named here.
"""
from typing import Dict

from mmsemsyn.datasets.cityscapes import CITYSCAPES_TRAIN_IDS

# cityscapesScripts labels.py: labelId -> trainId (19 evaluated classes).
CITYSCAPES_LABELID_TO_TRAINID: Dict[int, int] = CITYSCAPES_TRAIN_IDS

# COCO-Stuff-164k: the 182 raw ids (0-based, 11 unused thing ids) -> the 171
# classes of mmseg's COCO-Stuff segmenters (its coco_stuff164k converter).
_COCO_UNUSED = (11, 25, 28, 29, 44, 65, 67, 68, 70, 82, 90)
COCO_STUFF_182_TO_171: Dict[int, int] = {
    raw: i for i, raw in enumerate(r for r in range(182)
                                    if r not in _COCO_UNUSED)
}

# ADE20K: our dataset already reduces zero (0 -> 255, k -> k - 1), exactly
# as mmseg's ADE20K segmenters were trained: the identity on 0..149.
ADE20K_150_IDENTITY: Dict[int, int] = {i: i for i in range(150)}

LABEL_MAPS = {
    'cityscapes_labelid_to_trainid': CITYSCAPES_LABELID_TO_TRAINID,
    'coco_stuff_182_to_171': COCO_STUFF_182_TO_171,
    'ade20k_identity': ADE20K_150_IDENTITY,
}
