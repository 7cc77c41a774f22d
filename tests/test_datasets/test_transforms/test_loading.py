import numpy as np
import pytest
from PIL import Image
from syn_fake_data import make_maps, write_image

from mmsemsyn.datasets.transforms.loading import (
    LoadInstanceMap,
    LoadLabelMap,
    LoadSynImage,
    map_colors_to_ids,
)


def test_label_ids_kept_exactly(tmp_path):
    label = np.arange(256, dtype=np.uint8).reshape(16, 16)
    write_image(tmp_path / 'l.png', label)
    out = LoadLabelMap()(dict(label_path=str(tmp_path / 'l.png')))
    assert out['gt_label'].dtype == np.int64
    np.testing.assert_array_equal(out['gt_label'], label)


def test_reduce_zero_label_and_label_map(tmp_path):
    label = np.array([[0, 1, 2], [150, 0, 3]], np.uint8)
    write_image(tmp_path / 'l.png', label)
    path = str(tmp_path / 'l.png')
    out = LoadLabelMap(reduce_zero_label=True)(dict(label_path=path))
    np.testing.assert_array_equal(out['gt_label'],
                                  [[255, 0, 1], [149, 255, 2]])
    # None (default) follows the sample's flag, as ADE20KDataset sets it
    out = LoadLabelMap()(dict(label_path=path, reduce_zero_label=True))
    assert out['gt_label'][0, 0] == 255
    out = LoadLabelMap()(dict(label_path=path))
    assert out['gt_label'][0, 0] == 0
    out = LoadLabelMap(label_map={1: 7, 3: 1})(dict(label_path=path))
    np.testing.assert_array_equal(out['gt_label'], [[0, 7, 2], [150, 0, 1]])


def test_indexed_png_gives_indices_not_colours(tmp_path):
    """'P' PNGs (CMP, GTA5) store ids as palette indices."""
    ids = np.array([[0, 1], [2, 12]], np.uint8)
    img = Image.fromarray(ids, mode='P')
    img.putpalette([0, 0, 223, 0, 48, 255, 0, 128, 255] + [9] * 759)
    img.save(tmp_path / 'p.png')
    out = LoadLabelMap()(dict(label_path=str(tmp_path / 'p.png')))
    np.testing.assert_array_equal(out['gt_label'], ids)


def test_grey_rgb_label_and_colour_label_error(tmp_path):
    grey = np.repeat(np.array([[3, 5], [7, 9]], np.uint8)[..., None], 3, -1)
    write_image(tmp_path / 'g.png', grey)
    out = LoadLabelMap()(dict(label_path=str(tmp_path / 'g.png')))
    np.testing.assert_array_equal(out['gt_label'], [[3, 5], [7, 9]])
    colour = np.array([[[255, 0, 0], [0, 0, 255]]], np.uint8)
    write_image(tmp_path / 'c.png', colour)
    with pytest.raises(ValueError, match=r'c\.png.*color_palette=True'):
        LoadLabelMap()(dict(label_path=str(tmp_path / 'c.png')))
    with pytest.raises(ValueError, match=r'c\.png.*palette'):
        LoadLabelMap(color_palette=True)(
            dict(label_path=str(tmp_path / 'c.png'), palette=None))
    out = LoadLabelMap(color_palette=[(0, 0, 255), (255, 0, 0)])(
        dict(label_path=str(tmp_path / 'c.png')))
    np.testing.assert_array_equal(out['gt_label'], [[1, 0]])


def test_colour_matching_tolerance():
    palette = [(0, 0, 0), (200, 0, 0)]
    noisy = np.array([[[10, 3, 0], [190, 12, 4]]], np.uint8)
    np.testing.assert_array_equal(map_colors_to_ids(noisy, palette), [[0, 1]])
    with pytest.raises(ValueError, match=r'x\.jpg.*\(100, 100, 100\)'):
        map_colors_to_ids(np.full((1, 1, 3), 100, np.uint8), palette,
                          'x.jpg', max_distance=30)


def test_16bit_instance_map(tmp_path):
    _, inst, _ = make_maps()
    inst[0, 0] = 65535
    write_image(tmp_path / 'i.png', inst)
    out = LoadInstanceMap()(dict(inst_path=str(tmp_path / 'i.png')))
    assert out['gt_inst'].dtype == np.int64
    np.testing.assert_array_equal(out['gt_inst'], inst)
    assert out['gt_inst'].max() == 65535
    with pytest.raises(KeyError, match='use_instance_edges=False'):
        LoadInstanceMap()(dict(label_path='x.png'))


def test_missing_and_corrupt_files(tmp_path):
    missing = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError, match='nope.png'):
        LoadLabelMap()(dict(label_path=missing))
    with pytest.raises(FileNotFoundError, match='nope.png'):
        LoadSynImage()(dict(img_path=missing))
    bad = tmp_path / 'bad.png'
    bad.write_bytes(b'\x89PNG\r\n\x1a\n broken')
    with pytest.raises(OSError, match=r'bad\.png.*corrupt'):
        LoadLabelMap()(dict(label_path=str(bad)))
    with pytest.raises(OSError, match='bad.png'):
        LoadInstanceMap()(dict(inst_path=str(bad)))
    empty = tmp_path / 'empty.jpg'
    empty.write_bytes(b'')
    with pytest.raises(OSError, match='empty.jpg'):
        LoadSynImage()(dict(img_path=str(empty)))


def test_image_region(tmp_path):
    ab = np.zeros((4, 8, 3), np.uint8)
    ab[:, 4:] = (10, 20, 30)
    write_image(tmp_path / 'ab.png', ab)
    out = LoadSynImage()(dict(img_path=str(tmp_path / 'ab.png'),
                              gt_img_region=(4, 0, 8, 4)))
    assert out['gt_img'].shape == (4, 4, 3)
    assert (out['gt_img'] == (10, 20, 30)).all()
