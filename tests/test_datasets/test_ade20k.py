import numpy as np
import pytest
import torch

from mmsemsyn.datasets.ade20k import ADE20K_CLASSES, ADE20K_PALETTE
from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
    SynDataPreprocessor,
)
from mmsemsyn.registry import DATASETS

ADE_FOLDERS = dict(img='images/{split}', label='annotations/{split}',
                   inst='unused')


def ade_label(i, h=24, w=40):
    """Raw ADE ids: 0 (other) on the left quarter, 1..150 elsewhere."""
    label = np.zeros((h, w), np.uint8)
    label[:, w // 4:w // 2] = 1
    label[:, w // 2:] = 150 - i
    return label


@pytest.fixture
def ade_root(make_flat_set):
    return make_flat_set(
        'ADEChallengeData2016',
        dict(training=['ADE_train_00000001', 'ADE_train_00000002'],
             validation=['ADE_val_00000001']),
        ade_label, with_inst=False, folders=ADE_FOLDERS)


def build(root, split='training', pipeline=None):
    pipeline = pipeline or [dict(type='LoadLabelMap'),
                            dict(type='LoadSynImage'),
                            dict(type='PackSynInputs')]
    return DATASETS.build(dict(type='ADE20KDataset', data_root=str(root),
                               split=split, pipeline=pipeline))


def test_metainfo():
    assert len(ADE20K_CLASSES) == 150 == len(ADE20K_PALETTE)
    assert ADE20K_CLASSES[:3] == ('wall', 'building', 'sky')
    assert all(c == c.strip() for c in ADE20K_CLASSES)


def test_lists_splits(ade_root):
    ds = build(ade_root)
    assert len(ds) == 2
    assert ds.get_data_info(0)['img_path'].endswith(
        'images/training/ADE_train_00000001.jpg')
    assert len(build(ade_root, 'validation')) == 1
    assert len(build(ade_root, 'val')) == 1  # alias


def test_zero_becomes_dontcare_by_default(ade_root):
    """SPADE: label - 1, 0 → dontcare; LoadLabelMap follows the dataset."""
    out = build(ade_root)[0]
    label = out['inputs']['label'][0]
    assert label[0, 0] == 255          # raw 0
    assert label[0, 15] == 0           # raw 1
    assert label[0, 30] == 149         # raw 150
    assert out['inputs']['img'].shape == (3, 24, 40)
    pre = SynDataPreprocessor(num_classes=150, dontcare_label=255)
    assert pre.semantic_nc == 151
    batch = pre(dict(inputs=dict(label=[out['inputs']['label']],
                                 img=[out['inputs']['img']]),
                     data_samples=[out['data_samples']]))
    sem = batch['inputs']['semantics']
    assert sem.shape == (1, 151, 24, 40)
    assert sem[0, 150, :, :10].eq(1).all()   # dontcare channel
    assert sem[0, 149, :, 20:].eq(1).all()
    assert torch.equal(sem.sum(1), torch.ones(1, 24, 40))


def test_explicit_reduce_zero_label_wins(ade_root):
    ds = build(ade_root, pipeline=[
        dict(type='LoadLabelMap', reduce_zero_label=False),
        dict(type='PackSynInputs')])
    label = ds[0]['inputs']['label'][0]
    assert label[0, 0] == 0 and label[0, 30] == 150


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='annotations/training'):
        build(tmp_path / 'ADEChallengeData2016')
