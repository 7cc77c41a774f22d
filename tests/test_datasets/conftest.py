"""Fixtures: tiny fake dataset folders in ``tmp_path``."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from syn_fake_data import encode_photo, make_maps, write_image

import mmsemsyn  # noqa: F401  (registers everything)


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmsemsyn')


@pytest.fixture
def cityscapes_tree(tmp_path):
    """Official layout: 2 cities x 2 frames (train), 1 frame (val)."""
    root = tmp_path / 'cityscapes'
    frames = {'train': [('aachen', 0), ('aachen', 1), ('bremen', 5),
                        ('bremen', 6)],
              'val': [('frankfurt', 3)]}
    seed = 0
    for split, items in frames.items():
        for city, idx in items:
            stem = f'{city}_{idx:06d}_000019'
            label, inst, photo = make_maps(seed=seed)
            seed += 1
            write_image(root / 'gtFine' / split / city /
                        f'{stem}_gtFine_labelIds.png', label)
            write_image(root / 'gtFine' / split / city /
                        f'{stem}_gtFine_instanceIds.png', inst)
            write_image(root / 'leftImg8bit' / split / city /
                        f'{stem}_leftImg8bit.png', photo)
    return root


@pytest.fixture
def cityscapes_flat(tmp_path):
    """pix2pixHD layout: 3 train triples, 2 test label/inst without photos."""
    root = tmp_path / 'cityscapes_flat'
    for i in range(3):
        stem = f'aachen_{i:06d}_000019'
        label, inst, photo = make_maps(seed=10 + i)
        write_image(root / 'train_label' / f'{stem}_gtFine_labelIds.png',
                    label)
        write_image(root / 'train_inst' / f'{stem}_gtFine_instanceIds.png',
                    inst)
        write_image(root / 'train_img' / f'{stem}_leftImg8bit.png', photo)
    for i in range(2):
        stem = f'frankfurt_{i:06d}_000576'
        label, inst, _ = make_maps(seed=20 + i)
        write_image(root / 'test_label' / f'{stem}_gtFine_labelIds.png',
                    label)
        write_image(root / 'test_inst' / f'{stem}_gtFine_instanceIds.png',
                    inst)
    return root


@pytest.fixture
def make_flat_set(tmp_path):
    """Factory: ``{split}_img/_label/_inst`` (COCO-Stuff / ADE-like)."""

    def make(name, files, label_fn, with_inst=True, img_ext='.jpg',
             folders=None):
        root = tmp_path / name
        folders = folders or dict(img='{split}_img', label='{split}_label',
                                  inst='{split}_inst')
        for split, stems in files.items():
            for i, stem in enumerate(stems):
                label = label_fn(i)
                inst = np.zeros_like(label)
                inst[:, label.shape[1] // 2:] = 1 + i
                write_image(root / folders['label'].format(split=split) /
                            f'{stem}.png', label)
                if with_inst:
                    write_image(root / folders['inst'].format(split=split) /
                                f'{stem}.png', inst)
                write_image(root / folders['img'].format(split=split) /
                            f'{stem}{img_ext}',
                            encode_photo(label, inst))
        return root

    return make
