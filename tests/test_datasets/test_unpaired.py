"""Unpaired label/photo sampling and the sketch label loader."""
import os.path as osp

import numpy as np
import pytest
from syn_fake_data import write_image

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import DATASETS
from mmsemsyn.utils import register_all_modules

register_all_modules()


def make_folders(root, n=4):
    for i in range(n):
        sketch = np.full((16, 16), 255, np.uint8)
        sketch[i:i + 2] = 0  # dark stroke rows
        write_image(osp.join(root, 'trainA', f'{i:02d}.png'), sketch)
        photo = np.full((16, 16, 3), 40 * i, np.uint8)
        write_image(osp.join(root, 'trainB', f'{i:02d}.png'), photo)


PIPELINE = [dict(type='LoadSketchLabel', threshold=128),
            dict(type='LoadSynImage'),
            dict(type='PackSynInputs')]


def test_unpaired_photo_folder_and_sketch_labels(tmp_path):
    make_folders(str(tmp_path))
    ds = DATASETS.build(dict(
        type='UnpairedDataset', img_dir=str(tmp_path / 'trainB'),
        img_suffix='.png', seed=0,
        dataset=dict(type='SynthesisDataset', data_root=str(tmp_path),
                     data_prefix=dict(label_path='trainA'),
                     label_suffix='.png', require_img=False,
                     pipeline=PIPELINE)))
    assert len(ds) == 4
    sample = ds[1]
    label = sample['inputs']['label'][0].numpy()
    assert set(np.unique(label)) == {0, 1}
    assert label[1:3].all() and not label[5:].any()
    # the photo is drawn at random: over many accesses, several photos
    drawn = {ds.get_data_info(0)['img_path'] for _ in range(40)}
    assert len(drawn) > 1
    assert all(p.startswith(str(tmp_path / 'trainB')) for p in drawn)


def test_unpaired_wraps_a_paired_dataset(tmp_path):
    make_folders(str(tmp_path))
    inner = dict(type='SynthesisDataset', data_root=str(tmp_path),
                 data_prefix=dict(label_path='trainA', img_path='trainB'),
                 label_suffix='.png', img_suffix='.png', pipeline=PIPELINE)
    ds = DATASETS.build(dict(type='UnpairedDataset', dataset=inner, seed=1))
    partners = {ds.get_data_info(0)['img_path'] for _ in range(40)}
    assert len(partners) > 1
    with pytest.raises(FileNotFoundError, match='photo folder'):
        DATASETS.build(dict(type='UnpairedDataset', dataset=inner,
                            img_dir=str(tmp_path / 'missing')))
