"""Issue 13 items 1-3: stored pixels (no EXIF rotation), lossy id/instance
maps refused, colour maps in a foreign palette refused."""
import io
import os.path as osp
import re

import numpy as np
import pytest
from PIL import Image

from mmsemsyn.datasets.image_reader import LossyFormatError, read_image
from mmsemsyn.datasets.transforms.loading import (
    LoadInstanceMap,
    LoadLabelMap,
    LoadSynImage,
    map_colors_to_ids,
)
from mmsemsyn.datasets.unpaired import LoadSketchLabel

ORIENTATION = 0x0112  # EXIF tag


def save_jpeg_with_orientation(path, rgb, orientation=6, quality=95):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    Image.fromarray(rgb).save(path, 'JPEG', quality=quality, exif=exif)


def two_colour_photo(h, w):
    """Left half red, right half blue: a rotation moves red to the top."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:, :w // 2] = (255, 0, 0)
    img[:, w // 2:] = (0, 0, 255)
    return img


@pytest.mark.parametrize('size', [(32, 48), (40, 40)])
def test_exif_orientation_is_ignored(tmp_path, size):
    """A JPEG tagged 'rotate 90' reads as stored, like its PNG label map
    (OpenCV's IMREAD_COLOR rotated it: a non-square pair got a size
    mismatch, a square one a silently rotated photo)."""
    h, w = size
    path = str(tmp_path / 'photo.jpg')
    save_jpeg_with_orientation(path, two_colour_photo(h, w))
    with Image.open(path) as check:  # the tag really is in the file
        assert check.getexif()[ORIENTATION] == 6
    label = np.zeros((h, w), np.uint8)
    label[:, w // 2:] = 1
    Image.fromarray(label).save(tmp_path / 'label.png')

    out = LoadSynImage()(dict(img_path=path))
    out = LoadLabelMap()(dict(out, label_path=str(tmp_path / 'label.png')))
    img = out['gt_img']
    assert img.shape == (h, w, 3)
    assert out['gt_label'].shape == (h, w)
    # The photo's red half is where the label's class 0 is.
    assert img[:, :w // 2 - 2, 0].min() > 200
    assert img[:, w // 2 + 2:, 2].min() > 200
    # Same for the sketch loader (grey strokes) and the raw reader.
    sketch = LoadSketchLabel(threshold=100)(dict(label_path=path))
    assert sketch['gt_label'].shape == (h, w)
    assert read_image(path, 'stored').shape == (h, w, 3)


def test_one_reader_in_the_package():
    """No loader decodes image files by itself: every read goes through
    read_image (so no loader rotates by EXIF and all refuse the same)."""
    root = osp.join(osp.dirname(__file__), '..', '..', '..', 'mmsemsyn')
    pattern = re.compile(
        r'cv2\.imread|cv2\.imdecode|mmcv\.imread|imfrombytes|'
        r'exif_transpose|Image\.open')
    offenders = []
    for folder, _, files in __import__('os').walk(root):
        for name in files:
            path = osp.join(folder, name)
            if not name.endswith('.py') or name == 'image_reader.py':
                continue
            with open(path) as f:
                for no, line in enumerate(f, 1):
                    if pattern.search(line) and 'torch' not in line:
                        offenders.append(f'{path}:{no}: {line.strip()}')
    assert not offenders, offenders


def test_lossy_id_and_instance_maps_refused(tmp_path):
    label = np.zeros((16, 16), np.uint8)
    label[4:12, 4:12] = 26
    Image.fromarray(label).save(tmp_path / 'l.jpg', quality=90)
    with pytest.raises(LossyFormatError,
                       match=r'l\.jpg.*JPEG.*lossy.*PNG.*color_palette=True'):
        LoadLabelMap()(dict(label_path=str(tmp_path / 'l.jpg')))
    # By content, not by name: a JPEG renamed to .png is still JPEG.
    Image.fromarray(label).save(tmp_path / 'renamed.png', 'JPEG')
    with pytest.raises(LossyFormatError, match='renamed.png'):
        LoadLabelMap()(dict(label_path=str(tmp_path / 'renamed.png')))
    Image.fromarray(label).save(tmp_path / 'i.jpg')
    with pytest.raises(LossyFormatError, match=r'instance map.*i\.jpg'):
        LoadInstanceMap()(dict(inst_path=str(tmp_path / 'i.jpg')))
    # Lossless WebP is fine, lossy WebP is not.
    Image.fromarray(label).save(tmp_path / 'l.webp', lossless=True)
    out = LoadLabelMap()(dict(label_path=str(tmp_path / 'l.webp')))
    np.testing.assert_array_equal(out['gt_label'], label)
    Image.fromarray(label).save(tmp_path / 'lossy.webp', quality=80)
    with pytest.raises(LossyFormatError, match='WEBP'):
        LoadLabelMap()(dict(label_path=str(tmp_path / 'lossy.webp')))


def test_colour_palette_jpeg_stays_allowed(tmp_path):
    """Facades-style colour labels as JPEG decode to the right ids."""
    palette = [(0, 0, 223), (0, 128, 255), (255, 239, 0), (175, 0, 0)]
    ids = np.zeros((32, 32), np.int64)
    ids[8:24, :16] = 1
    ids[:, 20:] = 2
    ids[28:, 28:] = 3
    colour = np.asarray(palette, np.uint8)[ids]
    Image.fromarray(colour).save(tmp_path / 'c.jpg', quality=75)
    out = LoadLabelMap(color_palette=palette)(
        dict(label_path=str(tmp_path / 'c.jpg')))
    # JPEG blends a few border pixels; interiors decode exactly.
    assert (out['gt_label'] == ids).mean() > 0.9
    np.testing.assert_array_equal(out['gt_label'][10:22, 2:14], 1)


def test_foreign_palette_refused_own_palette_with_jpeg_noise_kept():
    rng = np.random.default_rng(0)
    ours = [tuple(int(v) for v in rng.integers(0, 256, 3))
            for _ in range(20)]
    # Regions of 16x16 pixels (label maps have large regions).
    ids = rng.integers(0, 20, (4, 4)).repeat(16, 0).repeat(16, 1)
    colour = np.asarray(ours, np.uint8)[ids]
    buf = io.BytesIO()
    Image.fromarray(colour).save(buf, 'JPEG', quality=75)
    noisy = np.asarray(Image.open(buf))
    decoded = map_colors_to_ids(noisy, ours, 'own.jpg')
    assert (decoded == ids).mean() > 0.8
    # The same map drawn with another palette: every colour 10-40 RGB
    # units off ours (closer than any two colours of ours), which the
    # unlimited nearest-colour decode turned into plausible ids.
    shift = rng.integers(10, 24, (20, 3)) * rng.choice([-1, 1], (20, 3))
    foreign = np.clip(np.asarray(ours) + shift, 0, 255).astype(np.uint8)
    with pytest.raises(ValueError,
                       match=r'foreign\.png.*100\.0% of its pixels.*palette'):
        map_colors_to_ids(foreign[ids], ours, 'foreign.png')
    # The check can be turned off explicitly.
    assert map_colors_to_ids(foreign[ids], ours, max_distance=None).shape \
        == (64, 64)
