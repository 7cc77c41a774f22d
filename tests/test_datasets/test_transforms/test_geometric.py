import random

import numpy as np
import pytest
from syn_fake_data import make_maps

from mmsemsyn.datasets.transforms.formatting import PackSynInputs
from mmsemsyn.datasets.transforms.geometric import (
    PairedFlip,
    PairedRandomCrop,
    PairedResize,
)


def sample(seed=0, h=32, w=48):
    label, inst, photo = make_maps(h, w, seed)
    return dict(gt_label=label.astype(np.int64),
                gt_inst=inst.astype(np.int64), gt_img=photo,
                label_path='a_label.png', img_path='a_photo.png',
                inst_path='a_inst.png')


def check(results, ref_cols=None):
    img, label, inst = results['gt_img'], results['gt_label'], results[
        'gt_inst']
    np.testing.assert_array_equal(img[..., 0], label * 8)
    np.testing.assert_array_equal(img[..., 1], (inst % 1000 % 6) * 40)
    if ref_cols is not None:
        np.testing.assert_array_equal(img[0, :, 2], ref_cols)


def test_crop_and_flip_share_geometry():
    random.seed(3)
    for seed in range(5):
        res = sample(seed)
        res = PairedRandomCrop((20, 30))(res)
        x0, y0, x1, y1 = res['crop_bbox']
        assert (x1 - x0, y1 - y0) == (30, 20)
        check(res, ref_cols=np.arange(x0, x1))
        res = PairedFlip(prob=1.0)(res)
        assert res['flip'] is True
        check(res, ref_cols=np.arange(x0, x1)[::-1])
        assert res['gt_label'].shape == res['gt_inst'].shape == (20, 30)


def test_resize_labels_nearest():
    """Label and instance ids survive any resize: no interpolated ids."""
    rng = np.random.default_rng(0)
    label = rng.integers(0, 35, (17, 23))
    inst = np.where(label == 26, 26000 + rng.integers(0, 5, label.shape),
                    label)
    for size in [(40, 31), (9, 7), (23, 17)]:
        res = PairedResize(scale=size)(dict(
            gt_label=label.copy(), gt_inst=inst.copy(),
            gt_img=np.zeros((17, 23, 3), np.uint8)))
        assert res['gt_label'].shape == (size[1], size[0])
        assert res['gt_img'].shape == (size[1], size[0], 3)
        assert set(np.unique(res['gt_label'])) <= set(np.unique(label))
        assert set(np.unique(res['gt_inst'])) <= set(np.unique(inst))
        # instance ids stay consistent with their class
        things = res['gt_inst'] >= 1000
        assert (res['gt_label'][things] == 26).all()
    res = PairedResize(width=46)(dict(gt_label=label.copy()))
    assert res['gt_label'].shape == (34, 46)
    np.testing.assert_array_equal(res['gt_label'][::2, ::2], label)


def test_size_mismatch_names_both_files():
    res = sample()
    res['gt_label'] = res['gt_label'][:, :40]
    for t in (PairedResize(scale=(8, 8)), PairedRandomCrop((4, 4)),
              PackSynInputs()):
        with pytest.raises(ValueError) as err:
            t(dict(res))
        msg = str(err.value)
        assert 'a_label.png' in msg and 'a_photo.png' in msg
        assert '(32, 40)' in msg and '(32, 48)' in msg


def test_crop_too_large():
    with pytest.raises(ValueError, match='a_label.png'):
        PairedRandomCrop((64, 64))(sample())
