import numpy as np
import torch

from mmsemsyn.datasets.synthetic_scenes import BUILDING, CAR
from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
    instance_edge_map,
)
from mmsemsyn.registry import DATASETS


def build(seed, n=6, size=(48, 64)):
    return DATASETS.build(dict(type='SyntheticScenesDataset', num_samples=n,
                               img_size=size, seed=seed,
                               pipeline=[dict(type='PackSynInputs')]))


def test_deterministic_per_seed():
    a, b, c = build(0), build(0), build(1)
    assert len(a) == 6
    for i in range(3):
        for key in ('label', 'inst', 'img'):
            assert torch.equal(a[i]['inputs'][key], b[i]['inputs'][key])
    assert not torch.equal(a[0]['inputs']['img'], c[0]['inputs']['img'])
    assert not torch.equal(a[0]['inputs']['img'], a[1]['inputs']['img'])
    out = a[0]
    assert out['inputs']['img'].shape == (3, 48, 64)
    assert out['inputs']['img'].dtype == torch.uint8
    assert out['inputs']['label'].max() < 6
    assert out['data_samples'].label_path.startswith('synthetic://seed0/')


def test_instances_of_one_class_touch():
    """Same-class instances (ids class*1000+k) overlap, so the instance
    edges mark borders that the label map alone does not have."""
    ds = build(0, n=8, size=(96, 128))
    found_overlap = False
    for i in range(len(ds)):
        label = ds[i]['inputs']['label']
        inst = ds[i]['inputs']['inst']
        things = inst >= 1000
        assert torch.equal(inst[things] // 1000, label[things])
        assert torch.equal(inst[~things], label[~things])
        for cls in (CAR, BUILDING):
            ids = inst[label == cls].unique()
            if len(ids) > 1:
                inst_edges = instance_edge_map(inst)
                label_edges = instance_edge_map(label)
                if (inst_edges.bool() & ~label_edges.bool()).any():
                    found_overlap = True
    assert found_overlap


def test_metainfo_palette():
    meta = build(0, n=1).metainfo
    assert len(meta['classes']) == len(meta['palette']) == 6
    assert np.asarray(meta['palette']).max() <= 255
