import pytest
import torch

from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
    SynDataPreprocessor,
    instance_edge_map,
)
from mmsemsyn.structures import SynDataSample


def batch(labels, insts=None, imgs=None, paths=None):
    samples = []
    for i in range(len(labels)):
        s = SynDataSample()
        s.set_metainfo(dict(label_path=(paths or [f'l{i}.png'] * 9)[i]))
        samples.append(s)
    inputs = dict(label=[torch.as_tensor(lb)[None] for lb in labels])
    if insts is not None:
        inputs['inst'] = [torch.as_tensor(x)[None] for x in insts]
    if imgs is not None:
        inputs['img'] = imgs
    return dict(inputs=inputs, data_samples=samples)


def test_instance_edge_map_hand_example():
    inst = torch.tensor([[1, 1, 2, 2],
                         [1, 1, 2, 2],
                         [3, 3, 3, 3]])
    expect = torch.tensor([[0, 1, 1, 0],
                           [1, 1, 1, 1],
                           [1, 1, 1, 1]]).float()
    out = instance_edge_map(inst[None])
    assert out.shape == (1, 1, 3, 4)
    assert torch.equal(out[0, 0], expect)
    assert torch.equal(instance_edge_map(inst[None, None]), out)
    single = torch.full((1, 5, 5), 26001)
    single[0, 2, 2] = 26002
    edge = instance_edge_map(single)[0, 0]
    cross = torch.zeros(5, 5)
    cross[2, 1:4] = 1
    cross[1:4, 2] = 1
    assert torch.equal(edge, cross)


def test_one_hot_dontcare_edges_and_images():
    label = torch.tensor([[0, 1, 255], [2, 2, 1]])
    inst = torch.tensor([[5, 5, 6], [7, 7, 7]])
    img = torch.tensor([[[0, 255, 128]] * 2] * 3, dtype=torch.uint8)
    pre = SynDataPreprocessor(num_classes=3, dontcare_label=255,
                              use_instance_edges=True)
    assert pre.semantic_nc == 5
    out = pre(batch([label], [inst], [img]))['inputs']
    sem = out['semantics']
    assert sem.shape == (1, 5, 2, 3)
    # one-hot: channel k is 1 exactly where label == k; dontcare → channel 3
    assert torch.equal(out['label'][0], torch.tensor([[0, 1, 3], [2, 2, 1]]))
    for k in range(4):
        assert torch.equal(sem[0, k], (out['label'][0] == k).float())
    assert torch.equal(sem[0, :4].sum(0), torch.ones(2, 3))
    assert torch.equal(sem[0, 4], instance_edge_map(inst[None])[0, 0])
    assert torch.equal(out['edges'], sem[:, 4:])
    assert torch.equal(out['inst'], inst[None])
    img_out = out['img']
    assert img_out.dtype == torch.float32
    assert torch.allclose(img_out[0, :, 0],
                          torch.tensor([[-1., 1., 128 / 127.5 - 1]] * 3),
                          atol=1e-6)


def test_no_dontcare_no_edges():
    pre = SynDataPreprocessor(num_classes=4)
    assert pre.semantic_nc == 4
    out = pre(batch([torch.tensor([[3, 0]]), torch.tensor([[1, 2]])]))
    assert out['inputs']['semantics'].shape == (2, 4, 1, 2)
    assert 'edges' not in out['inputs'] and 'img' not in out['inputs']


def test_out_of_range_id_names_the_file():
    # the ids are checked by LoadLabelMap when the file is read
    # (tests/test_datasets/test_transforms/test_label_id_check.py); the
    # preprocessor's own host-side check is an opt-in
    pre = SynDataPreprocessor(num_classes=35, check_labels=True)
    data = batch([torch.tensor([[1, 2]]), torch.tensor([[7, 40]])],
                 paths=['ok.png', 'frankfurt_000001_gtFine_labelIds.png'])
    with pytest.raises(ValueError) as err:
        pre(data)
    msg = str(err.value)
    assert 'frankfurt_000001_gtFine_labelIds.png' in msg
    assert 'id 40' in msg and '0..34' in msg


def test_dontcare_misconfigured():
    """COCO-Stuff-like 255 pixels without dontcare_label are rejected."""
    data = batch([torch.tensor([[0, 255]])], paths=['coco.png'])
    with pytest.raises(ValueError, match=r'coco\.png.*255.*dontcare_label'):
        SynDataPreprocessor(num_classes=182, check_labels=True)(data)
    out = SynDataPreprocessor(num_classes=182, dontcare_label=255,
                              check_labels=True)(data)
    assert out['inputs']['semantics'].shape == (1, 183, 1, 2)
    assert out['inputs']['semantics'][0, 182, 0, 1] == 1
    with pytest.raises(ValueError, match='-1'):
        SynDataPreprocessor(num_classes=5, check_labels=True)(
            batch([torch.tensor([[-1]])]))


def test_edges_need_instances():
    pre = SynDataPreprocessor(num_classes=3, use_instance_edges=True)
    with pytest.raises(KeyError, match='LoadInstanceMap'):
        pre(batch([torch.tensor([[0, 1]])]))
