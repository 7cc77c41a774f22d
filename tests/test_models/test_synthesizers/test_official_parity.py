"""Exact parity with the official training code (issue 12, points 1-3).

* Multi-scale D: which registered scale judges which pyramid level, as
  each official forward (pix2pixHD: the last-registered scale sees full
  resolution; SPADE / LGGAN / Lab2Pix-V2: the first).
* LGGAN: one D call per judged output (fused, global, local), as the
  official ``compute_{generator,discriminator}_loss``; with spectral norm in
  training mode each call runs a power iteration, so a batched call is not
  the same.
* Lab2Pix-V2: the sharpness term's second D call on [blurred, real] scores
  the real batch again: ``(L_real + lambda L_real') / (1 + lambda)``.

The official sequences are re-stated here from the official code (call
order and loss scaling) on a deep copy of the model in the same state.
"""
import copy
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import MODELS
from mmsemsyn.structures import SynDataSample
from mmsemsyn.utils import register_all_modules

register_all_modules()
REPO = Path(__file__).resolve().parents[3]


def _levels_seen(ms_d, x):
    """Input height each registered scale discriminator received."""
    seen = {}
    hooks = [d.register_forward_pre_hook(
        lambda m, a, i=i: seen.__setitem__(i, a[0].shape[-2]))
        for i, d in enumerate(ms_d.discriminators)]
    ms_d(x)
    for h in hooks:
        h.remove()
    return seen


def _patch_ms(registration, num_D=3):
    return MODELS.build(dict(
        type='MultiScaleDiscriminator', in_channels=4, ndf=2, n_layers_D=2,
        num_D=num_D, registration=registration,
        discriminator=dict(type='PatchDiscriminator', norm='IN', padding=2)))


@pytest.mark.parametrize('cfg_file,full_res_index', [
    ('configs/pix2pixhd/pix2pixhd_512p_cityscapes.py', -1),
    ('configs/pix2pixhd/pix2pixhd_1024p_cityscapes.py', -1),
    ('configs/spade/spade_cityscapes.py', 0),
    ('configs/lggan/lggan_cityscapes.py', 0),
])
def test_config_pairs_scales_with_levels_as_official(cfg_file,
                                                     full_res_index):
    """pix2pixHD ``MultiscaleDiscriminator.forward`` gives the full-res
    image to ``scale<num_D-1>``; SPADE's (and LGGAN's copy) to
    ``discriminator_0``."""
    d_cfg = Config.fromfile(str(REPO / cfg_file)).model.discriminator
    num_D = d_cfg.num_D
    d = _patch_ms(d_cfg.get('registration', 'finest_first'), num_D)
    seen = _levels_seen(d, torch.randn(1, 4, 64, 64))
    full = list(range(num_D))[full_res_index]
    assert seen[full] == 64
    sizes = [seen[i] for i in range(num_D)]
    assert sizes == sorted(sizes, reverse=full_res_index == 0)


def test_outputs_stay_finest_first_whatever_the_registration():
    torch.manual_seed(0)
    fine_first, coarse_first = _patch_ms('finest_first'), _patch_ms(
        'coarsest_first')
    # the same scale weights, registered in the other order
    state = fine_first.state_dict()
    n = len(state) // 3
    keys = list(state)
    reordered = {}
    for k in range(3):
        for a, b in zip(keys[k * n:(k + 1) * n],
                        keys[(2 - k) * n:(3 - k) * n]):
            reordered[a] = state[b]
    coarse_first.load_state_dict(reordered)
    x = torch.randn(2, 4, 64, 64)
    for a, b in zip(fine_first(x), coarse_first(x)):
        for fa, fb in zip(a, b):
            assert torch.equal(fa, fb)
    assert coarse_first(x)[0][-1].shape[-1] > coarse_first(x)[-1][-1].shape[-1]
    with pytest.raises(ValueError, match='registration'):
        _patch_ms('largest_first')


# ------------------------------------------------------------------ LGGAN
def _lggan(**kw):
    cfg = Config.fromfile(str(REPO / 'configs/lggan/lggan_synthetic.py'))
    model = copy.deepcopy(cfg.model)
    model.generator.update(ngf=2, spade_hidden=4, n_blocks=1)
    model.discriminator.update(ndf=4)
    model.losses.vgg = dict(type='L1Loss', loss_weight=10.0,
                            loss_name='loss_vgg')
    model.update(kw)
    return MODELS.build(model)


def _synthetic_batch(n=2, size=32):
    from mmengine.dataset import pseudo_collate

    from mmsemsyn.datasets.synthetic_scenes import SyntheticScenesDataset
    ds = SyntheticScenesDataset(num_samples=n, img_size=(size, size),
                                pipeline=[dict(type='PackSynInputs')])
    return pseudo_collate([ds[i] for i in range(n)])


def _official_lggan_losses(model, inputs, out):
    """Official LGGAN, train mode: ``discriminate`` once per output in the
    order fused, global, local (each on [fake_k, real]), in the D step and
    again in the G step; D_real sums the three real scores; FM of output k
    uses the real features of call k."""
    hinge, feat = model.losses['gan'], model.losses['feat']
    sem, real = inputs['semantics'], inputs['img']
    d, g = {}, {}

    def call(fake):
        both = model.discriminator(torch.cat(
            [torch.cat([sem, fake], 1), torch.cat([sem, real], 1)]))
        n = fake.shape[0]
        return ([[t[:n] for t in s] for s in both],
                [[t[n:] for t in s] for s in both])

    keys = (('fake_img', ''), ('global_img', '_global'),
            ('local_img', '_local'))
    d_real = 0
    for key, sfx in keys:
        pf, pr = call(out[key].detach())
        d['loss_d_fake' + sfx] = hinge(pf, False, is_disc=True)
        d_real = d_real + hinge(pr, True, is_disc=True)
    d['loss_d_real'] = d_real
    for key, sfx in keys:
        pf, pr = call(out[key])
        g['loss_gan' + sfx] = hinge(pf, True)
        g['loss_feat' + sfx] = feat(pf, pr)
    return d, g


def test_lggan_train_mode_equals_three_official_d_calls():
    torch.manual_seed(0)
    model = _lggan().train()
    assert model.separate_d_calls  # exact by default
    official = copy.deepcopy(model)
    batched = copy.deepcopy(model)
    batched.separate_d_calls = False
    inputs = model.data_preprocessor(_synthetic_batch(), True)['inputs']
    with torch.no_grad():
        out = model.forward_generator(inputs)
    det = {k: v.detach() if isinstance(v, torch.Tensor) else v
           for k, v in out.items()}
    ours_d = model.discriminator_losses(inputs, det)
    ours_g = model.generator_losses(inputs, out)
    ref_d, ref_g = _official_lggan_losses(official, inputs, out)
    for k, v in ref_d.items():
        torch.testing.assert_close(ours_d[k], v, rtol=0, atol=1e-6)
    for k, v in ref_g.items():
        torch.testing.assert_close(ours_g[k], v, rtol=0, atol=1e-6)
    # the spectral-norm vectors moved exactly as in the official run
    for a, b in zip(model.discriminator.state_dict().values(),
                    official.discriminator.state_dict().values()):
        assert torch.equal(a, b)
    # the single batched call (opt-in) is a different computation
    fast_d = batched.discriminator_losses(inputs, det)
    fast_g = batched.generator_losses(inputs, out)
    diff = max((fast_d['loss_d_real'] - ref_d['loss_d_real']).abs().item(),
               (fast_g['loss_feat_local'] - ref_g['loss_feat_local'])
               .abs().item())
    assert diff > 1e-6


# -------------------------------------------------------------- Lab2Pix-V2
NC = 4


def _lab2pix_v2():
    hpd = dict(type='HierarchicalPerceptualDiscriminator', feat_channels=4,
               vgg_pretrained=None)
    return MODELS.build(dict(
        type='Lab2PixV2',
        data_preprocessor=dict(type='SynDataPreprocessor', num_classes=NC,
                               use_instance_edges=True),
        generator=dict(type='Lab2PixV2Generator', semantic_nc=NC + 1, ngf=2,
                       crop_size=32, aspect_ratio=1.0,
                       num_upsampling_layers='normal', global_channels=4,
                       encoder_channels=4),
        discriminator=dict(type='HierarchicalPerceptualDiscriminators',
                           # random VGG-16 branch: a test
                           allow_random_perceptual_branch=True,
                           in_channels=NC + 1 + 3, ndf=2, num_levels=(2, 1),
                           discriminator=hpd),
        foreground_mask=dict(type='ForegroundEnhancementMask',
                             background_ids=[0], enhance_rate=5.0),
        losses=dict(
            gan=dict(type='HierarchicalGANLoss', gan_type='hinge',
                     level_normalization='cumulative'),
            gan_disc=dict(type='HierarchicalGANLoss', gan_type='hinge',
                          level_normalization='cumulative',
                          loss_name='loss_d'),
            sharp=dict(type='SharpnessEnhancementLoss', loss_weight=0.7,
                       balance='average'),
            feat=dict(type='FeatureMatchingLoss'))))


def _label_batch(h=32, w=32, n=2):
    torch.manual_seed(1)
    label = torch.randint(0, NC, (n, 1, h, w))
    return dict(inputs=dict(label=list(label), inst=list(label * 1000),
                            img=list(torch.randint(0, 256, (n, 3, h, w),
                                                   dtype=torch.uint8))),
                data_samples=[SynDataSample() for _ in range(n)])


def test_lab2pix_v2_d_scores_the_real_batch_twice_as_official():
    torch.manual_seed(0)
    model = _lab2pix_v2().train()
    official = copy.deepcopy(model)
    inputs = model.data_preprocessor(_label_batch(), True)['inputs']
    with torch.no_grad():
        fake = model.forward_generator(inputs)['fake_img']
    ours = model.discriminator_losses(inputs, dict(fake_img=fake))

    # official compute_discriminator_loss: two discriminate() calls
    gan, lam = official.losses['gan_disc'], 0.7
    sem, real = inputs['semantics'], inputs['img']
    mask = official.foreground_mask(inputs['label'])

    def discriminate(f):
        out = official.discriminator(torch.cat(
            [torch.cat([sem, f], 1), torch.cat([sem, real], 1)]))
        n = f.shape[0]

        def split(p, part):
            if isinstance(p, torch.Tensor):
                return p[:n] if part == 0 else p[n:]
            return [split(q, part) for q in p]
        return split(out, 0), split(out, 1)

    pf, pr = discriminate(fake)
    blurry = F.interpolate(F.interpolate(real, scale_factor=0.5),
                           scale_factor=2)
    pf_sharp, pr_sharp = discriminate(blurry)
    d_fake = (gan(pf, False, True, mask) + lam * gan(
        pf_sharp, False, True, mask)) / (1 + lam)
    d_real = (gan(pr, True, True, mask) + lam * gan(
        pr_sharp, True, True, mask)) / (1 + lam)
    torch.testing.assert_close(ours['loss_d_fake'] + ours['loss_d_sharp'],
                               d_fake, rtol=0, atol=1e-6)
    torch.testing.assert_close(ours['loss_d_real'], d_real, rtol=0,
                               atol=1e-6)
    # the real term's gradient is the official one too
    def trainable(m):
        return [p for p in m.discriminator.parameters() if p.requires_grad]

    g_ours = torch.autograd.grad(ours['loss_d_real'], trainable(model),
                                 allow_unused=True)
    g_ref = torch.autograd.grad(d_real, trainable(official),
                                allow_unused=True)
    for a, b in zip(g_ours, g_ref):
        if a is None or b is None:
            assert a is None and b is None
        else:
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)
