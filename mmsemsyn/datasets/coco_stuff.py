"""COCO-Stuff (Caesar et al., CVPR 2018) as used by SPADE.

SPADE's layout: ``{split}_img/*.jpg``, ``{split}_label/*.png`` and
``{split}_inst/*.png`` (``split`` = train / val). Labels are the
``stuffthingmaps_trainval2017`` ids: COCO category id - 1, so 0..90 things
(11 of them unused by COCO: street sign, hat, ...), 91..181 stuff, and 255
unlabeled, which becomes the dontcare channel (label_nc 182 + 1). The
instance maps (SPADE's ``coco_generate_instance_map.py``) only serve the
instance-edge channel: label_nc 182 + dontcare + edge = 184 channels.
"""
from typing import Optional

import numpy as np

from mmsemsyn.registry import DATASETS
from .base_synthesis_dataset import SynthesisDataset

COCO_STUFF_CLASSES = (
    # things: COCO ids 1..91
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train',
    'truck', 'boat', 'traffic light', 'fire hydrant', 'street sign',
    'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse',
    'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'hat',
    'backpack', 'umbrella', 'shoe', 'eye glasses', 'handbag', 'tie',
    'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
    'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
    'tennis racket', 'bottle', 'plate', 'wine glass', 'cup', 'fork', 'knife',
    'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli',
    'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch',
    'potted plant', 'bed', 'mirror', 'dining table', 'window', 'desk',
    'toilet', 'door', 'tv', 'laptop', 'mouse', 'remote', 'keyboard',
    'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator',
    'blender', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
    'hair drier', 'toothbrush', 'hair brush',
    # stuff: COCO-Stuff ids 92..182
    'banner', 'blanket', 'branch', 'bridge', 'building-other', 'bush',
    'cabinet', 'cage', 'cardboard', 'carpet', 'ceiling-other',
    'ceiling-tile', 'cloth', 'clothes', 'clouds', 'counter', 'cupboard',
    'curtain', 'desk-stuff', 'dirt', 'door-stuff', 'fence', 'floor-marble',
    'floor-other', 'floor-stone', 'floor-tile', 'floor-wood', 'flower',
    'fog', 'food-other', 'fruit', 'furniture-other', 'grass', 'gravel',
    'ground-other', 'hill', 'house', 'leaves', 'light', 'mat', 'metal',
    'mirror-stuff', 'moss', 'mountain', 'mud', 'napkin', 'net', 'paper',
    'pavement', 'pillow', 'plant-other', 'plastic', 'platform',
    'playingfield', 'railing', 'railroad', 'river', 'road', 'rock', 'roof',
    'rug', 'salad', 'sand', 'sea', 'shelf', 'sky-other', 'skyscraper',
    'snow', 'solid-other', 'stairs', 'stone', 'straw', 'structural-other',
    'table', 'tent', 'textile-other', 'towel', 'tree', 'vegetable',
    'wall-brick', 'wall-concrete', 'wall-other', 'wall-panel', 'wall-stone',
    'wall-tile', 'wall-wood', 'water-other', 'waterdrops', 'window-blind',
    'window-other', 'wood')


def bit_interleaved_palette(num_classes: int) -> tuple:
    """The Pascal-VOC colour map: id bits spread over R, G, B from the top
    bit down, so neighbouring ids get well separated colours."""
    palette = []
    for i in range(num_classes):
        rgb, c = np.zeros(3, int), i
        for shift in range(7, -1, -1):
            for ch in range(3):
                rgb[ch] |= ((c >> ch) & 1) << shift
            c >>= 3
        palette.append(tuple(int(v) for v in rgb))
    return tuple(palette)


@DATASETS.register_module()
class COCOStuffDataset(SynthesisDataset):
    """COCO-Stuff label maps (182 classes, 255 dontcare) + instance maps.

    Args:
        data_root: the folder holding ``{split}_img``/``_label``/``_inst``.
        split: ``train`` / ``val``.
        with_instances: list ``{split}_inst`` maps (SPADE uses them).
        data_prefix: explicit folders; overrides ``split``.
    """

    # background_ids: the "stuff" ids of Lab2Pix-V2's foreground mask (its
    # official list; 182 is the dontcare channel the preprocessor maps 255
    # to).
    METAINFO = dict(classes=COCO_STUFF_CLASSES,
                    palette=bit_interleaved_palette(len(COCO_STUFF_CLASSES)),
                    dontcare_label=255,
                    background_ids=(114, 115, 116, 117, 118, 124, 126, 127,
                                    128, 135, 136, 144, 145, 147, 148, 149,
                                    151, 154, 155, 157, 158, 159, 160, 161,
                                    162, 164, 169, 170, 171, 172, 173, 174,
                                    175, 176, 177, 178, 182))

    def __init__(self,
                 data_root: str = 'data/coco_stuff',
                 split: str = 'train',
                 with_instances: bool = True,
                 data_prefix: Optional[dict] = None,
                 **kwargs):
        self.split = split
        if data_prefix is None:
            data_prefix = dict(img_path=f'{split}_img',
                               label_path=f'{split}_label')
            if with_instances:
                data_prefix['inst_path'] = f'{split}_inst'
        kwargs.setdefault('label_suffix', '.png')
        kwargs.setdefault('img_suffix', '.jpg')
        kwargs.setdefault('inst_suffix', '.png')
        super().__init__(data_root=data_root, data_prefix=data_prefix,
                         **kwargs)
