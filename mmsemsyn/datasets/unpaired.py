"""Unpaired data for Lab2Pix-V1: every label map meets a random, unrelated
real photo (the official ``aligned_dataset`` draws a random image index)."""
import copy
import os.path as osp
from typing import List, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmengine.fileio import list_dir_or_file

from mmsemsyn.registry import DATASETS, TRANSFORMS
from .image_reader import read_image
from .transforms.randomness import (
    choice,
    make_rng,
    restart_pipeline_rng,
)


@DATASETS.register_module()
class UnpairedDataset:
    """Wraps a label-map dataset so each sample's photo is drawn at random.

    Each access to sample ``i`` keeps its label (and instance) map and
    replaces ``img_path`` by that of a uniformly drawn photo -- another
    sample's photo of the wrapped dataset, or a file of ``img_dir`` when the
    photos live in their own folder (MUNIT-style ``trainA``/``trainB``
    edges2shoes / edges2handbags). The wrapped pipeline then loads and
    transforms them together, so the photo must end up the label's size
    (use a fixed ``PairedResize``).

    Args:
        dataset: the wrapped dataset config (or instance).
        img_dir: optional folder of photos (scanned recursively).
        img_suffix: photo file suffix for ``img_dir``.
        seed: seed of a generator of its own for the drawing; None draws
            from the pipeline stream of
            :mod:`mmsemsyn.datasets.transforms.randomness` (seeded through
            mmengine, per worker).
    """

    def __init__(self, dataset, img_dir: Optional[str] = None,
                 img_suffix: str = '.jpg', seed: Optional[int] = None):
        self.dataset: BaseDataset = DATASETS.build(dataset) \
            if isinstance(dataset, dict) else dataset
        if seed is None:
            self.rng = None
            restart_pipeline_rng()
        else:
            self.rng = make_rng(seed)
        self.img_paths: List[str] = []
        if img_dir is not None:
            if not osp.isdir(img_dir):
                raise FileNotFoundError(
                    f'UnpairedDataset: photo folder {img_dir!r} does not '
                    'exist. Set img_dir to the folder of real photos.')
            self.img_paths = [
                osp.join(img_dir, p) for p in sorted(
                    list_dir_or_file(img_dir, list_dir=False,
                                     suffix=img_suffix, recursive=True))
            ]
            if not self.img_paths:
                raise FileNotFoundError(
                    f'UnpairedDataset: no {img_suffix!r} photos under '
                    f'{img_dir!r}.')
        else:
            self.dataset.full_init()
            self.img_paths = [
                self.dataset.get_data_info(i).get('img_path')
                for i in range(len(self.dataset))
            ]
            if not all(self.img_paths):
                raise ValueError(
                    'UnpairedDataset: the wrapped dataset has samples '
                    'without a photo; give img_dir instead.')

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        self.dataset.full_init()

    def __len__(self) -> int:
        return len(self.dataset)

    def get_data_info(self, idx: int) -> dict:
        info = copy.deepcopy(self.dataset.get_data_info(idx))
        info['img_path'] = choice(self.img_paths, self.rng)
        return info

    def __getitem__(self, idx: int) -> dict:
        return self.dataset.pipeline(self.get_data_info(idx))


@TRANSFORMS.register_module()
class LoadSketchLabel(BaseTransform):
    """A sketch/edge image as a two-class label map (Lab2Pix Eq. 19: "sketch
    pixels and blank pixels"): ``gt_label`` = 1 where the grey value is
    below ``threshold`` (dark strokes on white), else 0.

    Args:
        threshold: grey level separating strokes from blank paper.
        key: results key of the file path ('label_path').
    """

    def __init__(self, threshold: int = 128, key: str = 'label_path'):
        self.threshold = threshold
        self.key = key

    def transform(self, results: dict) -> dict:
        gray = read_image(results[self.key], 'gray',
                          region=results.get('gt_label_region'))
        results['gt_label'] = (gray < self.threshold).astype(np.int64)
        results.setdefault('ori_shape', gray.shape[:2])
        results['img_shape'] = gray.shape[:2]
        return results

    def __repr__(self):
        return f'{type(self).__name__}(threshold={self.threshold})'
