import os

import numpy as np
import pytest
import torch
from syn_fake_data import make_maps, write_image

from mmsemsyn.datasets.cityscapes import (
    CITYSCAPES_CLASSES,
    CITYSCAPES_PALETTE,
    CityscapesDataset,
)
from mmsemsyn.registry import DATASETS

LOAD = [dict(type='LoadLabelMap'), dict(type='LoadInstanceMap'),
        dict(type='LoadSynImage')]


def build(root, split='train', pipeline=None, **kwargs):
    return DATASETS.build(
        dict(type='CityscapesDataset', data_root=str(root), split=split,
             pipeline=pipeline or LOAD + [dict(type='PackSynInputs')],
             **kwargs))


def check_sample(out, seed):
    """The loaded tensors equal the maps the fixture wrote."""
    label, inst, photo = make_maps(seed=seed)
    inputs = out['inputs']
    assert torch.equal(inputs['label'][0], torch.from_numpy(label).long())
    assert torch.equal(inputs['inst'][0],
                       torch.from_numpy(inst.astype(np.int64)))
    assert torch.equal(inputs['img'],
                       torch.from_numpy(photo).permute(2, 0, 1))


def test_metainfo():
    assert len(CITYSCAPES_CLASSES) == 35 == len(CITYSCAPES_PALETTE)
    assert CITYSCAPES_CLASSES[7] == 'road'
    assert CITYSCAPES_CLASSES[26] == 'car'
    assert CITYSCAPES_CLASSES[33] == 'bicycle'
    assert CITYSCAPES_PALETTE[7] == (128, 64, 128)
    assert CITYSCAPES_PALETTE[23] == (70, 130, 180)
    assert CityscapesDataset.METAINFO['dontcare_label'] is None


def test_official_tree_lists_and_loads(cityscapes_tree):
    ds = build(cityscapes_tree)
    assert ds.layout == 'official' and len(ds) == 4
    names = [os.path.basename(ds.get_data_info(i)['label_path'])
             for i in range(4)]
    assert names == [
        'aachen_000000_000019_gtFine_labelIds.png',
        'aachen_000001_000019_gtFine_labelIds.png',
        'bremen_000005_000019_gtFine_labelIds.png',
        'bremen_000006_000019_gtFine_labelIds.png']
    for i in range(4):
        info = ds.get_data_info(i)
        stem = os.path.basename(info['label_path'])[:-len(
            '_gtFine_labelIds.png')]
        assert info['img_path'].endswith(
            f'leftImg8bit/train/{stem[:6]}/{stem}_leftImg8bit.png')
        assert info['inst_path'].endswith(f'{stem}_gtFine_instanceIds.png')
        check_sample(ds[i], seed=i)
    val = build(cityscapes_tree, split='val')
    assert len(val) == 1
    check_sample(val[0], seed=4)


def test_flat_layout_and_16bit_instances(cityscapes_flat):
    ds = build(cityscapes_flat)
    assert ds.layout == 'pix2pixhd' and len(ds) == 3
    for i in range(3):
        check_sample(ds[i], seed=10 + i)
    inst = ds[0]['inputs']['inst']
    assert {26000, 26001, 26002} <= set(inst.unique().tolist())
    assert ds[0]['data_samples'].gt_inst.max() >= 26000


def test_flat_layout_test_split_without_photos(cityscapes_flat):
    with pytest.raises(FileNotFoundError, match='require_img=False'):
        build(cityscapes_flat, split='test')
    ds = build(cityscapes_flat, split='test', require_img=False,
               pipeline=LOAD[:2] + [dict(type='PackSynInputs')])
    assert len(ds) == 2 and 'img_path' not in ds.get_data_info(0)
    assert 'img' not in ds[0]['inputs']
    # pix2pixHD names its validation frames "test": split='val' finds them.
    val = build(cityscapes_flat, split='val', require_img=False)
    assert val.split == 'test' and len(val) == 2


def test_without_instances(cityscapes_tree):
    ds = build(cityscapes_tree, with_instances=False,
               pipeline=[LOAD[0], LOAD[2], dict(type='PackSynInputs')])
    assert 'inst_path' not in ds.get_data_info(0)
    assert 'inst' not in ds[0]['inputs']


def test_spade_pipeline_geometry(cityscapes_tree):
    """Nearest resize keeps ids; flip mirrors photo, label and inst alike."""
    pipeline = LOAD + [dict(type='PairedResize', scale=(96, 64)),
                       dict(type='PairedFlip', prob=1.0),
                       dict(type='PackSynInputs')]
    out = build(cityscapes_tree, pipeline=pipeline)[0]
    label, inst, _ = make_maps(seed=0)
    lab, ins = out['inputs']['label'][0], out['inputs']['inst'][0]
    assert lab.shape == ins.shape == (64, 96)
    assert set(lab.unique().tolist()) == set(np.unique(label).tolist())
    assert set(ins.unique().tolist()) <= set(np.unique(inst).tolist())
    # exact 2x nearest upsampling, mirrored
    expect = np.repeat(np.repeat(label, 2, 0), 2, 1)[:, ::-1]
    assert torch.equal(lab, torch.from_numpy(expect.copy()).long())
    expect_inst = np.repeat(np.repeat(inst, 2, 0), 2, 1)[:, ::-1]
    assert torch.equal(ins, torch.from_numpy(expect_inst.astype(np.int64)))
    assert out['data_samples'].metainfo['flip'] is True


def test_layout_errors(tmp_path, cityscapes_tree):
    with pytest.raises(FileNotFoundError) as err:
        build(tmp_path / 'nowhere')
    msg = str(err.value)
    assert 'gtFine/train' in msg and 'train_label' in msg
    assert 'data_root' in msg
    with pytest.raises(ValueError, match='unknown layout'):
        build(cityscapes_tree, layout='flat')
    # Forcing the wrong layout names the missing folder.
    with pytest.raises(FileNotFoundError, match='train_label'):
        build(cityscapes_tree, layout='pix2pixhd')


def test_missing_partner_file(cityscapes_tree):
    os.remove(cityscapes_tree / 'leftImg8bit' / 'train' / 'bremen' /
              'bremen_000005_000019_leftImg8bit.png')
    with pytest.raises(FileNotFoundError) as err:
        build(cityscapes_tree)
    assert 'bremen_000005_000019_gtFine_labelIds.png' in str(err.value)
    assert 'bremen_000005_000019_leftImg8bit.png' in str(err.value)
    os.remove(cityscapes_tree / 'gtFine' / 'train' / 'aachen' /
              'aachen_000000_000019_gtFine_instanceIds.png')
    with pytest.raises(FileNotFoundError, match='instance map'):
        build(cityscapes_tree, require_img=False)


def test_empty_split(tmp_path):
    (tmp_path / 'cs' / 'gtFine' / 'train').mkdir(parents=True)
    (tmp_path / 'cs' / 'leftImg8bit' / 'train').mkdir(parents=True)
    with pytest.raises(FileNotFoundError) as err:
        build(tmp_path / 'cs', with_instances=False)
    assert '_gtFine_labelIds.png' in str(err.value)
    assert 'gtFine/train' in str(err.value)


def test_size_mismatch_names_both_files(cityscapes_flat):
    label, _, _ = make_maps(h=16, w=24)
    path = (cityscapes_flat / 'train_label' /
            'aachen_000001_000019_gtFine_labelIds.png')
    write_image(path, label)
    ds = build(cityscapes_flat)
    with pytest.raises(ValueError) as err:
        ds[1]
    msg = str(err.value)
    assert 'aachen_000001_000019_gtFine_labelIds.png' in msg
    assert 'aachen_000001_000019_leftImg8bit.png' in msg
    assert '(16, 24)' in msg and '(32, 48)' in msg


def test_label_ids_to_train_ids():
    from mmsemsyn.datasets.cityscapes import label_ids_to_train_ids
    ids = np.array([[0, 7, 8, 26], [33, 34, 18, 31]])
    expect = np.array([[255, 0, 1, 13], [18, 255, 255, 16]])
    np.testing.assert_array_equal(label_ids_to_train_ids(ids), expect)
    out = label_ids_to_train_ids(torch.from_numpy(ids))
    assert torch.equal(out, torch.from_numpy(expect))
    assert len(set(label_ids_to_train_ids(np.arange(35)).tolist())) == 20
