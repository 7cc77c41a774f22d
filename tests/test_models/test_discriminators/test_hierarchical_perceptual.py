"""Hierarchical perceptual discriminators: official counts from the
configs, level structure, the frozen VGG16 branch."""
import os.path as osp
import sys

import pytest
import torch
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
