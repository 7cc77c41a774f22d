"""Cross-view image translation data (Dayton, CVUSA, SVA) in the six-panel
format of SelectionGAN / LGGAN.

Each file is one image of six equal square panels, left to right::

    [ Ia | Ig | Sa | Sg | La | Lg ]

aerial photo, ground photo, aerial / ground colour semantic maps (RefineNet
predictions with a Cityscapes palette) and aerial / ground grey label maps
whose grey values are multiples of 10 (10..60: six groups of Cityscapes
classes). For the a2g direction (LGGAN Sec. 3.1, "cross-view image
translation") the generator sees ``cat(Ia, Sg)``, the target photo is
``Ig`` and the class masks of the local generator (Eq. 1) come from ``Lg``.

Differences from the official loader (``data/aligned_dataset.py``), on
purpose:

- label panels are resized **nearest** and remapped to ``0..N-1`` here, once;
  the official code resizes them bicubic and matches grey values exactly in
  the generator (``custom_replace``), so pixels on class borders (and every
  JPEG-disturbed pixel of CVUSA) fall in no class there;
- an unexpected grey value is an error naming the file, unless the config
  asks for nearest-value matching (CVUSA's JPEG panels) or an explicit
  ``unmatched_label``.
"""
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmengine.fileio import list_dir_or_file

from mmsemsyn.registry import DATASETS, TRANSFORMS
from mmsemsyn.utils import explain_missing_scope
from .image_reader import read_image

PANEL_NAMES = ('aerial_img', 'ground_img', 'aerial_semantic',
               'ground_semantic', 'aerial_label', 'ground_label')

# Which panels play which role for each translation direction.
DIRECTIONS = {
    'a2g': dict(source='aerial_img', target='ground_img',
                semantic='ground_semantic', label='ground_label'),
    'g2a': dict(source='ground_img', target='aerial_img',
                semantic='aerial_semantic', label='aerial_label'),
}

# The six label groups of the Dayton/CVUSA/SVA label panels, read off the
# sample panels (grey value -> Cityscapes colours of the semantic panel).
CROSS_VIEW_CLASSES = ('vehicle', 'flat', 'object', 'construction', 'sky',
                      'vegetation')
CROSS_VIEW_LABEL_VALUES = (10, 20, 30, 40, 50, 60)
CROSS_VIEW_PALETTE = ((0, 0, 142), (128, 64, 128), (220, 20, 60),
                      (70, 70, 70), (70, 130, 180), (107, 142, 35))


def split_panels(img: np.ndarray, num_panels: int = 6,
                 path: str = '') -> List[np.ndarray]:
    """Cut a (H, num_panels * W, C) image into its panels (left to right)."""
    h, w = img.shape[:2]
    if w % num_panels:
        raise ValueError(
            f'Cross-view file {path!r} is {w} px wide, which does not split '
            f'into {num_panels} equal panels [Ia|Ig|Sa|Sg|La|Lg]. Use the '
            'six-panel files of the LGGAN/SelectionGAN datasets or set '
            'num_panels.')
    pw = w // num_panels
    return [np.ascontiguousarray(img[:, i * pw:(i + 1) * pw])
            for i in range(num_panels)]


def remap_label_values(grey: np.ndarray,
                       values: Sequence[int],
                       match: str = 'exact',
                       unmatched_label: Optional[int] = None,
                       max_distance: Optional[int] = None,
                       path: str = '') -> np.ndarray:
    """Grey label values (e.g. 10..60) -> class ids 0..N-1.

    Args:
        grey: (H, W) integer grey values of a label panel.
        values: the grey value of each class, in class order.
        match: 'exact' (a value must equal one of ``values``) or 'nearest'
            (the closest value wins -- for JPEG-stored panels, CVUSA).
        unmatched_label: id given to pixels that match no class; None
            raises an error naming the file and the values instead.
        max_distance: with 'nearest', pixels farther than this from every
            value are unmatched.
    """
    if match not in ('exact', 'nearest'):
        raise ValueError(f"label match must be 'exact' or 'nearest', got "
                         f'{match!r}')
    vals = np.asarray(values, dtype=np.int64)
    grey = grey.astype(np.int64)
    if grey.size and grey.min() < 0:
        raise ValueError(f'Label panel of {path!r} has negative values.')
    # Decide once per grey level (a lookup table), not once per pixel.
    levels = np.arange(max(256, int(grey.max(initial=0)) + 1))
    dist = np.abs(levels[:, None] - vals)
    level_ids = dist.argmin(-1)
    best = dist.min(-1)
    if match == 'exact':
        level_unmatched = best != 0
    elif max_distance is not None:
        level_unmatched = best > max_distance
    else:
        level_unmatched = np.zeros_like(best, dtype=bool)
    ids, unmatched = level_ids[grey], level_unmatched[grey]
    if unmatched.any():
        if unmatched_label is None:
            bad = np.unique(grey[unmatched])
            raise ValueError(
                f'Label panel of {path!r} has grey value(s) '
                f'{bad[:10].tolist()} ({int(unmatched.sum())} pixels) that '
                f'match none of the class values {list(values)} '
                f'(match={match!r}). For JPEG-stored panels (CVUSA) use '
                "label_match='nearest'; to reproduce the official code, "
                'which leaves such pixels in no class, set unmatched_label='
                '255 and dontcare_label=255 in the data preprocessor; '
                'otherwise fix label_values for this dataset.')
        ids = np.where(unmatched, unmatched_label, ids)
    return ids.astype(np.int64)


@TRANSFORMS.register_module()
class LoadCrossViewPanels(BaseTransform):
    """Read a six-panel file once and store the panels a direction needs.

    Writes ``gt_img`` (target photo, uint8 RGB), ``source_img`` (the
    conditioning photo of the other view), ``target_semantic`` (the target
    view's colour semantic map, used as an image) and ``gt_label`` (the
    target view's label panel remapped to ``0..N-1``).

    Args:
        direction: 'a2g' (aerial -> ground, the LGGAN paper's setting) or
            'g2a'.
        label_values: grey value of each class in the label panels.
        label_match / unmatched_label / max_label_distance: see
            :func:`remap_label_values`.
    """

    def __init__(self,
                 direction: str = 'a2g',
                 label_values: Sequence[int] = CROSS_VIEW_LABEL_VALUES,
                 label_match: str = 'exact',
                 unmatched_label: Optional[int] = None,
                 max_label_distance: Optional[int] = None):
        if direction not in DIRECTIONS:
            raise ValueError(f'direction must be one of {list(DIRECTIONS)}, '
                             f'got {direction!r}')
        self.direction = direction
        self.label_values = tuple(label_values)
        self.label_match = label_match
        self.unmatched_label = unmatched_label
        self.max_label_distance = max_label_distance

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        img = read_image(path, 'rgb')
        panels = dict(zip(PANEL_NAMES, split_panels(img, 6, path)))
        roles = DIRECTIONS[self.direction]
        results['gt_img'] = panels[roles['target']]
        results['source_img'] = panels[roles['source']]
        results['target_semantic'] = panels[roles['semantic']]
        # The grey panels repeat the value in R, G and B (up to JPEG noise);
        # the official code reads the first (R) channel.
        results['gt_label'] = remap_label_values(
            panels[roles['label']][..., 0], self.label_values,
            self.label_match, self.unmatched_label, self.max_label_distance,
            path)
        results['label_path'] = path
        results['ori_shape'] = results['gt_img'].shape[:2]
        results['img_shape'] = results['gt_img'].shape[:2]
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(direction={self.direction!r}, '
                f'label_match={self.label_match!r})')


@DATASETS.register_module()
class CrossViewDataset(BaseDataset):
    """Every six-panel image under ``data_root/data_prefix['img_path']``.

    The folder layout of the official release is ``<root>/train`` and
    ``<root>/test``. Pair with :class:`LoadCrossViewPanels` in the pipeline.
    """

    METAINFO = dict(classes=CROSS_VIEW_CLASSES, palette=CROSS_VIEW_PALETTE,
                    label_values=CROSS_VIEW_LABEL_VALUES, dontcare_label=None)

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 suffixes: Sequence[str] = ('.png', '.jpg', '.jpeg'),
                 **kwargs):
        self.suffixes = tuple(suffixes)
        # Without mmsemsyn's default scope, say so (not a bare KeyError).
        with explain_missing_scope(type(self).__name__):
            super().__init__(data_root=data_root,
                             data_prefix=data_prefix or dict(img_path=''),
                             **kwargs)

    def load_data_list(self) -> List[dict]:
        folder = self.data_prefix.get('img_path', self.data_root)
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{type(self).__name__}: folder {folder!r} does not exist. '
                'Download the dataset (LGGAN datasets/'
                'download_lggan_dataset.sh) and set data_root/data_prefix in '
                'the config.')
        files = sorted(
            f for f in list_dir_or_file(folder, list_dir=False,
                                        recursive=True)
            if f.lower().endswith(self.suffixes))
        if not files:
            raise FileNotFoundError(
                f'{type(self).__name__}: no {self.suffixes} images under '
                f'{folder!r}.')
        return [dict(img_path=osp.join(folder, f)) for f in files]


@DATASETS.register_module()
class DaytonDataset(CrossViewDataset):
    """Dayton (Vo & Hays 2016) as shipped by SelectionGAN/LGGAN: PNG panels,
    six label groups 10..60."""


@DATASETS.register_module()
class CVUSADataset(CrossViewDataset):
    """CVUSA (Workman et al. 2015) as shipped by SelectionGAN/LGGAN: JPG
    panels, so the label panels carry compression noise (configs use
    ``label_match='nearest'``)."""
