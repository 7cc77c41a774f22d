"""tools/dataset_converters/nyu_depth_v2.py, NYUDepthV2FiveClassDataset and
HoldoutSplit on tiny .mat files the test writes (v5 with scipy, v7.3-style
HDF5 with h5py)."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from scipy.io import savemat

import mmsemsyn.datasets  # noqa: F401
from mmsemsyn.datasets.holdout_split import HoldoutSplit
from mmsemsyn.datasets.nyu_depth_v2 import NYU40_TO_STRUCTURE
from mmsemsyn.registry import DATASETS

TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools',
                'dataset_converters', 'nyu_depth_v2.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('nyu_converter', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


H, W, N = 6, 8, 4
# 894-class ids 1..3 -> 40-class: 1 -> 2 (floor), 2 -> 4 (bed), 3 -> 1 (wall)
MAP_CLASS = np.array([[2, 4, 1]], np.float64)


def frames():
    images = np.random.default_rng(0).integers(0, 255, (H, W, 3, N),
                                               dtype=np.uint8)
    labels = np.zeros((H, W, N), np.uint16)
    inst = np.zeros((H, W, N), np.uint8)
    labels[:, :, :] = 3  # wall
    labels[4:, :, :] = 1  # floor
    labels[1:4, 1:7, :] = 2  # two beds side by side
    inst[1:4, 1:4, :] = 1
    inst[1:4, 4:7, :] = 2
    labels[0, 0, :] = 0  # unlabelled
    return images, labels, inst


@pytest.fixture
def mats(tmp_path):
    images, labels, inst = frames()
    mat = str(tmp_path / 'nyu.mat')
    savemat(mat, dict(images=images, labels=labels, instances=inst))
    cmap = str(tmp_path / 'classMapping40.mat')
    savemat(cmap, dict(mapClass=MAP_CLASS))
    splits = str(tmp_path / 'splits.mat')
    savemat(splits, dict(trainNdxs=np.array([[1], [2], [4]])))
    return mat, cmap, splits


def expected_five():
    five = np.full((H, W), 1, np.uint8)  # wall: structure
    five[4:] = 3  # floor
    five[1:4, 1:7] = 0  # furniture
    five[0, 0] = 255
    return five


def test_convert_frame_maps_classes_and_draws_boundaries():
    tool = load_tool()
    _, labels, inst = frames()
    five, objects = tool.convert_frame(labels[..., 0], inst[..., 0],
                                       MAP_CLASS.ravel(), NYU40_TO_STRUCTURE)
    expected = expected_five()
    edge = tool.boundary_mask(objects)
    expected[edge] = 4
    assert np.array_equal(five, expected)
    # the two beds are distinct objects, so a line separates them
    assert five[2, 3] == 4 and five[2, 4] == 4 and five[2, 2] == 0
    assert objects[2, 2] == 4001 and objects[2, 5] == 4002
    assert objects[0, 0] == 0


def test_converter_writes_the_dataset_and_split(mats, tmp_path):
    tool = load_tool()
    mat, cmap, splits = mats
    out = str(tmp_path / 'out')
    assert tool.main([mat, cmap, '--out', out, '--splits', splits]) == 0
    label = cv2.imread(osp.join(out, 'labels', '0004.png'),
                       cv2.IMREAD_UNCHANGED)
    assert label.dtype == np.uint8 and label.shape == (H, W)
    assert not osp.exists(osp.join(out, 'labels', '0003.png'))  # test frame
    inst = cv2.imread(osp.join(out, 'instances', '0001.png'),
                      cv2.IMREAD_UNCHANGED)
    assert inst.dtype == np.uint16 and inst[2, 2] == 4001
    init_default_scope('mmsemsyn')
    ds = DATASETS.build(dict(type='NYUDepthV2FiveClassDataset',
                             data_root=out, pipeline=[]))
    assert len(ds) == 3 and ds.metainfo['classes'][0] == 'furniture'
    train = HoldoutSplit(dict(type='NYUDepthV2FiveClassDataset',
                              data_root=out, pipeline=[]), num_test=1)
    test = DATASETS.build(dict(type='HoldoutSplit', subset='test', num_test=1,
                               dataset=dict(type='NYUDepthV2FiveClassDataset',
                                            data_root=out, pipeline=[])))
    assert [osp.basename(train.get_data_info(i)['label_path'])
            for i in range(len(train))] == ['0001.png', '0002.png']
    assert osp.basename(test.get_data_info(0)['label_path']) == '0004.png'
    with pytest.raises(ValueError, match='2/1 is defined on 795'):
        HoldoutSplit(ds, num_test=1, expected_total=795)


def test_holdout_split_uses_natural_order(tmp_path):
    """pix2pix numbers Cityscapes frames 1..2975: "10" comes after "9"."""
    init_default_scope('mmsemsyn')
    for n in (1, 2, 9, 10, 11):
        folder = tmp_path / 'labels'
        folder.mkdir(exist_ok=True)
        cv2.imwrite(str(folder / f'{n}.png'), np.zeros((4, 4), np.uint8))
    ds = DATASETS.build(dict(type='SynthesisDataset', data_root=str(tmp_path),
                             data_prefix=dict(label_path='labels'),
                             require_img=False, pipeline=[]))
    test = HoldoutSplit(ds, num_test=2, subset='test')
    assert [osp.basename(test.get_data_info(i)['label_path'])
            for i in range(2)] == ['10.png', '11.png']


def test_mat_without_the_fields_is_a_clear_error(tmp_path, mats):
    tool = load_tool()
    bad = str(tmp_path / 'bad.mat')
    savemat(bad, dict(depths=np.zeros((2, 2, 1))))
    with pytest.raises(KeyError, match=r"no field\(s\) \['images', "
                       r"'labels', 'instances'\].*depths"):
        tool.load_mat(bad, tool.REQUIRED)
    assert tool.main([bad, mats[1], '--out', str(tmp_path / 'o')]) == 1


def test_hdf5_v73_file(tmp_path):
    """MATLAB v7.3 files are HDF5 with reversed axes (h5py)."""
    h5py = pytest.importorskip('h5py')
    tool = load_tool()
    images, labels, inst = frames()
    path = str(tmp_path / 'v73.mat')
    with h5py.File(path, 'w', userblock_size=512) as f:
        for name, arr in (('images', images), ('labels', labels),
                          ('instances', inst)):
            f[name] = arr.transpose()
    header = b'MATLAB 7.3 MAT-file'.ljust(124) + b'\x00\x02IM'
    with open(path, 'r+b') as f:
        f.write(header)
    data = tool.load_mat(path, tool.REQUIRED)
    assert np.array_equal(data['labels'], labels)
    assert np.array_equal(data['images'], images)
