import numpy as np
import pytest
import torch
from scipy import ndimage
from syn_fake_data import write_image

from mmsemsyn.datasets.aligned import panel_regions
from mmsemsyn.datasets.cityscapes import CITYSCAPES_PALETTE
from mmsemsyn.datasets.facades import FACADES_CLASSES, FACADES_PALETTE
from mmsemsyn.registry import DATASETS

PIPELINE = [dict(type='LoadLabelMap', color_palette=True),
            dict(type='LoadSynImage'), dict(type='PackSynInputs')]


def block_ids(num_classes, size=64, block=16, seed=0):
    """A (size, size) id map of block x block tiles, every id present."""
    rng = np.random.default_rng(seed)
    n = size // block
    tiles = np.arange(n * n) % num_classes
    rng.shuffle(tiles)
    return np.kron(tiles.reshape(n, n), np.ones((block, block), int))


def photo_for(ids):
    """A photo that is a known function of the ids (green = 20 * id)."""
    photo = np.zeros(ids.shape + (3, ), np.uint8)
    photo[..., 1] = ids * 20
    photo[..., 0] = 200
    return photo


def write_ab(path, ids, palette, label_side='right'):
    label_rgb = np.asarray(palette, np.uint8)[ids]
    halves = [photo_for(ids), label_rgb]
    if label_side == 'left':
        halves = halves[::-1]
    write_image(path, np.concatenate(halves, 1))


@pytest.fixture
def facades_root(tmp_path):
    root = tmp_path / 'facades'
    for split, n in (('train', 3), ('test', 1)):
        for i in range(n):
            write_ab(root / split / f'{i + 1}.jpg',
                     block_ids(12, seed=i), FACADES_PALETTE)
    return root


def interior(ids, margin=3):
    """Pixels at least ``margin`` away from a tile border or the panel edge
    (JPEG chroma upsampling blends the two panels of an AB file)."""
    border = np.zeros(ids.shape, bool)
    border[[0, -1], :] = border[:, [0, -1]] = True
    border[:, 1:] |= ids[:, 1:] != ids[:, :-1]
    border[1:, :] |= ids[1:, :] != ids[:-1, :]
    border[:, :-1] |= ids[:, 1:] != ids[:, :-1]
    border[:-1, :] |= ids[1:, :] != ids[:-1, :]
    return ~ndimage.binary_dilation(border, iterations=margin)


def test_facades_palette():
    assert len(FACADES_CLASSES) == 12 == len(FACADES_PALETTE)
    assert FACADES_CLASSES[1] == 'facade' and FACADES_CLASSES[-1] == 'shop'
    # jet(64) rows 5v+1: facade blue, window light blue, shop dark red
    assert FACADES_PALETTE[1] == (0, 48, 255)
    assert FACADES_PALETTE[2] == (0, 128, 255)
    assert FACADES_PALETTE[11] == (175, 0, 0)
    pal = np.array(FACADES_PALETTE)
    dist = np.sqrt(((pal[:, None] - pal[None]) ** 2).sum(-1))
    assert dist[~np.eye(12, dtype=bool)].min() > 50  # JPEG-safe margins


def test_facades_jpeg_colour_decoding(facades_root):
    ds = DATASETS.build(dict(type='FacadesDataset',
                             data_root=str(facades_root), split='train',
                             pipeline=PIPELINE))
    assert len(ds) == 3
    info = ds.get_data_info(0)
    assert info['gt_img_region'] == (0, 0, 64, 64)      # A = photo (left)
    assert info['gt_label_region'] == (64, 0, 128, 64)  # B = label (right)
    for i in range(3):
        out = ds[i]
        ids = block_ids(12, seed=i)
        label = out['inputs']['label'][0].numpy()
        assert label.shape == (64, 64)
        keep = interior(ids)
        np.testing.assert_array_equal(label[keep], ids[keep])
        assert (label == ids).mean() > 0.9  # misses: 1-2 px at borders
        assert out['inputs']['img'].shape == (3, 64, 64)
        # the photo half, not the label half (JPEG: approximate)
        green = out['inputs']['img'][1].float().numpy()
        assert np.abs(green[keep] - 20 * ids[keep]).mean() < 4


def test_direction_atob(tmp_path):
    ids = block_ids(12)
    write_ab(tmp_path / 'ab' / 'train' / 'x.png', ids, FACADES_PALETTE,
             label_side='left')
    ds = DATASETS.build(dict(type='FacadesDataset',
                             data_root=str(tmp_path / 'ab'),
                             direction='AtoB', pipeline=PIPELINE))
    out = ds[0]
    assert torch.equal(out['inputs']['label'][0], torch.from_numpy(ids))
    assert torch.equal(out['inputs']['img'][1],
                       torch.from_numpy(ids * 20).to(torch.uint8))
    with pytest.raises(ValueError, match='direction'):
        DATASETS.build(dict(type='FacadesDataset',
                            data_root=str(tmp_path / 'ab'),
                            direction='BA'))


def test_aligned_geometry_crop_flip(facades_root):
    """Crop and flip cut the same window from photo and decoded label."""
    ds = DATASETS.build(dict(
        type='FacadesDataset', data_root=str(facades_root), split='test',
        pipeline=PIPELINE[:2] + [
            dict(type='PairedResize', scale=(80, 80)),
            dict(type='PairedRandomCrop', crop_size=(48, 48)),
            dict(type='PairedFlip', prob=1.0),
            dict(type='PackSynInputs')]))
    out = ds[0]
    label = out['inputs']['label'][0].numpy()
    green = out['inputs']['img'][1].float().numpy()
    assert label.shape == green.shape == (48, 48)
    keep = interior(label, margin=3)
    assert keep.sum() > 300
    assert np.abs(green[keep] - 20 * label[keep]).mean() < 5


def test_cityscapes_ab_decodes_label_ids(tmp_path):
    ids = block_ids(35, size=96, block=16)
    write_ab(tmp_path / 'cs' / 'val' / '1.png', ids, CITYSCAPES_PALETTE)
    ds = DATASETS.build(dict(type='CityscapesABDataset',
                             data_root=str(tmp_path / 'cs'), split='val',
                             pipeline=PIPELINE))
    label = ds[0]['inputs']['label'][0].numpy()
    # ids sharing a colour decode to the lowest one
    expect = ids.copy()
    expect[np.isin(ids, [1, 2, 3, 4])] = 0
    expect[ids == 18] = 17
    expect[ids == 34] = 26
    np.testing.assert_array_equal(label, expect)


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        DATASETS.build(dict(type='FacadesDataset',
                            data_root=str(tmp_path / 'none')))
    (tmp_path / 'empty' / 'train').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='no images ending'):
        DATASETS.build(dict(type='FacadesDataset',
                            data_root=str(tmp_path / 'empty')))
    write_image(tmp_path / 'odd' / 'train' / 'a.png',
                np.zeros((8, 15, 3), np.uint8))
    with pytest.raises(ValueError, match=r'a\.png.*15x8'):
        DATASETS.build(dict(type='FacadesDataset',
                            data_root=str(tmp_path / 'odd')))
    bad = tmp_path / 'bad' / 'train' / 'broken.jpg'
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b'not a jpeg at all')
    with pytest.raises(OSError, match='broken.jpg'):
        DATASETS.build(dict(type='FacadesDataset',
                            data_root=str(tmp_path / 'bad')))


def test_panel_regions():
    assert panel_regions(12, 4, 3) == [(0, 0, 4, 4), (4, 0, 8, 4),
                                       (8, 0, 12, 4)]


def test_colour_label_as_extra_image(facades_root):
    """pix2pix's own input: the colour label as an RGB image."""
    # label_img is a sample key of its own (transforms/keys.py): moved and
    # packed with the photo and the label, here listed explicitly
    extra = dict(keys=('gt_label', 'gt_img', 'label_img'))
    ds = DATASETS.build(dict(
        type='FacadesDataset', data_root=str(facades_root), split='test',
        pipeline=PIPELINE[:2] + [
            dict(type='LoadSynImage', key='label_img',
                 path_key='label_path'),
            dict(type='PairedFlip', prob=1.0, **extra),
            dict(type='PackSynInputs', **extra)]))
    out = ds[0]
    rgb = out['inputs']['label_img'].permute(1, 2, 0).numpy().astype(int)
    label = out['inputs']['label'][0].numpy()
    keep = interior(label)
    expect = np.asarray(FACADES_PALETTE)[label[keep]]
    assert np.abs(rgb[keep] - expect).max() < 40
