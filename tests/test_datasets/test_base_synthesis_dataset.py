import numpy as np
import pytest

from mmsemsyn.registry import DATASETS


@pytest.fixture
def root(make_flat_set):
    return make_flat_set('generic', dict(train=['b', 'a']),
                         lambda i: np.full((6, 8), i, np.uint8))


def build(root, **kwargs):
    cfg = dict(type='SynthesisDataset', data_root=str(root),
               data_prefix=dict(label_path='train_label',
                                img_path='train_img',
                                inst_path='train_inst'))
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_pairs_by_name_sorted(root):
    ds = build(root)
    info = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['label_path'][-5:] for i in info] == ['a.png', 'b.png']
    assert info[0]['img_path'].endswith('train_img/a.jpg')
    assert info[0]['inst_path'].endswith('train_inst/a.png')


def test_unknown_class_and_dontcare_misconfig(root):
    with pytest.raises(ValueError, match='3 classes but 2 palette'):
        build(root, metainfo=dict(classes=('a', 'b', 'c'),
                                  palette=((0, 0, 0), (1, 1, 1))))
    with pytest.raises(ValueError, match=r"dontcare_label=1 .*'b'"):
        build(root, metainfo=dict(classes=('a', 'b'), dontcare_label=1))
    ds = build(root, metainfo=dict(classes=('a', 'b'), dontcare_label=255))
    assert ds.metainfo['dontcare_label'] == 255


def test_palette_reaches_the_pipeline(root):
    ds = build(root, metainfo=dict(classes=('a', 'b'),
                                   palette=((1, 2, 3), (4, 5, 6))))
    assert ds.get_data_info(0)['palette'] == ((1, 2, 3), (4, 5, 6))
