"""tools/dataset_converters/cityscapes.py on a tiny fake tree."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import DATASETS

TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools',
                'dataset_converters', 'cityscapes.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('cs_converter', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_tree(root):
    for split, frames in (('train', ['aachen_000000_000019',
                                     'aachen_000001_000019']),
                          ('val', ['frankfurt_000000_000294'])):
        for name in frames:
            city = name.split('_')[0]
            for top, suffix, value in (
                    ('gtFine', '_gtFine_labelIds.png',
                     np.full((4, 8), 7, np.uint8)),
                    ('gtFine', '_gtFine_instanceIds.png',
                     np.full((4, 8), 26001, np.uint16)),
                    ('leftImg8bit', '_leftImg8bit.png',
                     np.zeros((4, 8, 3), np.uint8))):
                folder = osp.join(root, top, split, city)
                os.makedirs(folder, exist_ok=True)
                cv2.imwrite(osp.join(folder, name + suffix), value)


def test_check_and_flat_layout(tmp_path):
    tool = load_tool()
    make_tree(tmp_path / 'cs')
    lines = []
    assert tool.convert(str(tmp_path / 'cs'), log=lines.append) == 0
    assert lines == ['train: 2 frames, 2 complete',
                     'val: 1 frames, 1 complete']
    assert not (tmp_path / 'flat').exists()
    assert tool.main([str(tmp_path / 'cs'), '--out',
                      str(tmp_path / 'flat')]) == 0
    assert sorted(os.listdir(tmp_path / 'flat' / 'test_inst')) == [
        'frankfurt_000000_000294_gtFine_instanceIds.png']
    init_default_scope('mmsemsyn')
    for split, n in (('train', 2), ('val', 1)):
        ds = DATASETS.build(dict(
            type='CityscapesDataset', data_root=str(tmp_path / 'flat'),
            split=split, pipeline=[dict(type='LoadInstanceMap'),
                                   dict(type='LoadLabelMap')]))
        assert ds.layout == 'pix2pixhd' and len(ds) == n
        assert ds[0]['gt_inst'].max() == 26001


def test_incomplete_frames_reported(tmp_path):
    tool = load_tool()
    make_tree(tmp_path / 'cs')
    os.remove(tmp_path / 'cs' / 'leftImg8bit' / 'train' / 'aachen' /
              'aachen_000001_000019_leftImg8bit.png')
    lines = []
    assert tool.convert(str(tmp_path / 'cs'), str(tmp_path / 'flat'),
                        log=lines.append) == 1
    assert '  aachen_000001_000019: missing img' in lines
    assert len(os.listdir(tmp_path / 'flat' / 'train_label')) == 1
    with pytest.raises(FileNotFoundError, match='gtFine'):
        tool.convert(str(tmp_path / 'nothing'))
