"""LGGAN (semantic synthesis) generator: official parameter counts, the
grouped class branch equals the per-class loop, outputs equal an
independent re-statement of the official network with the same weights,
and the batched classifier equals per-sample runs."""
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from official_spade_lggan import RefLGGANGenerator, copy_by_order

from mmsemsyn.models.generators.lggan import (
    LGGANGenerator,
    is_one_hot,
    semantic_guided_pooling,
)
from mmsemsyn.models.generators.spade import count_parameters
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

register_all_modules()
REPO = Path(__file__).resolve().parents[3]


def _seg(b, c, h, w, n_classes=None, seed=0):
    """One-hot over c-1 label channels (+ a random edge channel)."""
    g = torch.Generator().manual_seed(seed)
    n_classes = n_classes or c - 1
    ids = torch.randint(0, n_classes, (b, h // 8, w // 8), generator=g)
    ids = F.interpolate(ids[:, None].float(), size=(h, w))[:, 0].long()
    seg = torch.zeros(b, c, h, w)
    seg.scatter_(1, ids[:, None], 1.0)
    seg[:, -1] = (torch.rand(b, h, w, generator=g) > 0.8).float()
    return seg


@pytest.mark.parametrize('cfg_file,gen,disc', [
    ('configs/lggan/lggan_cityscapes.py', 110_790_695, 5_601_410),
    ('configs/lggan/lggan_ade20k.py', 113_698_379, 5_836_930),
])
def test_official_parameter_counts(cfg_file, gen, disc):
    model = Config.fromfile(str(REPO / cfg_file)).model
    g = MODELS.build(model.generator)
    assert count_parameters(g) == gen
    assert count_parameters(MODELS.build(model.discriminator)) == disc
    if 'cityscapes' in cfg_file:  # the documented breakdown
        lg = g.local_generator
        parts = [g.global_decoder, g.encoder, lg.res_blocks, lg.upsampler,
                 lg.class_convs, lg.fusion_conv, g.classifier,
                 g.weight_map_generator]
        assert [count_parameters(p) for p in parts] == [
            92_715_203, 6_381_760, 10_621_440, 368_832, 329_385, 2_838,
            2_275, 368_962]
    else:  # 52 class generators, 51-way classifier
        assert len(g.local_generator.class_convs) == 52
        assert g.classifier.out_features == 51


def test_fast_class_branches_equal_loop():
    torch.manual_seed(0)
    g = LGGANGenerator(36, local_classes=35, ngf=4, spade_hidden=4,
                       n_blocks=1)
    lg = g.local_generator
    for conv in lg.class_convs:  # non-zero biases (xavier init zeroes them)
        torch.nn.init.normal_(conv.bias, 0, 0.1)
    feat = torch.randn(2, 4, 24, 32, requires_grad=True)
    # labels 35..37 are of no class generator: pixels with an empty mask
    masks = _seg(2, 39, 24, 32, seed=3)[:, :35]
    params = [feat, lg.class_convs[3].weight, lg.class_convs[3].bias]
    loop = lg.class_images_loop(feat, masks)
    w = torch.randn_like(loop)
    grads_loop = torch.autograd.grad((loop * w).sum(), params)
    for impl in ('label', 'grouped'):
        fast = getattr(lg, f'class_images_{impl}')(feat, masks)
        assert fast.shape == (2, 35, 3, 24, 32)
        torch.testing.assert_close(fast, loop, rtol=1e-5, atol=1e-6)
        # gradients agree as well (absent classes get zeros, not None)
        grads = torch.autograd.grad((fast * w).sum(), params)
        for a, b in zip(grads, grads_loop):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_auto_picks_label_impl_only_for_one_hot_masks():
    assert is_one_hot(_seg(1, 6, 8, 8)[:, :5])
    assert not is_one_hot(torch.full((1, 2, 4, 4), 0.5))
    assert not is_one_hot(torch.ones(1, 2, 4, 4))
    with pytest.raises(ValueError, match='class_conv_impl'):
        LGGANGenerator(6, local_classes=5, ngf=2, class_conv_impl='fast')


def test_auto_reads_the_host_once_and_equals_label(monkeypatch):
    """'auto' tests the masks and reads the class sizes in one host
    transfer (issue 14) and gives the 'label' result bit for bit; soft masks
    fall back to the grouped convs."""
    torch.manual_seed(0)
    g = LGGANGenerator(36, local_classes=35, ngf=4, spade_hidden=4,
                       n_blocks=1)
    lg = g.local_generator
    feat = torch.randn(2, 4, 16, 16)
    masks = _seg(2, 39, 16, 16, seed=1)[:, :35]
    reads = []
    for name in ('tolist', 'item', '__bool__'):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, _name=name):
            reads.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(torch.Tensor, name, counted)
    auto = lg.class_images_label(feat, masks, check_one_hot=True)
    assert reads == ['tolist']
    monkeypatch.undo()
    assert torch.equal(auto, lg.class_images_label(feat, masks))
    soft = masks * 0.5
    assert lg.class_images_label(feat, soft, check_one_hot=True) is None
    lg.class_conv_impl = 'auto'
    x_encode = torch.randn(2, 16, 4, 4)
    out = lg(x_encode, soft)['class_images']
    expected = lg.class_images_grouped(
        lg.upsampler(lg.res_blocks(x_encode)), soft)
    assert torch.equal(out, expected)


def test_semantic_guided_pooling():
    feat, masks = torch.randn(2, 3, 4, 5), torch.rand(2, 6, 4, 5)
    ref = torch.stack([(feat * masks[:, k:k + 1]).mean((2, 3))
                       for k in range(6)], 1)
    torch.testing.assert_close(semantic_guided_pooling(feat, masks), ref)


def _pair(norm='BN'):
    torch.manual_seed(0)
    ours = LGGANGenerator(36, local_classes=35, ngf=4, spade_hidden=8,
                          num_upsampling_layers='more', norm=norm)
    ref = RefLGGANGenerator(36, 35, ngf=4, num_up='more', crop=128, ar=2.0,
                            nhidden=8, norm=norm)
    pairs = copy_by_order(ours, ref, skip_dst_prefix=('fc.', ))
    return ours, ref, pairs


def test_matches_official_restatement():
    ours, ref, pairs = _pair()
    # state-dict order lines up with the official names
    names = dict(pairs)
    assert names['global_decoder.head_0.conv_0.weight_orig'] == \
        'head_0.conv_0.weight_orig'
    assert names['encoder.conv1.1.weight'] == 'conv1.weight'
    assert names['local_generator.res_blocks.8.conv_block.5.bias'] == \
        'resnet_blocks9.conv2.bias'
    assert names['local_generator.fusion_conv.weight'] == 'deconv9.weight'
    assert names['local_generator.class_convs.34.bias'] == 'deconv5_34.bias'
    assert names['classifier.weight'] == 'fc2.weight'
    assert names['weight_map_generator.1.bias'] == 'deconv5_attention.bias'

    seg = _seg(1, 36, 64, 128)  # the official code runs 1 sample / GPU
    out, off = ours(seg), ref(seg)
    torch.testing.assert_close(out['global_img'], off['result_global'])
    torch.testing.assert_close(out['class_images'],
                               torch.stack(off['results'], 1), rtol=1e-5,
                               atol=1e-6)
    torch.testing.assert_close(out['local_img'], off['result_local'],
                               rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out['weight_map'], off['attention'])
    torch.testing.assert_close(out['fake_img'], off['final'], rtol=1e-5,
                               atol=1e-6)
    torch.testing.assert_close(out['class_logits'][0], off['feature_score'])
    assert torch.equal(out['class_valid'][0].float(), off['valid'])


def test_batched_equals_per_sample():
    torch.manual_seed(0)
    ours = LGGANGenerator(36, local_classes=35, ngf=2, spade_hidden=4,
                          n_blocks=1, num_upsampling_layers='normal',
                          norm='IN')  # no batch statistics
    ours.eval()  # spectral norm: no power-iteration update between calls
    seg = torch.cat([_seg(1, 36, 32, 64, seed=1),
                     _seg(1, 36, 32, 64, n_classes=5, seed=2)])
    with torch.no_grad():
        out = ours(seg)
        for i in range(2):
            single = ours(seg[i:i + 1])
            for key in ('fake_img', 'class_logits', 'class_valid'):
                # a cross-sample leak differs by O(1); float noise of
                # batched vs single convs stays ~1e-5 (settled SN weights)
                torch.testing.assert_close(out[key][i:i + 1], single[key],
                                           rtol=1e-4, atol=2e-4)
    assert out['class_valid'][1].sum() <= 5


def test_merged_others_mask_and_bad_channels():
    g = LGGANGenerator(12, local_classes=4, merged_classes=(4, 12), ngf=2,
                       spade_hidden=4, n_blocks=1,
                       num_upsampling_layers='normal')
    seg = _seg(2, 12, 32, 32, n_classes=11)
    masks = g.class_masks(seg)
    assert masks.shape == (2, 5, 32, 32)
    torch.testing.assert_close(masks[:, 4], seg[:, 4:].sum(1))
    out = g(seg)
    assert out['class_logits'].shape == (2, 4, 4)
    assert out['class_images'].shape == (2, 5, 3, 32, 32)
    with pytest.raises(ValueError, match='outside the 12 semantic'):
        LGGANGenerator(12, local_classes=[3, 12], ngf=2)


@pytest.mark.parametrize('name,keys', [
    ('s1_global', {'fake_img', 'global_img'}),
    ('s2_local-add', {'fake_img', 'global_img', 'local_img', 'class_images',
                      'class_masks'}),
    ('s4_local-conv_class', {'fake_img', 'global_img', 'local_img',
                             'class_images', 'class_masks', 'class_logits',
                             'class_valid'}),
])
def test_ablation_configs(name, keys):
    cfg = Config.fromfile(str(REPO / f'configs/lggan/lggan_{name}'
                              '_cityscapes.py')).model.generator
    cfg.update(semantic_nc=8, local_classes=7, ngf=2, spade_hidden=4,
               n_blocks=1, num_upsampling_layers='normal')
    g = MODELS.build(cfg)
    out = g(_seg(2, 8, 32, 32))
    assert set(out) == keys
    if name.startswith('s2'):
        torch.testing.assert_close(out['local_img'],
                                   out['class_images'].sum(1))
        torch.testing.assert_close(
            out['fake_img'], (out['global_img'] + out['local_img']) / 2)
