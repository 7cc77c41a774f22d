"""Id mappings from our datasets' label ids to pretrained segmenters' ids.

Ids absent from a mapping become the metric's ``ignore_index``.
"""
from typing import Dict

# cityscapesScripts labels.py: labelId -> trainId (19 evaluated classes).
CITYSCAPES_LABELID_TO_TRAINID: Dict[int, int] = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9,
    23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18
}

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
