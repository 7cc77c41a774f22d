"""Hierarchical perceptual discriminators: official counts from the
configs, level structure, the frozen VGG16 branch."""
import copy
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lab2pix_helpers import CONFIG_DIR, count  # noqa: E402

register_all_modules()


def build_d(name):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'lab2pix', name))
    cfg.model.discriminator.discriminator.vgg_pretrained = None
    return MODELS.build(cfg.model.discriminator)


def test_v1_discriminator_official_counts():
    d = build_d('lab2pix-v1_cityscapes.py')
    assert [count(x) for x in d.discriminators] == [42_656_707, 22_977_986,
                                                    4_478_913]
    assert [count(x, trainable=True) for x in d.discriminators] == [
        27_942_019, 15_342_722, 2_743_425]


@pytest.mark.parametrize('name,total,trainable', [
    ('lab2pix-v2_cityscapes-512x256.py', 85_717_637, 63_367_685),
    ('lab2pix-v2_ade20k.py', 85_850_117, 63_500_165),
    ('lab2pix-v2_coco-stuff.py', 85_888_133, 63_538_181),
])
def test_v2_discriminator_official_counts(name, total,
                                          trainable):
    d = build_d(name)
    assert count(d) == total
    assert count(d, trainable=True) == trainable
    assert total - trainable == 22_349_952  # frozen VGG16 parts


def tiny_hpd(**kw):
    cfg = dict(type='HierarchicalPerceptualDiscriminator', in_channels=5,
               ndf=4, feat_channels=8, vgg_pretrained=None)
    cfg.update(kw)
    return MODELS.build(cfg)


def test_levels_and_features():
    d = tiny_hpd(num_levels=3)
    feats = d(torch.randn(2, 5, 64, 128))
    # 3 stem maps, gcb/line pairs, last gcb, then the level predictions
    assert len(feats) == 3 + 2 * 2 + 1 + 1
    levels = feats[-1]
    assert [tuple(p.shape) for p in levels] == [(2, 1, 8, 16), (2, 1, 4, 8),
                                                (2, 1, 2, 4)]
    one = tiny_hpd(num_levels=1)
    assert len(one(torch.randn(1, 5, 32, 32))) == 5
    with pytest.raises(ValueError, match='num_levels'):
        tiny_hpd(num_levels=4)


def test_vgg_branch_frozen_and_eval():
    d = tiny_hpd(num_levels=2, spectral_norm=False, first_norm=True,
                 pre_conv=False, out_conv=False, vgg_input_range='[-1,1]',
                 in_channels=3)
    d.train()
    assert not d.vgg.training and d.common.training
    x = torch.randn(1, 3, 32, 32, requires_grad=True)
    sum(p.mean() for p in d(x)[-1]).backward()
    assert all(p.grad is None for p in d.vgg.parameters())
    assert d.gcb[0][0].weight.grad is not None
    assert x.grad is not None  # the generator gets gradients through VGG


def test_multiscale_container():
    ds = MODELS.build(dict(
        type='HierarchicalPerceptualDiscriminators', in_channels=3, ndf=2,
        num_levels=(3, 2, 1),
        discriminator=dict(type='HierarchicalPerceptualDiscriminator',
                           feat_channels=4, vgg_pretrained=None)))
    imgs = [torch.randn(1, 3, 64 // 2**i, 64 // 2**i) for i in range(3)]
    out = ds(imgs)
    assert [len(o[-1]) for o in out] == [3, 2, 1]
    pyramid = ds(imgs[0])  # one image, average-pooled per scale
    assert pyramid[1][-1][0].shape[-1] == 4
    with pytest.raises(ValueError, match='scale inputs'):
        ds(imgs[:2])


def test_official_init_leaves_vgg_alone():
    torch.manual_seed(0)
    d = tiny_hpd(num_levels=1, feat_channels=64, spectral_norm=False,
                 init_type='normal')
    assert abs(d.gcb[0][0].weight.std().item() - 0.02) < 0.002
    # torchvision's kaiming init of VGG conv1_1: std sqrt(2 / (64 * 9))
    assert d.vgg.features[0].weight.std().item() > 0.04
    with pytest.raises(ValueError, match='init_type'):
        tiny_hpd(init_type='kaiming')


# ---- precomputed branch features (perceptual_tail, issue 14) -------------
def tiny_hpds(**kw):
    cfg = dict(type='HierarchicalPerceptualDiscriminators', in_channels=5,
               ndf=2, num_levels=(3, 2),
               allow_random_perceptual_branch=True,  # a test
               discriminator=dict(type='HierarchicalPerceptualDiscriminator',
                                  feat_channels=4, vgg_pretrained=None))
    cfg.update(kw)
    return MODELS.build(cfg)


def assert_same(a, b, exact):
    """Nested D outputs equal: bit-identical, or within float rounding
    (as amplified by the instance norms of these tiny widths)."""
    if isinstance(a, torch.Tensor):
        if exact:
            assert torch.equal(a, b)
        else:
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
        return
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert_same(x, y, exact)


@pytest.mark.parametrize('exact', [True, False])
@pytest.mark.parametrize('n', [1, 2])
def test_perceptual_tail_gives_the_same_outputs_and_gradients(exact, n):
    """D([fake; real]) with the real rows' branch features precomputed
    equals D([fake; real]) itself, outputs and the fake's gradient:
    bit-identical with PyTorch's reference CPU convolutions (oneDNN's may
    pick other kernels for n and 2n rows: float rounding)."""
    torch.manual_seed(0)
    ds = tiny_hpds().train()
    cond = torch.randn(n, 2, 64, 64)
    real = torch.rand(n, 3, 64, 64) * 2 - 1
    with torch.backends.mkldnn.flags(enabled=not exact):
        results = []
        for tail in (False, True):
            torch.manual_seed(1)
            fake = (torch.rand(n, 3, 64, 64) * 2 - 1).requires_grad_()
            x = torch.cat([torch.cat([cond, fake], 1),
                           torch.cat([cond, real], 1)])
            # spectral norm runs a power iteration per training-mode call
            state = copy.deepcopy(ds.state_dict())
            kwargs = dict(perceptual_tail=ds.perceptual_features(real)) \
                if tail else {}
            out = ds(x, **kwargs)
            loss = sum(p.mean() for scale in out for p in scale[-1])
            grad, = torch.autograd.grad(loss, fake)
            ds.load_state_dict(state)
            results.append((out, grad))
    (out_a, grad_a), (out_b, grad_b) = results
    assert_same(out_a, out_b, exact)
    assert_same(grad_a, grad_b, exact)


def test_perceptual_features_follow_the_pyramid_without_graph():
    ds = tiny_hpds()
    real = torch.rand(2, 3, 64, 64) * 2 - 1
    feats = ds.perceptual_features(real)
    pooled = F.avg_pool2d(real, 3, stride=2, padding=1,
                          count_include_pad=False)
    assert [len(f) for f in feats] == [3, 2]
    for scale, img in enumerate((real, pooled)):
        ref = ds.discriminators[scale].perceptual_features(img)
        for a, b in zip(feats[scale], ref):
            assert torch.equal(a, b)
            assert not a.requires_grad and a.grad_fn is None
    assert [tuple(t.shape) for t in feats[1]] == [(2, 256, 4, 4),
                                                  (2, 512, 2, 2)]
    # one image per scale (V1's pyramids)
    per_scale = ds.perceptual_features([real, pooled])
    assert torch.equal(per_scale[1][0], feats[1][0])
    with pytest.raises(ValueError, match='without a graph'):
        ds.perceptual_features(real.clone().requires_grad_())
    with pytest.raises(ValueError, match='scale images'):
        ds.perceptual_features([real])


def test_perceptual_tail_covering_the_whole_batch_skips_the_branch():
    ds = tiny_hpds()
    x = torch.randn(2, 5, 64, 64)
    feats = ds.perceptual_features(x[:, 2:])
    calls = []
    ds.discriminators[0].vgg.register_forward_hook(
        lambda *args: calls.append(1))
    ds.eval()  # no power iteration: two calls compare
    assert_same(ds(x, perceptual_tail=feats), ds(x), exact=False)
    assert len(calls) == 1  # only the call without the tail


def test_perceptual_tail_errors_name_the_mismatch():
    ds = tiny_hpds()
    x = torch.randn(2, 5, 64, 64)
    feats = ds.perceptual_features(x[:1, 2:])
    with pytest.raises(ValueError, match='perceptual_tail entries'):
        ds(x, perceptual_tail=feats[:1])
    with pytest.raises(ValueError, match='holds 2 levels'):
        ds(x, perceptual_tail=[feats[0][:2], feats[1]])
    with pytest.raises(ValueError, match='last N rows'):
        ds(x[:1], perceptual_tail=ds.perceptual_features(x[:, 2:]))
    other_size = ds.perceptual_features(torch.randn(1, 3, 32, 32))
    with pytest.raises(ValueError, match='same image size'):
        ds(x, perceptual_tail=other_size)


def test_other_discriminators_have_no_perceptual_branch():
    ds = tiny_hpds(num_levels=(1, 1), pass_levels=False, discriminator=dict(
        type='PatchDiscriminator', n_layers_D=2, norm='IN',
        return_features=True))
    assert not ds.has_perceptual_branch
    assert tiny_hpds().has_perceptual_branch
    with pytest.raises(TypeError, match='perceptual branch'):
        ds.perceptual_features(torch.randn(1, 3, 32, 32))
