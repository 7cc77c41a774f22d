import numpy as np
import pytest

from mmsemsyn.datasets.coco_stuff import COCO_STUFF_CLASSES, COCOStuffDataset
from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
    SynDataPreprocessor,
)
from mmsemsyn.registry import DATASETS


def coco_label(i, h=20, w=30):
    label = np.full((h, w), 255, np.uint8)   # unlabeled
    label[:, 10:] = 0                         # person
    label[:, 20:] = 181 - i                   # wood (stuff)
    return label


@pytest.fixture
def coco_root(make_flat_set):
    return make_flat_set(
        'coco_stuff',
        dict(train=['000000017914', '000000029286', '000000138805'],
             val=['000000000139']), coco_label)


def build(root, split='train', **kwargs):
    return DATASETS.build(dict(
        type='COCOStuffDataset', data_root=str(root), split=split,
        pipeline=[dict(type='LoadLabelMap'), dict(type='LoadInstanceMap'),
                  dict(type='LoadSynImage'), dict(type='PackSynInputs')],
        **kwargs))


def test_metainfo():
    meta = COCOStuffDataset.METAINFO
    assert len(COCO_STUFF_CLASSES) == 182 == len(meta['palette'])
    assert len(set(meta['palette'])) == 182
    assert COCO_STUFF_CLASSES[0] == 'person'
    assert COCO_STUFF_CLASSES[91] == 'banner'
    assert COCO_STUFF_CLASSES[181] == 'wood'
    assert meta['dontcare_label'] == 255


def test_lists_and_loads(coco_root):
    ds = build(coco_root)
    assert len(ds) == 3 and len(build(coco_root, 'val')) == 1
    info = ds.get_data_info(2)
    assert info['img_path'].endswith('train_img/000000138805.jpg')
    assert info['inst_path'].endswith('train_inst/000000138805.png')
    out = ds[0]
    label = out['inputs']['label'][0]
    assert set(label.unique().tolist()) == {0, 181, 255}
    assert out['inputs']['inst'].shape == (1, 20, 30)
    assert out['inputs']['img'].shape == (3, 20, 30)


def test_preprocessor_channels(coco_root):
    """182 classes + dontcare + instance edge = SPADE's 184 channels."""
    out = build(coco_root)[1]
    pre = SynDataPreprocessor(num_classes=182, dontcare_label=255,
                              use_instance_edges=True)
    batch = pre(dict(inputs={k: [v] for k, v in out['inputs'].items()},
                     data_samples=[out['data_samples']]))
    sem = batch['inputs']['semantics']
    assert sem.shape == (1, 184, 20, 30)
    assert sem[0, 182, :, :10].eq(1).all()      # dontcare
    assert sem[0, 180, :, 20:].eq(1).all()      # 181 - 1
    edges = sem[0, 183]
    assert edges[:, 14:16].eq(1).all() and edges[:, :14].eq(0).all()


def test_without_instances(coco_root):
    ds = DATASETS.build(dict(type='COCOStuffDataset',
                             data_root=str(coco_root), with_instances=False))
    assert 'inst_path' not in ds.get_data_info(0)


def test_missing_instance_folder(coco_root):
    import shutil
    shutil.rmtree(coco_root / 'val_inst')
    with pytest.raises(FileNotFoundError) as err:
        build(coco_root, 'val')
    assert 'val_inst' in str(err.value) and 'instance map' in str(err.value)
