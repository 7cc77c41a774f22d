"""The denoising GAN's input options of the data preprocessor: Gaussian
noise on the semantic input and the thing-class instance channel."""
import numpy as np
import pytest
import torch

from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
    SynDataPreprocessor,
)
from mmsemsyn.models.data_preprocessors.thing_instance import (
    thing_instance_ids,
)

CAR = 3


def batch(label, inst=None):
    inputs = dict(label=torch.as_tensor(label)[:, None])
    if inst is not None:
        inputs['inst'] = torch.as_tensor(inst)[:, None]
    return dict(inputs=inputs)


def test_noise_has_the_configured_std_in_training():
    torch.manual_seed(0)
    pre = SynDataPreprocessor(num_classes=5, semantic_noise=dict(std=0.1))
    label = torch.randint(0, 5, (2, 64, 64))
    out = pre(batch(label), training=True)['inputs']
    clean = pre.one_hot(label)
    assert torch.equal(out['semantics_clean'], clean)
    diff = out['semantics'] - clean
    assert abs(diff.std().item() - 0.1) < 0.005
    assert abs(diff.mean().item()) < 0.005
    # a new draw every training forward pass
    again = pre(batch(label), training=True)['inputs']['semantics']
    assert not torch.equal(again, out['semantics'])


def test_noise_at_test_time_is_seeded_or_off():
    label = torch.randint(0, 5, (3, 16, 16))
    pre = SynDataPreprocessor(num_classes=5,
                              semantic_noise=dict(std=0.4, seed=7))
    a = pre(batch(label), training=False)['inputs']['semantics']
    b = pre(batch(label[1:2]), training=False)['inputs']['semantics']
    # reproducible, and a sample's noise does not depend on its batch
    assert torch.equal(a[1:2], b)
    assert abs((a - pre.one_hot(label)).std().item() - 0.4) < 0.04
    off = SynDataPreprocessor(num_classes=5,
                              semantic_noise=dict(std=0.4, test_mode='none'))
    assert torch.equal(off(batch(label))['inputs']['semantics'],
                       off.one_hot(label))
    rnd = SynDataPreprocessor(num_classes=5,
                              semantic_noise=dict(std=0.4, test_mode='random'))
    assert not torch.equal(rnd(batch(label))['inputs']['semantics'],
                           rnd(batch(label))['inputs']['semantics'])


def test_negative_std_is_a_clear_error():
    with pytest.raises(ValueError, match=r'std=-0\.1.*>= 0'):
        SynDataPreprocessor(num_classes=5, semantic_noise=dict(std=-0.1))


def two_touching_cars():
    """A 6x8 layout: road 0, two cars side by side (columns 1-3 and 4-6,
    rows 1-3) that touch, and a third car apart at row 5."""
    label = np.zeros((6, 8), np.int64)
    label[1:4, 1:7] = CAR
    label[5, 6:8] = CAR
    label[0, 0] = 1
    inst = np.zeros((6, 8), np.int64)
    inst[1:4, 1:4] = 26001  # Cityscapes-style ids: class * 1000 + k
    inst[1:4, 4:7] = 26000
    inst[5, 6:8] = 26002
    return label, inst


def test_instance_map_from_the_layout_merges_touching_cars():
    label, _ = two_touching_cars()
    expected = np.zeros((6, 8), np.int64)
    expected[1:4, 1:7] = 1  # connected components: one blob
    expected[5, 6:8] = 2
    assert np.array_equal(thing_instance_ids(label, [CAR]), expected)
    pre = SynDataPreprocessor(num_classes=5,
                              thing_instance=dict(thing_classes=[CAR]))
    assert pre.semantic_nc == 6
    sem = pre(batch(label[None]))['inputs']['semantics']
    assert sem.shape == (1, 6, 6, 8)
    assert torch.equal(sem[0, -1], torch.from_numpy(expected / 2).float())


def test_instance_map_from_the_instance_file_separates_them():
    label, inst = two_touching_cars()
    expected = np.zeros((6, 8), np.int64)
    expected[1:4, 1:4] = 1  # numbered by first pixel in raster order
    expected[1:4, 4:7] = 2
    expected[5, 6:8] = 3
    assert np.array_equal(thing_instance_ids(label, [CAR], inst), expected)
    pre = SynDataPreprocessor(num_classes=5,
                              thing_instance=dict(thing_classes=[CAR]))
    sem = pre(batch(label[None], inst[None]))['inputs']['semantics']
    assert torch.equal(sem[0, -1], torch.from_numpy(expected / 3).float())
    edges = SynDataPreprocessor(
        num_classes=5, thing_instance=dict(thing_classes=[CAR], mode='edges'))
    e = edges(batch(label[None], inst[None]))['inputs']['semantics'][0, -1]
    assert e[2, 3] == 1 and e[2, 4] == 1  # the boundary between the cars
    assert e[2, 2] == 0 and e[0, 7] == 0


def test_thing_class_missing_from_the_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match=r'class ids \[26\].*0\.\.11'):
        SynDataPreprocessor(num_classes=12,
                            thing_instance=dict(thing_classes=[26]))


def test_noise_leaves_the_instance_channel_clean():
    label, inst = two_touching_cars()
    pre = SynDataPreprocessor(num_classes=5, semantic_noise=dict(std=0.1),
                              thing_instance=dict(thing_classes=[CAR]))
    out = pre(batch(label[None], inst[None]), training=True)['inputs']
    assert torch.equal(out['semantics'][:, -1], out['semantics_clean'][:, -1])
    assert not torch.equal(out['semantics'][:, :5],
                           out['semantics_clean'][:, :5])


def pipeline_batch(thing_instance, with_inst, flip):
    """Two samples through the config's kind of pipeline (flip, then
    ThingInstanceIds, then PackSynInputs), collated."""
    from mmengine.dataset import pseudo_collate

    from mmsemsyn.registry import TRANSFORMS
    from mmsemsyn.utils import register_all_modules
    register_all_modules()
    label, inst = two_touching_cars()
    samples = []
    for k in range(2):
        results = dict(gt_label=np.roll(label, k, axis=1),
                       gt_img=np.zeros((6, 8, 3), np.uint8))
        if with_inst:
            results['gt_inst'] = np.roll(inst, k, axis=1)
        for t in (dict(type='PairedFlip', prob=float(flip)),
                  dict(type='ThingInstanceIds', **thing_instance),
                  dict(type='PackSynInputs')):
            results = TRANSFORMS.build(t)(results)
        samples.append(results)
    return pseudo_collate(samples)


@pytest.mark.parametrize('mode', ['index', 'edges'])
@pytest.mark.parametrize('with_inst', [False, True])
def test_pipeline_numbering_equals_the_preprocessor_own(mode, with_inst,
                                                        monkeypatch):
    """ThingInstanceIds in the pipeline gives the channel the preprocessor
    computes itself (with and without an instance file, after a flip), and
    with it the preprocessor reads nothing on the host (issue 14)."""
    things = dict(thing_classes=[CAR], mode=mode)
    data = pipeline_batch(things, with_inst, flip=True)
    assert data['inputs']['thing_inst'][0].shape == (1, 6, 8)
    own = dict(data, inputs={k: v for k, v in data['inputs'].items()
                             if k != 'thing_inst'})
    pre = SynDataPreprocessor(num_classes=5, thing_instance=things)
    expected = pre(own, True)['inputs']['semantics']

    def forbidden(*args, **kwargs):
        raise AssertionError('host read in the data preprocessor')
    for name in ('__bool__', 'item', 'tolist', '__int__', '__float__',
                 'nonzero', 'numpy'):
        monkeypatch.setattr(torch.Tensor, name, forbidden)
    got = pre(data, True)['inputs']['semantics']
    monkeypatch.undo()
    assert torch.equal(got, expected)
    # the numbering follows the flipped layout: not the unflipped one's
    unflipped = pre(pipeline_batch(things, with_inst, flip=False), True)
    assert not torch.equal(unflipped['inputs']['semantics'][:, -1],
                           got[:, -1])
    assert torch.equal(unflipped['inputs']['semantics'][:, -1].flip(-1),
                       got[:, -1]) == (mode == 'edges')


def test_pipeline_and_preprocessor_must_agree():
    data = pipeline_batch(dict(thing_classes=[CAR]), False, flip=False)
    pre = SynDataPreprocessor(num_classes=5,
                              thing_instance=dict(thing_classes=[CAR],
                                                  connectivity=8))
    with pytest.raises(ValueError, match=r"ThingInstanceIds numbered .*"
                       r"'connectivity': 4.*asks for .*'connectivity': 8"
                       r'.*give both the same'):
        pre(data, True)
    with pytest.raises(ValueError, match='at least one thing class'):
        from mmsemsyn.datasets.transforms.thing_instance import (
            ThingInstanceIds,
        )
        ThingInstanceIds(thing_classes=[])
