"""pix2pixHD generators and D: official parameter counts, and equivalence
with an independent re-statement of the official layer order.

The reference networks below are written from the documented structure
(``reference/official-implementations.md`` §1), not from our classes: flat
``nn.Sequential`` lists of torch layers. Our weights are copied into them by
order and the outputs must agree exactly; the state-dict keys must follow
the official names (``model.<i>``, ``model1_1``/``model1_2``,
``conv_block.1/5``, ``scale<i>_layer<j>``).
"""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config

import mmsemsyn  # noqa: F401
from mmsemsyn.models.generators.pix2pixhd import GlobalGenerator, LocalEnhancer
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

register_all_modules()


def count(module):
    return sum(p.numel() for p in module.parameters())


# ---------------------------------------------------------------- counts
@pytest.mark.parametrize('config, g, d, e', [
    ('pix2pixhd_512p_cityscapes', 182_546_755, 5_603_202, None),
    ('pix2pixhd_512p-feat_cityscapes', 182_556_163, 5_603_202, 788_803),
    ('pix2pixhd_1024p_cityscapes', 182_857_059, 8_404_803, None),
    ('pix2pixhd_1024p-feat_cityscapes', 182_871_171, 8_404_803, 788_803),
])
def test_official_parameter_counts(config, g, d, e):
    cfg = Config.fromfile(f'configs/pix2pixhd/{config}.py')
    cfg.model.losses.vgg = None  # VGG19 is not part of the counts
    with torch.device('meta'):  # no memory, no init cost
        model = MODELS.build(cfg.model)
    assert count(model.generator) == g
    assert count(model.discriminator) == d
    if e is None:
        assert model.encoder is None
    else:
        assert count(model.encoder) == e
    if config == 'pix2pixhd_1024p_cityscapes':
        assert count(model.generator.model) == 182_537_344  # inner G1
        assert g - count(model.generator.model) == 319_715  # enhancer


# ------------------------------------------------- reference statements
class RefResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3),
            nn.InstanceNorm2d(ch), nn.ReLU(True), nn.ReflectionPad2d(1),
            nn.Conv2d(ch, ch, 3), nn.InstanceNorm2d(ch))

    def forward(self, x):
        return x + self.conv_block(x)


def ref_global_layers(cin, ngf, n_down, n_blocks, cout=3):
    seq = [nn.ReflectionPad2d(3), nn.Conv2d(cin, ngf, 7),
           nn.InstanceNorm2d(ngf), nn.ReLU(True)]
    ch = ngf
    for _ in range(n_down):
        seq += [nn.Conv2d(ch, 2 * ch, 3, 2, 1), nn.InstanceNorm2d(2 * ch),
                nn.ReLU(True)]
        ch *= 2
    seq += [RefResBlock(ch) for _ in range(n_blocks)]
    for _ in range(n_down):
        seq += [nn.ConvTranspose2d(ch, ch // 2, 3, 2, 1, 1),
                nn.InstanceNorm2d(ch // 2), nn.ReLU(True)]
        ch //= 2
    seq += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, cout, 7), nn.Tanh()]
    return seq


class RefLocal(nn.Module):
    """Official LocalEnhancer order: model (G1 minus 3), then per enhancer
    model<n>_1 = [pad, c7, IN, ReLU, c3 s2, IN, ReLU] and model<n>_2 =
    [res x k, convT, IN, ReLU (, pad, c7, tanh)]."""

    def __init__(self, cin, ngf, n_down, n_blocks, n_local, n_blocks_local):
        super().__init__()
        self.n_local = n_local
        self.model = nn.Sequential(*ref_global_layers(
            cin, ngf * 2**n_local, n_down, n_blocks)[:-3])
        for n in range(1, n_local + 1):
            ch = ngf * 2**(n_local - n)
            setattr(self, f'model{n}_1', nn.Sequential(
                nn.ReflectionPad2d(3), nn.Conv2d(cin, ch, 7),
                nn.InstanceNorm2d(ch), nn.ReLU(True),
                nn.Conv2d(ch, 2 * ch, 3, 2, 1), nn.InstanceNorm2d(2 * ch),
                nn.ReLU(True)))
            back = [RefResBlock(2 * ch) for _ in range(n_blocks_local)]
            back += [nn.ConvTranspose2d(2 * ch, ch, 3, 2, 1, 1),
                     nn.InstanceNorm2d(ch), nn.ReLU(True)]
            if n == n_local:
                back += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7),
                         nn.Tanh()]
            setattr(self, f'model{n}_2', nn.Sequential(*back))

    def forward(self, x):
        xs = [x]
        for _ in range(self.n_local):
            xs.append(F.avg_pool2d(xs[-1], 3, 2, 1, count_include_pad=False))
        out = self.model(xs[-1])
        for n in range(1, self.n_local + 1):
            out = getattr(self, f'model{n}_2')(
                getattr(self, f'model{n}_1')(xs[self.n_local - n]) + out)
        return out


def copy_by_order(src, dst):
    src_p, dst_p = list(src.parameters()), list(dst.parameters())
    assert [p.shape for p in src_p] == [p.shape for p in dst_p]
    with torch.no_grad():
        for s, d in zip(src_p, dst_p):
            d.copy_(s)


def key_shapes(module):
    return [(k, tuple(v.shape)) for k, v in module.state_dict().items()]


def test_global_generator_matches_official_statement():
    torch.manual_seed(0)
    ours = GlobalGenerator(5, ngf=4, n_downsampling=2, n_blocks=2)
    ref = nn.Module()
    ref.model = nn.Sequential(*ref_global_layers(5, 4, 2, 2))
    assert key_shapes(ours) == key_shapes(ref)
    assert 'model.10.conv_block.5.weight' in ours.state_dict()
    copy_by_order(ours, ref)
    x = torch.randn(2, 5, 16, 24)
    assert torch.equal(ours(x), ref.model(x))


def test_local_enhancer_matches_official_statement():
    torch.manual_seed(0)
    ours = LocalEnhancer(5, ngf=2, n_downsample_global=2, n_blocks_global=2,
                         n_local_enhancers=2, n_blocks_local=2)
    ref = RefLocal(5, 2, 2, 2, 2, 2)
    assert key_shapes(ours) == key_shapes(ref)
    copy_by_order(ours, ref)
    x = torch.randn(1, 5, 32, 48)
    out = ours(x)
    assert out.shape == (1, 3, 32, 48)
    assert torch.equal(out, ref(x))
    # Only the outermost enhancer trains while G1 is fixed (official
    # niter_fix_global selects names starting with 'model2').
    assert ours.enhancer_prefixes(outermost_only=True) == ['model2_']


def test_local_enhancer_adds_global_features():
    """G2's front end and G1's last feature map are summed (Sec. 3.2): the
    inner G1 changes the output."""
    torch.manual_seed(0)
    g = LocalEnhancer(3, ngf=2, n_downsample_global=1, n_blocks_global=1,
                      n_blocks_local=1)
    x = torch.randn(1, 3, 16, 16)
    before = g(x)
    with torch.no_grad():
        g.model[1].bias.add_(1.0)
    assert not torch.allclose(before, g(x))


def ref_patch_d(cin, ndf=4, n_layers=3):
    """Official NLayerDiscriminator (getIntermFeat): model0..model4."""
    layers = [[nn.Conv2d(cin, ndf, 4, 2, 2), nn.LeakyReLU(0.2, True)]]
    nf = ndf
    for n in range(1, n_layers):
        prev, nf = nf, min(nf * 2, 512)
        layers.append([nn.Conv2d(prev, nf, 4, 2, 2), nn.InstanceNorm2d(nf),
                       nn.LeakyReLU(0.2, True)])
    prev, nf = nf, min(nf * 2, 512)
    layers.append([nn.Conv2d(prev, nf, 4, 1, 2), nn.InstanceNorm2d(nf),
                   nn.LeakyReLU(0.2, True)])
    layers.append([nn.Conv2d(nf, 1, 4, 1, 2)])
    return [nn.Sequential(*l) for l in layers]


def test_multiscale_discriminator_matches_official_statement():
    """Official scale (num_D - 1 - i) sees the i-times downsampled input;
    with ``registration='coarsest_first'`` (the pix2pixHD configs) our
    discriminators[k] is the official scale<k>, so an official state dict
    loads in order onto the right resolutions."""
    torch.manual_seed(0)
    num_D, cin = 3, 7
    ours = MODELS.build(dict(
        type='MultiScaleDiscriminator', in_channels=cin, ndf=4,
        n_layers_D=3, num_D=num_D, registration='coarsest_first',
        discriminator=dict(type='PatchDiscriminator', norm='IN', padding=2,
                           bias=True)))
    ref = nn.Module()
    for i in range(num_D):
        for j, layer in enumerate(ref_patch_d(cin)):
            setattr(ref, f'scale{i}_layer{j}', layer)
    ref_keys = key_shapes(ref)
    assert ref_keys[0][0] == 'scale0_layer0.0.weight'
    per_scale = len(ref_keys) // num_D
    ref_state = ref.state_dict()
    # an official file loads in registration order (what the converter does)
    ours.load_state_dict(dict(zip(ours.state_dict(), ref_state.values())))
    for i in range(num_D):
        ours_scale = ours.discriminators[i]
        assert [s for _, s in key_shapes(ours_scale)] == [
            s for _, s in ref_keys[i * per_scale:(i + 1) * per_scale]]
    x = torch.randn(2, cin, 64, 64)
    outs = ours(x)
    inp = x
    for i in range(num_D):  # official forward order
        scale = num_D - 1 - i
        feats, h = [], inp
        for j in range(5):
            h = getattr(ref, f'scale{scale}_layer{j}')(h)
            feats.append(h)
        assert len(outs[i]) == 5
        for a, b in zip(outs[i], feats):
            assert torch.equal(a, b)
        inp = F.avg_pool2d(inp, 3, 2, 1, count_include_pad=False)


def test_bad_size_is_a_clear_error():
    g = GlobalGenerator(3, ngf=2, n_downsampling=2, n_blocks=1)
    with pytest.raises(ValueError, match='divisible by 4'):
        g(torch.randn(1, 3, 10, 12))
