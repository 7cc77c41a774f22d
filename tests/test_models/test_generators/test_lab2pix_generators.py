"""Lab2Pix-V1/V2 generators: official parameter counts from the configs,
output scales, label forms, ablation switches."""
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


def build_from_config(name):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'lab2pix', name))
    return MODELS.build(cfg.model.generator)


def test_v1_generator_official_count():
    g = build_from_config('lab2pix-v1_cityscapes.py')
    assert count(g) == 101_035_532


@pytest.mark.parametrize('name,total,encoder', [
    ('lab2pix-v2_cityscapes-512x256.py', 105_827_075, 12_779_072),
    ('lab2pix-v2_ade20k.py', 106_388_035, None),
    ('lab2pix-v2_coco-stuff.py', 107_395_459, None),
])
def test_v2_generator_official_counts(name, total, encoder):
    g = build_from_config(name)
    assert count(g) == total
    if encoder is not None:
        assert count(g.global_encoder) == encoder


def test_v1_generator_scales_ids_and_one_hot():
    torch.manual_seed(0)
    g = MODELS.build(dict(type='Lab2PixV1Generator', semantic_nc=4,
                          init_size=(1, 2),
                          channels=(8, 8, 8, 8, 8, 4, 4, 4)))
    ids = torch.randint(0, 4, (2, 128, 256))
    z = torch.randn(2, 128)
    outs = g(ids, z)
    assert [tuple(o.shape) for o in outs] == [(2, 3, 128, 256),
                                               (2, 3, 64, 128),
                                               (2, 3, 32, 64)]
    assert all(o.abs().max() <= 1 for o in outs)
    # one-hot input: the same result for labels constant per pooling window
    const = ids[:, ::128, ::128].repeat_interleave(128, 1) \
        .repeat_interleave(128, 2)
    one_hot = torch.nn.functional.one_hot(const, 4).permute(0, 3, 1,
                                                            2).float()
    for a, b in zip(g(const, z), g(one_hot, z)):
        assert torch.allclose(a, b, atol=1e-5)
    # different noise, different image
    assert not torch.allclose(g(ids, torch.randn(2, 128))[0], outs[0])


def test_v1_generator_switches_and_sketch():
    single = MODELS.build(dict(type='Lab2PixV1Generator', semantic_nc=3,
                               init_size=(1, 1), num_outputs=1,
                               use_lsca=False, use_global_encoder=True,
                               channels=(8, 8, 8, 8, 8, 4, 4, 4)))
    assert len(single.fusions) == 0 and len(single.heads) == 1
    assert single.global_encoder is not None
    sketch = MODELS.build(dict(type='Lab2PixV1Generator', semantic_nc=1,
                               task='sketch', sketch_base_channels=2,
                               channels=(8, 8, 8, 8, 8, 4, 4, 4)))
    assert not hasattr(sketch, 'noise_process')
    outs = sketch(torch.rand(1, 1, 256, 256) * 2 - 1)
    assert [o.shape[-1] for o in outs] == [256, 128, 64]
    with pytest.raises(ValueError, match='task'):
        MODELS.build(dict(type='Lab2PixV1Generator', task='photo'))


@pytest.mark.parametrize('mode,crop,size', [('normal', 64, (32, 64)),
                                             ('most', 256, (128, 256))])
def test_v2_generator_modes(mode, crop, size):
    g = MODELS.build(dict(type='Lab2PixV2Generator', semantic_nc=5, ngf=2,
                          crop_size=crop, aspect_ratio=2.0,
                          num_upsampling_layers=mode, global_channels=4,
                          encoder_channels=4))
    seg = torch.rand(1, 5, *size)
    out = g(seg)
    assert out.shape == (1, 3, *size)
    out.mean().backward()
    assert g.global_encoder.model_up[0][1].weight.grad is not None
    plain = MODELS.build(dict(type='Lab2PixV2Generator', semantic_nc=5,
                              ngf=2, crop_size=64, aspect_ratio=2.0,
                              num_upsampling_layers='normal',
                              use_global_encoder=False, global_channels=4))
    assert plain(seg[..., :32, :64]).shape == (1, 3, 32, 64)
    with pytest.raises(ValueError, match='too small'):
        MODELS.build(dict(type='Lab2PixV2Generator', semantic_nc=5,
                          crop_size=16, num_upsampling_layers='most'))


def test_v2_generator_takes_its_size_from_the_label_map():
    """crop_size=None: the latent size is the input's (H, W) / 2**n_up, so
    the model needs no copy of the pipeline's resize; on data of the crop
    size it equals the official fixed-crop generator exactly."""
    cfg = dict(type='Lab2PixV2Generator', semantic_nc=5, ngf=2,
               num_upsampling_layers='normal', global_channels=4,
               encoder_channels=4)
    torch.manual_seed(0)
    fixed = MODELS.build(dict(cfg, crop_size=64, aspect_ratio=2.0))
    free = MODELS.build(cfg)
    free.load_state_dict(fixed.state_dict())
    seg = torch.rand(2, 5, 32, 64)
    torch.testing.assert_close(free(seg), fixed(seg), rtol=0, atol=0)
    # another size: the free generator starts from that size's latent
    other = torch.rand(1, 5, 64, 64)
    assert free.latent_size(other) == (2, 2)
    assert fixed.latent_size(other) == (1, 2)
    assert free(other).shape == (1, 3, 64, 64)
    with pytest.raises(ValueError, match='divisible by 32, got 40x64'):
        free(torch.rand(1, 5, 40, 64))
    with pytest.raises(ValueError, match='aspect_ratio without crop_size'):
        MODELS.build(dict(cfg, aspect_ratio=1.0))
