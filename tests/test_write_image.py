"""The one image writer (issue 9 item 7): what it writes reads back
unchanged through the one reader, it never leaves a partial file, bad input
is refused with the reason, and nothing else in the package writes images."""
import glob
import os
import os.path as osp
import re

import numpy as np
import pytest

from mmsemsyn.datasets.image_reader import read_image
from mmsemsyn.fileio import write_image

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_rgb_photo_round_trips(tmp_path):
    img = np.random.default_rng(0).integers(0, 256, (9, 13, 3),
                                            dtype=np.uint8)
    path = str(tmp_path / 'sub' / 'photo.png')  # the folder is created
    assert write_image(img, path) == path
    np.testing.assert_array_equal(read_image(path, 'rgb'), img)
    # the channels are not swapped (OpenCV's BGR stays inside the writer)
    img[..., 0], img[..., 1:] = 255, 0
    write_image(img, path)
    assert read_image(path, 'rgb')[0, 0].tolist() == [255, 0, 0]


@pytest.mark.parametrize('dtype,high', [(np.uint8, 256), (np.uint16, 34000)])
def test_label_maps_keep_their_ids(tmp_path, dtype, high):
    ids = np.random.default_rng(1).integers(0, high, (7, 5)).astype(dtype)
    path = str(tmp_path / 'label.png')
    write_image(ids, path)
    back = read_image(path, 'stored', lossless=True, role='label map')
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, ids)


def test_no_partial_file_is_left(tmp_path):
    write_image(np.zeros((4, 4), np.uint8), str(tmp_path / 'a.png'))
    assert os.listdir(tmp_path) == ['a.png']


def test_bad_input_names_the_file_and_the_fix(tmp_path):
    path = str(tmp_path / 'x.png')
    with pytest.raises(TypeError, match='x.png.*float32.*to_hwc_uint8'):
        write_image(np.zeros((4, 4, 3), np.float32), path)
    with pytest.raises(ValueError, match=r'x.png.*\(4, 4, 2\)'):
        write_image(np.zeros((4, 4, 2), np.uint8), path)
    with pytest.raises(ValueError, match='16-bit.*png'):
        write_image(np.zeros((4, 4), np.uint16), str(tmp_path / 'x.jpg'))
    assert not os.listdir(tmp_path)


def test_nothing_else_in_the_package_writes_images():
    """cv2.imwrite / PIL ``.save`` / mmcv.imwrite appear only in the writer."""
    pattern = re.compile(r'cv2\.imwrite|mmcv\.imwrite|\bimwrite\(|'
                         r'Image\.[a-z_]+\(.*\)\.save\(|\.save\([^)]*PNG')
    offenders = []
    for path in glob.glob(osp.join(REPO, 'mmsemsyn', '**', '*.py'),
                          recursive=True):
        for n, line in enumerate(open(path), 1):
            if pattern.search(line.split('#')[0]):
                offenders.append(f'{osp.relpath(path, REPO)}:{n}: {line}')
    assert not offenders, ''.join(offenders)
