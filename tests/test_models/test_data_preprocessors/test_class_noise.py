"""The per-class noise channel of the diversity loss."""
import pytest
import torch

from mmsemsyn.models.data_preprocessors.class_noise import (
    class_noise_vector,
    paint_class_noise,
    sample_class_noise,
)
from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
    SynDataPreprocessor,
)


def test_paint_each_pixel_holds_its_class_scalar():
    label = torch.randint(0, 5, (2, 8, 8))
    label[0, 0, 0] = 5  # dontcare id (== C): no scalar
    noise = torch.rand(2, 5) * 2 - 1
    channel = paint_class_noise(label, noise)
    assert channel.shape == (2, 1, 8, 8)
    for b in range(2):
        for c in range(5):
            mask = label[b] == c
            assert torch.all(channel[b, 0][mask] == noise[b, c])
    assert channel[0, 0, 0, 0] == 0


def test_samplers():
    torch.manual_seed(0)
    uniform = sample_class_noise(1000, 6)
    assert uniform.shape == (1000, 6)
    assert uniform.min() >= -1 and uniform.max() <= 1
    assert uniform.mean().abs() < 0.05 and uniform.std() > 0.5
    torch.manual_seed(0)
    raw = torch.rand(4, 6) * 2 - 1
    torch.manual_seed(0)
    official = sample_class_noise(4, 6, 'argmax_doubled_l1')
    # official random_generator: double the argmax, divide by the L1 norm
    expected = raw.clone()
    idx = raw.argmax(1)
    expected[torch.arange(4), idx] *= 2
    expected /= expected.abs().sum(1, keepdim=True)
    assert torch.allclose(official, expected)
    assert torch.allclose(official.abs().sum(1), torch.ones(4))
    with pytest.raises(ValueError, match='sampler'):
        sample_class_noise(1, 3, 'gaussian')


def batch(n=2, size=16):
    g = torch.Generator().manual_seed(0)
    return dict(inputs=dict(
        label=[torch.randint(0, 4, (1, size, size), generator=g)
               for _ in range(n)],
        img=[torch.randint(0, 256, (3, size, size), generator=g,
                           dtype=torch.uint8) for _ in range(n)]))


def test_preprocessor_training_doubles_into_zero_noise_pairs():
    pre = SynDataPreprocessor(num_classes=4, class_noise=dict())
    assert pre.semantic_nc == 5
    out = pre(batch(), training=True)['inputs']
    assert out['noise_pair_size'] == 2
    assert out['semantics'].shape == (4, 5, 16, 16)
    assert torch.equal(out['img'][:2], out['img'][2:])
    assert torch.equal(out['label'][:2], out['label'][2:])
    assert torch.equal(out['semantics'][:2, :4], out['semantics'][2:, :4])
    assert torch.all(out['semantics'][:2, 4] == 0)
    assert torch.all(out['class_noise'][:2] == 0)
    assert torch.equal(out['semantics'][2:, 4:],
                       paint_class_noise(out['label'][2:],
                                         out['class_noise'][2:]))
    assert out['class_noise'][2:].abs().max() <= 1


def test_preprocessor_eval_noise():
    pre = SynDataPreprocessor(num_classes=4, class_noise=dict())
    a = pre(batch(), training=False)['inputs']
    b = pre(batch(), training=False)['inputs']
    assert a['semantics'].shape == (2, 5, 16, 16)
    assert 'noise_pair_size' not in a
    assert not torch.equal(a['semantics'][:, 4], b['semantics'][:, 4])
    zero = SynDataPreprocessor(num_classes=4,
                               class_noise=dict(eval_noise='zero'))
    assert torch.all(zero(batch(), False)['inputs']['semantics'][:, 4] == 0)
    with pytest.raises(ValueError, match='eval_noise'):
        SynDataPreprocessor(num_classes=4, class_noise=dict(eval_noise='x'))


def test_class_noise_vector_names_ids_and_bad_input():
    classes = ('sky', 'road', 'car')
    vec = class_noise_vector({'road': 0.5, 2: -1.0, '0': 0.25}, classes, 3)
    assert vec.tolist() == [0.25, 0.5, -1.0]
    with pytest.raises(ValueError, match="unknown class 'tree'"):
        class_noise_vector({'tree': 0.5}, classes, 3)
    with pytest.raises(ValueError, match='outside the model'):
        class_noise_vector({3: 0.5}, classes, 3)
    with pytest.raises(ValueError, match=r'outside \[-1, 1\]'):
        class_noise_vector({'car': 1.5}, classes, 3)
    with pytest.raises(ValueError, match='not a number'):
        class_noise_vector({'car': 'high'}, classes, 3)
