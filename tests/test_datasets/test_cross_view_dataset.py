"""Six-panel cross-view files: panel split, direction roles, label remap."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsemsyn  # noqa: F401
from mmsemsyn.datasets.cross_view import (
    LoadCrossViewPanels,
    remap_label_values,
    split_panels,
)
from mmsemsyn.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
S = 16  # panel size
VALUES = (10, 20, 30, 40, 50, 60)


def make_panels(seed=0):
    """Six 16x16 panels: 4 random photos/colour maps and 2 grey label maps
    of 4x4 blocks whose values are 10..60 (every class present)."""
    rng = np.random.default_rng(seed)
    photos = [rng.integers(0, 256, (S, S, 3), dtype=np.uint8)
              for _ in range(4)]
    labels = []
    for _ in range(2):
        ids = np.kron(rng.permutation(np.arange(16) % 6).reshape(4, 4),
                      np.ones((4, 4), int))
        labels.append(ids)
    greys = [np.repeat((10 * (i + 1)).astype(np.uint8)[..., None], 3, -1)
             for i in labels]
    return photos, labels, greys


def write_panel_file(path, photos, greys, ext='.png'):
    img = np.concatenate(photos + greys, 1)  # [Ia|Ig|Sa|Sg|La|Lg], RGB
    path = str(path) + ext
    cv2.imwrite(path, img[..., ::-1])
    return path


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmsemsyn')


def test_split_panels_and_bad_width():
    img = np.arange(2 * 12 * 3).reshape(2, 12, 3)
    panels = split_panels(img)
    assert len(panels) == 6 and all(p.shape == (2, 2, 3) for p in panels)
    np.testing.assert_array_equal(np.concatenate(panels, 1), img)
    with pytest.raises(ValueError, match='x.png.*13 px wide'):
        split_panels(np.zeros((2, 13, 3)), path='x.png')


@pytest.mark.parametrize('direction', ['a2g', 'g2a'])
def test_load_panels_roles(tmp_path, direction):
    photos, labels, greys = make_panels()
    path = write_panel_file(tmp_path / 'sample', photos, greys)
    out = LoadCrossViewPanels(direction=direction)(dict(img_path=path))
    src, tgt, sem, lab = (0, 1, 3, 1) if direction == 'a2g' else (1, 0, 2, 0)
    np.testing.assert_array_equal(out['source_img'], photos[src])
    np.testing.assert_array_equal(out['gt_img'], photos[tgt])
    np.testing.assert_array_equal(out['target_semantic'], photos[sem])
    # Grey 10..60 -> ids 0..5, exactly.
    np.testing.assert_array_equal(out['gt_label'], labels[lab])
    assert out['gt_label'].dtype == np.int64
    assert out['label_path'] == path


def test_remap_exact_nearest_and_unmatched():
    grey = np.array([[10, 20, 60], [30, 43, 50]])
    with pytest.raises(ValueError, match=r"f.png.*\[43\].*nearest"):
        remap_label_values(grey, VALUES, 'exact', path='f.png')
    np.testing.assert_array_equal(
        remap_label_values(grey, VALUES, 'exact', unmatched_label=255),
        [[0, 1, 5], [2, 255, 4]])
    np.testing.assert_array_equal(
        remap_label_values(grey, VALUES, 'nearest'), [[0, 1, 5], [2, 3, 4]])
    np.testing.assert_array_equal(
        remap_label_values(np.array([[2, 64, 13]]), VALUES, 'nearest',
                           max_distance=5, unmatched_label=255),
        [[255, 5, 0]])
    with pytest.raises(ValueError, match='exact.*nearest'):
        remap_label_values(grey, VALUES, 'fuzzy')


def test_dataset_with_config_pipeline(tmp_path):
    """The Dayton base config's train pipeline on a folder of panel files:
    every map keeps its size, ids stay ids, extras travel with the photo."""
    for i in range(3):
        photos, _, greys = make_panels(seed=i)
        write_panel_file(tmp_path / f'{i:03d}', photos, greys)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/dayton_a2g.py'))
    pipeline = cfg.train_pipeline
    pipeline[1]['scale'] = (18, 18)
    pipeline[2]['crop_size'] = (16, 16)
    ds = DATASETS.build(dict(type='DaytonDataset', data_root=str(tmp_path),
                             data_prefix=dict(img_path=''),
                             pipeline=pipeline))
    assert len(ds) == 3 and ds.metainfo['classes'][4] == 'sky'
    sample = ds[1]
    inputs = sample['inputs']
    assert inputs['img'].shape == inputs['source_img'].shape == \
        inputs['target_semantic'].shape == (3, 16, 16)
    assert inputs['label'].shape == (1, 16, 16)
    assert set(inputs['label'].unique().tolist()) <= set(range(6))
    assert sample['data_samples'].gt_img.dtype == torch.uint8


def test_jpeg_panels_need_nearest(tmp_path):
    """JPEG noise moves grey values off 10..60 (CVUSA): exact matching
    fails with a message naming the file, nearest matching recovers the
    ids inside the 4x4 blocks."""
    photos, labels, greys = make_panels()
    path = write_panel_file(tmp_path / 'cvusa', photos, greys, '.jpg')
    with pytest.raises(ValueError, match='cvusa.jpg'):
        LoadCrossViewPanels(label_match='exact')(dict(img_path=path))
    out = LoadCrossViewPanels(label_match='nearest')(dict(img_path=path))
    assert out['gt_label'].min() >= 0 and out['gt_label'].max() <= 5
    assert (out['gt_label'] == labels[1]).mean() > 0.9


def test_missing_folder_message(tmp_path):
    with pytest.raises(FileNotFoundError, match='download_lggan_dataset'):
        DATASETS.build(dict(type='CVUSADataset', data_root=str(tmp_path),
                            data_prefix=dict(img_path='nope')))
