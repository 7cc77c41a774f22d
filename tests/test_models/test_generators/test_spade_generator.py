"""SPADE generator / VAE encoder / discriminator: official parameter counts
and output equivalence with an independent re-statement of the official
networks (same weights -> same outputs)."""
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from official_spade_lggan import (
    RefConvEncoder,
    RefMultiscaleDiscriminator,
    RefSPADEGenerator,
    copy_by_order,
)

from mmsemsyn.models.encoders.spade_vae_encoder import SPADEVAEEncoder
from mmsemsyn.models.generators.spade import SPADEGenerator, count_parameters
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

register_all_modules()
REPO = Path(__file__).resolve().parents[3]


def _seg(b, c, h, w, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, c - 1, (b, h // 4, w // 4), generator=g)
    ids = F.interpolate(ids[:, None].float(), size=(h, w))[:, 0].long()
    seg = F.one_hot(ids, c).permute(0, 3, 1, 2).float()
    seg[:, -1] = (torch.rand(b, h, w, generator=g) > 0.8).float()  # edges
    return seg


@pytest.mark.parametrize('cfg_file,gen,enc,disc', [
    ('configs/spade/spade_cityscapes.py', 93_048_003, None, 5_601_410),
    ('configs/spade/spade-vae_cityscapes.py', 101_136_579, 10_463_424,
     5_601_410),
    ('configs/spade/spade_ade20k.py', 96_492_483, None, 5_836_930),
    ('configs/spade/spade_coco-stuff.py', 97_480_899, None, 5_904_514),
])
def test_official_parameter_counts(cfg_file, gen, enc, disc):
    model = Config.fromfile(str(REPO / cfg_file)).model
    assert count_parameters(MODELS.build(model.generator)) == gen
    assert count_parameters(MODELS.build(model.discriminator)) == disc
    if enc is not None:
        assert count_parameters(MODELS.build(model.encoder)) == enc


@pytest.mark.parametrize('mode,factor', [('normal', 32), ('most', 128)])
@torch.no_grad()
def test_output_size_latent_and_eval_equivalence(mode, factor):
    torch.manual_seed(0)
    g = SPADEGenerator(5, ngf=2, num_upsampling_layers=mode,
                       spade_hidden=4).eval()
    ref = RefSPADEGenerator(5, ngf=2, num_up=mode, crop=factor, ar=1.0,
                            nhidden=4).eval()
    ref.load_state_dict(g.state_dict(), strict=True)
    seg = _seg(1, 5, factor, factor)
    assert g.compute_latent_size(seg) == (1, 1)
    out = g(seg)
    assert out.shape == (1, 3, factor, factor)
    assert out.abs().max() <= 1
    torch.testing.assert_close(out, ref(seg))  # BN running stats, SN fixed
    with pytest.raises(ValueError, match='divisible by'):
        g(_seg(1, 5, factor + 4, factor))


def test_bad_arguments():
    with pytest.raises(ValueError, match='num_upsampling_layers'):
        SPADEGenerator(5, num_upsampling_layers='many')
    with pytest.raises(ValueError, match='crop_size'):
        SPADEGenerator(5, head='vae')


@pytest.mark.parametrize('use_vae', [False, True])
def test_generator_matches_official_restatement(use_vae):
    # training mode: batch statistics and spectral-norm power iterations
    torch.manual_seed(0)
    mode, crop = 'more', 128  # latent 1 x 2 at aspect 2 -> images 64x128
    kw = dict(ngf=2, num_upsampling_layers=mode, spade_hidden=4)
    if use_vae:
        kw.update(head='vae', crop_size=crop, aspect_ratio=2.0, z_dim=8)
    ours = SPADEGenerator(6, **kw)
    ref = RefSPADEGenerator(6, ngf=2, num_up=mode, crop=crop, ar=2.0,
                            use_vae=use_vae, z_dim=8, nhidden=4)
    # identical names, order and shapes: a strict load works
    ref.load_state_dict(ours.state_dict(), strict=True)
    assert list(ref.state_dict()) == list(ours.state_dict())
    seg = _seg(2, 6, crop // 2, crop)
    z = torch.randn(2, 8) if use_vae else None
    torch.testing.assert_close(ours(seg, z=z), ref(seg, z=z))
    # BN running stats were updated identically too
    torch.testing.assert_close(ours.head_0.norm_0.param_free_norm.running_var,
                               ref.head_0.norm_0.param_free_norm.running_var)


def test_vae_encoder_matches_official_restatement():
    torch.manual_seed(0)
    ours = SPADEVAEEncoder(nef=2, z_dim=256, crop_size=256, input_size=128)
    ref = RefConvEncoder(ndf=2, crop=256, size=128)
    ref.load_state_dict(ours.state_dict(), strict=True)
    img = torch.rand(2, 3, 40, 48) * 2 - 1
    for a, b in zip(ours(img), ref(img)):
        torch.testing.assert_close(a, b)
    mu, logvar = ours(img)
    z = ours.sample(mu, logvar)
    assert z.shape == (2, 256) and not torch.equal(z, mu)


def test_discriminator_matches_official_restatement():
    torch.manual_seed(0)
    cfg = Config.fromfile(str(REPO / 'configs/_base_/models/spade.py')).model
    dcfg = cfg.discriminator
    dcfg.update(in_channels=6, ndf=4)
    ours = MODELS.build(dcfg)
    ref = RefMultiscaleDiscriminator(6, ndf=4)
    pairs = copy_by_order(ours, ref)
    assert pairs[0] == ('discriminators.0.blocks.0.0.weight',
                        'discriminator_0.model0.0.weight')
    x = torch.randn(2, 6, 64, 64)
    out_ours, out_ref = ours(x), ref(x)
    assert len(out_ours) == 2 and len(out_ours[0]) == 5
    for scale_a, scale_b in zip(out_ours, out_ref):
        for a, b in zip(scale_a, scale_b):
            torch.testing.assert_close(a, b)
