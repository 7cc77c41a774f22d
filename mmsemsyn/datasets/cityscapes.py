"""Cityscapes (Cordts et al., CVPR 2016) in the pix2pixHD / SPADE convention.

Label maps are ``gtFine_labelIds`` (ids 0..33), one-hot over ``label_nc=35``
channels (index 34 is the licence plate, whose official id is -1 and which
the PNGs never contain); there is no dontcare channel. Instance maps are the
16-bit ``gtFine_instanceIds`` (``class_id * 1000 + k`` for things, the class
id for stuff) and only feed the instance-edge channel. Photos are
``leftImg8bit``.

Two folder layouts are read:

- the official tree::

    data_root/leftImg8bit/{split}/{city}/{city}_{seq}_{frame}_leftImg8bit.png
    data_root/gtFine/{split}/{city}/{city}_{seq}_{frame}_gtFine_labelIds.png
    data_root/gtFine/{split}/{city}/{city}_{seq}_{frame}_gtFine_instanceIds.png

- pix2pixHD's flat folders (``datasets/cityscapes`` of its repository;
  ``tools/dataset_converters/cityscapes.py`` builds them from the tree)::

    data_root/{split}_label/*_gtFine_labelIds.png
    data_root/{split}_inst/*_gtFine_instanceIds.png
    data_root/{split}_img/*_leftImg8bit.png

Samples are paired by frame name, never by sort order.
"""
import os.path as osp
from typing import Optional

from mmsemsyn.registry import DATASETS
from .aligned import AlignedDataset
from .base_synthesis_dataset import SynthesisDataset

# Index = Cityscapes label id (cityscapesScripts ``labels.py``); 34 stands
# in for the licence plate (id -1) so that label_nc = 35 as in pix2pixHD.
CITYSCAPES_CLASSES = (
    'unlabeled', 'ego vehicle', 'rectification border', 'out of roi',
    'static', 'dynamic', 'ground', 'road', 'sidewalk', 'parking',
    'rail track', 'building', 'wall', 'fence', 'guard rail', 'bridge',
    'tunnel', 'pole', 'polegroup', 'traffic light', 'traffic sign',
    'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus',
    'caravan', 'trailer', 'train', 'motorcycle', 'bicycle', 'license plate')
# The official colours (``gtFine_color`` images). Several ids share a colour
# (0-4 black, 17/18 grey, 26/34 car blue); decoding colours picks the lowest.
CITYSCAPES_PALETTE = (
    (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0), (111, 74, 0),
    (81, 0, 81), (128, 64, 128), (244, 35, 232), (250, 170, 160),
    (230, 150, 140), (70, 70, 70), (102, 102, 156), (190, 153, 153),
    (180, 165, 180), (150, 100, 100), (150, 120, 90), (153, 153, 153),
    (153, 153, 153), (250, 170, 30), (220, 220, 0), (107, 142, 35),
    (152, 251, 152), (70, 130, 180), (220, 20, 60), (255, 0, 0),
    (0, 0, 142), (0, 0, 70), (0, 60, 100), (0, 0, 90), (0, 0, 110),
    (0, 80, 100), (0, 0, 230), (119, 11, 32), (0, 0, 142))

# label id → train id (the 19 evaluated classes; 255 = ignored), e.g. for
# segmenters trained on train ids (DRN-D-105 of the SPADE evaluation).
CITYSCAPES_TRAIN_IDS = {
    label_id: train_id
    for train_id, label_id in enumerate(
        (7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31,
         32, 33))
}


def label_ids_to_train_ids(label):
    """Map Cityscapes label ids (array or tensor) to train ids (255 for
    the classes Cityscapes does not evaluate)."""
    import numpy as np
    import torch
    table = np.full(256, 255, np.int64)
    for label_id, train_id in CITYSCAPES_TRAIN_IDS.items():
        table[label_id] = train_id
    if isinstance(label, torch.Tensor):
        return torch.from_numpy(table).to(label.device)[label.long()]
    return table[np.asarray(label)]


# Background ("stuff") label ids of Lab2Pix's foreground enhancement mask
# (Eq. 9), as the official Lab2Pix-V2 code lists them; the official V1 code
# lists other ids (kept for the V1 configs' 'cityscapes_v1').
CITYSCAPES_BACKGROUND_IDS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16,
                             21, 23)
CITYSCAPES_BACKGROUND_IDS_V1 = (0, 2, 3, 4, 5, 6, 7, 8, 9, 11, 14, 15, 16, 23)

CITYSCAPES_METAINFO = dict(classes=CITYSCAPES_CLASSES,
                           palette=CITYSCAPES_PALETTE, dontcare_label=None,
                           background_ids=CITYSCAPES_BACKGROUND_IDS)

_LAYOUTS = {
    'official': dict(label_path='gtFine/{split}', inst_path='gtFine/{split}',
                     img_path='leftImg8bit/{split}'),
    'pix2pixhd': dict(label_path='{split}_label', inst_path='{split}_inst',
                      img_path='{split}_img'),
}


@DATASETS.register_module()
class CityscapesDataset(SynthesisDataset):
    """Cityscapes label ids (+ instance ids) → ``leftImg8bit`` photos.

    Args:
        data_root: the Cityscapes root (official tree) or pix2pixHD's
            ``datasets/cityscapes`` folder.
        split: ``train`` / ``val`` / ``test``. pix2pixHD's flat layout
            calls its validation frames ``test``; ``val`` finds them there.
        layout: ``'official'``, ``'pix2pixhd'`` or ``'auto'`` (whichever
            folder exists under ``data_root``).
        with_instances: list the instance maps (needed by
            ``LoadInstanceMap`` and the instance-edge channel).
        require_img: False lists label maps without photos (pix2pixHD's
            ``test_label`` ships none), for inference.
        data_prefix: explicit folders; overrides ``split``/``layout``.
    """

    METAINFO = CITYSCAPES_METAINFO

    def __init__(self,
                 data_root: str = 'data/cityscapes',
                 split: str = 'train',
                 layout: str = 'auto',
                 with_instances: bool = True,
                 data_prefix: Optional[dict] = None,
                 **kwargs):
        self.split = split
        if data_prefix is None:
            self.layout = self.resolve_layout(data_root, split, layout)
            split = self.split = self.resolve_split(data_root, split,
                                                    self.layout)
            data_prefix = {
                k: v.format(split=split)
                for k, v in _LAYOUTS[self.layout].items()
            }
        else:
            self.layout = 'custom'
        if not with_instances:
            data_prefix = {k: v for k, v in data_prefix.items()
                           if k != 'inst_path'}
        kwargs.setdefault('label_suffix', '_gtFine_labelIds.png')
        kwargs.setdefault('img_suffix', '_leftImg8bit.png')
        kwargs.setdefault('inst_suffix', '_gtFine_instanceIds.png')
        super().__init__(data_root=data_root, data_prefix=data_prefix,
                         **kwargs)

    @staticmethod
    def resolve_split(data_root: str, split: str, layout: str) -> str:
        """pix2pixHD's flat layout names the validation frames ``test``."""
        if (layout == 'pix2pixhd' and split == 'val'
                and not osp.isdir(osp.join(data_root, 'val_label'))
                and osp.isdir(osp.join(data_root, 'test_label'))):
            return 'test'
        return split

    @staticmethod
    def resolve_layout(data_root: str, split: str, layout: str) -> str:
        if layout not in ('auto', *_LAYOUTS):
            raise ValueError(f'CityscapesDataset: unknown layout {layout!r}; '
                             f'choose auto, {", ".join(_LAYOUTS)}.')
        if layout != 'auto':
            return layout
        candidates = {
            name: osp.join(data_root, paths['label_path'].format(split=split))
            for name, paths in _LAYOUTS.items()
        }
        if split == 'val':  # pix2pixHD's validation frames are "test"
            candidates['pix2pixhd_test'] = osp.join(data_root, 'test_label')
        for name, folder in candidates.items():
            if osp.isdir(folder):
                return name.replace('_test', '')
        raise FileNotFoundError(
            f'CityscapesDataset: found neither the official tree '
            f'({candidates["official"]!r}) nor pix2pixHD\'s flat layout '
            f'({candidates["pix2pixhd"]!r}) for split {split!r}. Set '
            'data_root to the folder holding gtFine/ and leftImg8bit/ (or '
            f'{split}_label/, {split}_inst/, {split}_img/), and check split.')


@DATASETS.register_module()
class CityscapesABDataset(AlignedDataset):
    """pix2pix's ``cityscapes`` set: 256x256 photo | colour label pairs.

    The colour labels are decoded to Cityscapes label ids with the official
    palette (nearest colour); ids that share a colour decode to the lowest
    (black → 0 'unlabeled', grey → 17 'pole', car blue → 26 'car').
    """

    METAINFO = CITYSCAPES_METAINFO

    def __init__(self, data_root: str = 'data/cityscapes_pix2pix', **kwargs):
        super().__init__(data_root=data_root, **kwargs)
