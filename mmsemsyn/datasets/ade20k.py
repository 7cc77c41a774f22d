"""ADE20K scene parsing (Zhou et al., CVPR 2017) as used by SPADE.

``ADEChallengeData2016``: ``images/{training,validation}/*.jpg`` and
``annotations/{training,validation}/*.png`` with 0 = other/unlabeled and
1..150 the classes. SPADE shifts labels by -1 and sends 0 to an extra
dontcare channel (label_nc 150 + 1, no instance maps); here the same is
``reduce_zero_label`` (0 → 255, k → k - 1, which ``LoadLabelMap`` applies
by default for this dataset) with ``dontcare_label=255``.
"""
from typing import Optional

from mmsemsyn.registry import DATASETS
from .base_synthesis_dataset import SynthesisDataset

# The SceneParsing class names and colours, in the order of
# mmsegmentation's ADE20KDataset (so visualisations agree with mmseg).
ADE20K_CLASSES = (
    'wall', 'building', 'sky', 'floor', 'tree', 'ceiling', 'road', 'bed',
    'windowpane', 'grass', 'cabinet', 'sidewalk', 'person', 'earth',
    'door', 'table', 'mountain', 'plant', 'curtain', 'chair', 'car',
    'water', 'painting', 'sofa', 'shelf', 'house', 'sea', 'mirror', 'rug',
    'field', 'armchair', 'seat', 'fence', 'desk', 'rock', 'wardrobe',
    'lamp', 'bathtub', 'railing', 'cushion', 'base', 'box', 'column',
    'signboard', 'chest of drawers', 'counter', 'sand', 'sink',
    'skyscraper', 'fireplace', 'refrigerator', 'grandstand', 'path',
    'stairs', 'runway', 'case', 'pool table', 'pillow', 'screen door',
    'stairway', 'river', 'bridge', 'bookcase', 'blind', 'coffee table',
    'toilet', 'flower', 'book', 'hill', 'bench', 'countertop', 'stove',
    'palm', 'kitchen island', 'computer', 'swivel chair', 'boat', 'bar',
    'arcade machine', 'hovel', 'bus', 'towel', 'light', 'truck', 'tower',
    'chandelier', 'awning', 'streetlight', 'booth', 'television receiver',
    'airplane', 'dirt track', 'apparel', 'pole', 'land', 'bannister',
    'escalator', 'ottoman', 'bottle', 'buffet', 'poster', 'stage', 'van',
    'ship', 'fountain', 'conveyer belt', 'canopy', 'washer', 'plaything',
    'swimming pool', 'stool', 'barrel', 'basket', 'waterfall', 'tent',
    'bag', 'minibike', 'cradle', 'oven', 'ball', 'food', 'step', 'tank',
    'trade name', 'microwave', 'pot', 'animal', 'bicycle', 'lake',
    'dishwasher', 'screen', 'blanket', 'sculpture', 'hood', 'sconce',
    'vase', 'traffic light', 'tray', 'ashcan', 'fan', 'pier', 'crt screen',
    'plate', 'monitor', 'bulletin board', 'shower', 'radiator', 'glass',
    'clock', 'flag')
ADE20K_PALETTE = (
    (120, 120, 120), (180, 120, 120), (6, 230, 230), (80, 50, 50), (4, 200,
    3), (120, 120, 80), (140, 140, 140), (204, 5, 255), (230, 230, 230),
    (4, 250, 7), (224, 5, 255), (235, 255, 7), (150, 5, 61), (120, 120,
    70), (8, 255, 51), (255, 6, 82), (143, 255, 140), (204, 255, 4), (255,
    51, 7), (204, 70, 3), (0, 102, 200), (61, 230, 250), (255, 6, 51), (11,
    102, 255), (255, 7, 71), (255, 9, 224), (9, 7, 230), (220, 220, 220),
    (255, 9, 92), (112, 9, 255), (8, 255, 214), (7, 255, 224), (255, 184,
    6), (10, 255, 71), (255, 41, 10), (7, 255, 255), (224, 255, 8), (102,
    8, 255), (255, 61, 6), (255, 194, 7), (255, 122, 8), (0, 255, 20),
    (255, 8, 41), (255, 5, 153), (6, 51, 255), (235, 12, 255), (160, 150,
    20), (0, 163, 255), (140, 140, 140), (250, 10, 15), (20, 255, 0), (31,
    255, 0), (255, 31, 0), (255, 224, 0), (153, 255, 0), (0, 0, 255), (255,
    71, 0), (0, 235, 255), (0, 173, 255), (31, 0, 255), (11, 200, 200),
    (255, 82, 0), (0, 255, 245), (0, 61, 255), (0, 255, 112), (0, 255,
    133), (255, 0, 0), (255, 163, 0), (255, 102, 0), (194, 255, 0), (0,
    143, 255), (51, 255, 0), (0, 82, 255), (0, 255, 41), (0, 255, 173),
    (10, 0, 255), (173, 255, 0), (0, 255, 153), (255, 92, 0), (255, 0,
    255), (255, 0, 245), (255, 0, 102), (255, 173, 0), (255, 0, 20), (255,
    184, 184), (0, 31, 255), (0, 255, 61), (0, 71, 255), (255, 0, 204), (0,
    255, 194), (0, 255, 82), (0, 10, 255), (0, 112, 255), (51, 0, 255), (0,
    194, 255), (0, 122, 255), (0, 255, 163), (255, 153, 0), (0, 255, 10),
    (255, 112, 0), (143, 255, 0), (82, 0, 255), (163, 255, 0), (255, 235,
    0), (8, 184, 170), (133, 0, 255), (0, 255, 92), (184, 0, 255), (255, 0,
    31), (0, 184, 255), (0, 214, 255), (255, 0, 112), (92, 255, 0), (0,
    224, 255), (112, 224, 255), (70, 184, 160), (163, 0, 255), (153, 0,
    255), (71, 255, 0), (255, 0, 163), (255, 204, 0), (255, 0, 143), (0,
    255, 235), (133, 255, 0), (255, 0, 235), (245, 0, 255), (255, 0, 122),
    (255, 245, 0), (10, 190, 212), (214, 255, 0), (0, 204, 255), (20, 0,
    255), (255, 255, 0), (0, 153, 255), (0, 41, 255), (0, 255, 204), (41,
    0, 255), (41, 255, 0), (173, 0, 255), (0, 245, 255), (71, 0, 255),
    (122, 0, 255), (0, 255, 184), (0, 92, 255), (184, 255, 0), (0, 133,
    255), (255, 214, 0), (25, 194, 194), (102, 255, 0), (92, 0, 255))

_SPLITS = {'train': 'training', 'val': 'validation'}


@DATASETS.register_module()
class ADE20KDataset(SynthesisDataset):
    """ADE20K label maps (150 classes + dontcare) → photos.

    Args:
        data_root: the ``ADEChallengeData2016`` folder.
        split: ``training`` / ``validation`` (or ``train`` / ``val``).
        data_prefix: explicit folders; overrides ``split``.
    """

    # background_ids: the "stuff" ids of Lab2Pix-V2's foreground mask (its
    # official list, in these 0-based ids).
    METAINFO = dict(classes=ADE20K_CLASSES, palette=ADE20K_PALETTE,
                    dontcare_label=255,
                    background_ids=(0, 1, 2, 3, 4, 5, 6, 9, 11, 13, 16, 17,
                                    21, 25, 26, 29, 32, 46, 48, 51, 52, 54,
                                    60, 61, 68, 69, 81, 91, 94, 101, 128))

    def __init__(self,
                 data_root: str = 'data/ADEChallengeData2016',
                 split: str = 'training',
                 data_prefix: Optional[dict] = None,
                 **kwargs):
        self.split = _SPLITS.get(split, split)
        if data_prefix is None:
            data_prefix = dict(img_path=f'images/{self.split}',
                               label_path=f'annotations/{self.split}')
        kwargs.setdefault('label_suffix', '.png')
        kwargs.setdefault('img_suffix', '.jpg')
        super().__init__(data_root=data_root, data_prefix=data_prefix,
                         **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        info = super().parse_data_info(raw_data_info)
        # Read by LoadLabelMap(reduce_zero_label=None): 0 → 255, k → k - 1.
        info['reduce_zero_label'] = True
        return info
