"""LGGAN cross-view generator: official parameter counts, shapes, and
equivalence with a re-statement of the official layer order."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsemsyn  # noqa: F401
from mmsemsyn.models.generators.lggan_cross_view import LGGANCrossViewGenerator
from mmsemsyn.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs/lggan/lggan_dayton-a2g.py')


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def one_hot(ids, n):
    return F.one_hot(ids, n).permute(0, 3, 1, 2).float()


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmsemsyn')


def test_official_parameter_counts_from_config():
    """§9: G 12,191,258 (six used + one unused 7x7 class conv, biased convs,
    affine-free IN); D_i = D_s = 2,767,809 (basic PatchGAN in 6, IN, so
    every conv has a bias)."""
    model_cfg = Config.fromfile(CONFIG).model
    gen = MODELS.build(model_cfg.generator)
    assert n_params(gen) == 12_191_258
    # The 7th class conv never gets a gradient (also not officially).
    assert n_params(gen.unused_class_heads) == 64 * 3 * 49 + 3
    assert not any(p.requires_grad
                   for p in gen.unused_class_heads.parameters())
    disc = MODELS.build(model_cfg.discriminator)
    assert n_params(disc.image) == n_params(disc.semantic) == 2_767_809


def test_forward_shapes_and_fusion():
    gen = LGGANCrossViewGenerator(ngf=8, n_blocks=1)
    masks = one_hot(torch.randint(0, 6, (2, 24, 32)), 6)
    out = gen(torch.randn(2, 6, 24, 32), masks)
    assert out['fake_img'].shape == out['local_img'].shape == \
        out['global_img'].shape == (2, 3, 24, 32)
    assert out['class_images'].shape == (2, 6, 3, 24, 32)
    att = out['weight_map']
    torch.testing.assert_close(att.sum(1), torch.ones(2, 24, 32))
    # Eq. 3 (sum of the class images) and Eq. 7 (softmax-weighted fusion).
    torch.testing.assert_close(out['local_img'], out['class_images'].sum(1))
    torch.testing.assert_close(
        out['fake_img'], att[:, :1] * out['local_img'] +
        att[:, 1:] * out['global_img'])


def test_bad_inputs():
    gen = LGGANCrossViewGenerator(ngf=4, n_blocks=0)
    with pytest.raises(ValueError, match='6 class generators but got 5'):
        gen(torch.randn(1, 6, 8, 8), torch.zeros(1, 5, 8, 8))
    with pytest.raises(ValueError, match='divisible by 4'):
        gen(torch.randn(1, 6, 10, 8), torch.zeros(1, 6, 10, 8))


def test_gradients_reach_every_trained_parameter():
    gen = LGGANCrossViewGenerator(ngf=4, n_blocks=1)
    ids = torch.arange(6).repeat_interleave(2).reshape(1, 1, 12).expand(
        1, 12, 12)
    out = gen(torch.randn(1, 6, 12, 12), one_hot(ids, 6))
    (out['fake_img'].sum() + out['class_images'].sum()).backward()
    for name, p in gen.named_parameters():
        if name.startswith('unused_class_heads'):
            assert p.grad is None
        else:
            assert p.grad is not None and p.grad.abs().sum() > 0, name


class DocumentedCrossViewGenerator(nn.Module):
    """An independent statement of the official ``ResnetGenerator_local``
    as documented (reference §3b): named like the official attributes,
    functional forward, the class masks computed from the grey label map
    (values 10..60) by exact matching as the official forward does."""

    def __init__(self, ngf, n_blocks, n_class_convs=7):
        super().__init__()
        self.conv1 = nn.Conv2d(6, ngf, 7)
        self.conv2 = nn.Conv2d(ngf, 2 * ngf, 3, 2, 1)
        self.conv3 = nn.Conv2d(2 * ngf, 4 * ngf, 3, 2, 1)
        self.res = nn.ModuleList(
            nn.ModuleList([nn.Conv2d(4 * ngf, 4 * ngf, 3),
                           nn.Conv2d(4 * ngf, 4 * ngf, 3)])
            for _ in range(n_blocks))
        for b in ('local', 'global', 'attention'):
            setattr(self, f'deconv3_{b}',
                    nn.ConvTranspose2d(4 * ngf, 2 * ngf, 3, 2, 1, 1))
            setattr(self, f'deconv4_{b}',
                    nn.ConvTranspose2d(2 * ngf, ngf, 3, 2, 1, 1))
        self.deconv5 = nn.ModuleList(nn.Conv2d(ngf, 3, 7)
                                     for _ in range(n_class_convs))
        self.deconv5_global = nn.Conv2d(ngf, 3, 7)
        self.deconv5_attention = nn.Conv2d(ngf, 2, 1)

    def forward(self, x, grey):
        def pad(t, p):
            return F.pad(t, (p, p, p, p), mode='reflect')

        def block(conv, t):
            return F.relu(F.instance_norm(conv(t)))

        h = block(self.conv1, pad(x, 3))
        h = block(self.conv3, block(self.conv2, h))
        for c1, c2 in self.res:
            r = block(c1, pad(h, 1))
            h = h + F.instance_norm(c2(pad(r, 1)))

        def up(b):
            t = block(getattr(self, f'deconv3_{b}'), h)
            return block(getattr(self, f'deconv4_{b}'), t)

        feat = up('local')
        local = 0
        for i in range(6):  # only 6 of the 7 class convs are used
            m = (grey == 10 * (i + 1)).float()
            local = local + torch.tanh(self.deconv5[i](pad(feat * m, 3)))
        glob = torch.tanh(self.deconv5_global(pad(up('global'), 3)))
        att = torch.softmax(self.deconv5_attention(up('attention')), 1)
        return att[:, 0:1] * local + att[:, 1:2] * glob


def official_name_map(n_blocks):
    """Our parameter names -> the re-statement's."""
    pairs = [('encoder.1', 'conv1'), ('encoder.4', 'conv2'),
             ('encoder.7', 'conv3')]
    for i in range(n_blocks):
        pairs += [(f'encoder.{10 + i}.conv_block.1', f'res.{i}.0'),
                  (f'encoder.{10 + i}.conv_block.5', f'res.{i}.1')]
    for ours, theirs in (('local_decoder', 'local'),
                         ('global_decoder', 'global'),
                         ('attention_decoder', 'attention')):
        pairs += [(f'{ours}.0', f'deconv3_{theirs}'),
                  (f'{ours}.3', f'deconv4_{theirs}')]
    pairs += [(f'class_heads.{i}.1', f'deconv5.{i}') for i in range(6)]
    pairs += [('unused_class_heads.0.1', 'deconv5.6'),
              ('global_head.1', 'deconv5_global'),
              ('attention_head', 'deconv5_attention')]
    return {f'{a}.{k}': f'{b}.{k}' for a, b in pairs
            for k in ('weight', 'bias')}


def test_equivalent_to_official_layer_order():
    torch.manual_seed(0)
    ngf, n_blocks = 8, 2
    ours = LGGANCrossViewGenerator(ngf=ngf, n_blocks=n_blocks)
    ref = DocumentedCrossViewGenerator(ngf, n_blocks)
    names = official_name_map(n_blocks)
    state = ours.state_dict()
    assert set(names) == set(state)
    ref_state = {names[k]: v for k, v in state.items()}
    assert set(ref_state) == set(ref.state_dict())
    ref.load_state_dict(ref_state)
    # Larger weights than the N(0, 0.02) init so the check is not trivial.
    with torch.no_grad():
        for p in ours.parameters():
            p.normal_(0, 0.1)
        ref.load_state_dict({names[k]: v
                             for k, v in ours.state_dict().items()})

    ids = torch.randint(0, 6, (2, 32, 32))
    x = torch.randn(2, 6, 32, 32)
    grey = (10 * (ids + 1)).float().unsqueeze(1)  # the official mask input
    expected = ref(x, grey)
    got = ours(x, one_hot(ids, 6))['fake_img']
    err = (got - expected).abs().max().item()
    assert err < 1e-5, err
    assert expected.std() > 0.05  # outputs are not saturated/constant
