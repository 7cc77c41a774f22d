"""With identical weights, our Lab2Pix-V1 generator and hierarchical
perceptual discriminators reproduce the official V1 networks' forward pass
and gradients.

The reference modules below re-state, independently of our implementation,
the official forward order of RoseRollZhu/Lab2Pix-V1 (9cbbe60,
``models/networks.py``: ``LabelAdaptiveGenerator`` of ``SPADEResBlock``s with
``LSCA`` fusions and the ``out_7/out_6/out_5`` heads;
``HierarchicalPerceptualDiscriminator`` with its ``Vgg16backbone`` slices,
``pre``/``gcb``/``conv*_line``/``conv*_out`` blocks and ``InceptionBlock``),
in the official module names, written from the documented structure (no
code copied). Widths are generalised so the networks are tiny (the official
hard-codes 1024..64 and the 128-wide norm MLP); the topology is the
official one. Our weights are copied in module by module, then outputs,
every intermediate D feature and the gradients of a scalar loss (one
backward = what one training step applies) are compared.

Deviation of the reference from the official code, on purpose: the official
LSCA's id-map branch names an undefined variable (``x``) and crashes; the
reference uses the current feature's device there (our bug fix, README
item 2).
"""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import mmsemsyn  # noqa: F401
from mmsemsyn.models.discriminators.hierarchical_perceptual import (
    HierarchicalPerceptualDiscriminators,
)
from mmsemsyn.models.generators.lab2pix_v1 import Lab2PixV1Generator

LABEL_NC = 6
WIDTHS = (16, 16, 16, 16, 12, 8, 8, 4)  # learned and identity-free blocks
HIDDEN = 8  # official 128
INIT_HW = (1, 2)  # official 2 x 4 -> outputs 128x256, 64x128, 32x64 here
NOISE = 8


def _pooled_label(seg, size, seg_dim):
    """Official label resize: ids max-pooled then one-hot, maps avg-pooled
    over the integer down-scaling factor."""
    h, w = size
    if seg.dim() == 3:
        k = (seg.shape[1] // h, seg.shape[2] // w)
        ids = F.max_pool2d(seg.float().unsqueeze(1), kernel_size=k).long()
        return torch.zeros(seg.shape[0], seg_dim, h, w).scatter_(1, ids, 1.0)
    k = (seg.shape[2] // h, seg.shape[3] // w)
    return F.avg_pool2d(seg.float(), kernel_size=k)


# ---------------------------------------------------------------- generator
class RefSPADE(nn.Module):
    """Official V1 ``SPADE``: IN(x) * mul + add (no ``1 +``)."""

    def __init__(self, dim, seg_dim, hidden):
        super().__init__()
        self.seg_dim = seg_dim
        self.normalization = nn.InstanceNorm2d(dim, affine=False)
        self.common_conv = nn.Sequential(
            nn.Conv2d(seg_dim, hidden, 3, 1, 1), nn.ReLU())
        self.mul_conv = nn.Conv2d(hidden, dim, 3, 1, 1)
        self.add_conv = nn.Conv2d(hidden, dim, 3, 1, 1)

    def forward(self, x, seg):
        s = self.common_conv(_pooled_label(seg, x.shape[2:], self.seg_dim))
        return self.normalization(x) * self.mul_conv(s) + self.add_conv(s)


class RefSPADEResBlock(nn.Module):
    """Official V1 ``SPADEResBlock``: norm -> ReLU -> conv twice; a 3x3
    norm/ReLU/conv side path only when the widths differ (no identity)."""

    def __init__(self, cin, cout, seg_dim, hidden):
        super().__init__()
        self.SPADE_1 = RefSPADE(cin, seg_dim, hidden)
        self.SPADE_1_ = nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, 3, 1, 1))
        self.SPADE_2 = RefSPADE(cout, seg_dim, hidden)
        self.SPADE_2_ = nn.Sequential(nn.ReLU(),
                                      nn.Conv2d(cout, cout, 3, 1, 1))
        self.res = cin != cout
        if self.res:
            self.SPADE_res = RefSPADE(cin, seg_dim, hidden)
            self.SPADE_res_ = nn.Sequential(nn.ReLU(),
                                            nn.Conv2d(cin, cout, 3, 1, 1))

    def forward(self, x, seg):
        out = self.SPADE_2_(self.SPADE_2(self.SPADE_1_(self.SPADE_1(x, seg)),
                                         seg))
        if self.res:
            out = out + self.SPADE_res_(self.SPADE_res(x, seg))
        return out


class RefLSCA(nn.Module):

    def __init__(self, c1, c2, seg_dim):
        super().__init__()
        self.seg_dim = seg_dim
        self.input1 = nn.Sequential(nn.Conv2d(c1, c2, 3, 1, 1), nn.ReLU())
        self.norm1 = nn.InstanceNorm2d(c2)
        self.norm2 = nn.InstanceNorm2d(c2)
        self.seg_process = nn.Sequential(
            nn.Conv2d(seg_dim, c2, 3, 1, 1), nn.ReLU(), nn.InstanceNorm2d(c2))
        self.mask = nn.Sequential(nn.Conv2d(3 * c2, 1, 3, 1, 1), nn.Sigmoid())

    def forward(self, x_1, x_2, seg):
        seg_fea = self.seg_process(
            _pooled_label(seg, x_2.shape[2:], self.seg_dim))
        x_1 = self.input1(F.interpolate(x_1, scale_factor=2))
        m = self.mask(torch.cat((self.norm1(x_1), self.norm2(x_2), seg_fea),
                                1))
        return m * x_1 + (1.0 - m) * x_2, m


class RefLabelAdaptiveGenerator(nn.Module):

    def __init__(self, seg_dim, ch, init_hw, noise_dim, hidden):
        super().__init__()
        self.ch0, self.init_hw = ch[0], init_hw
        self.noise_process = nn.Linear(noise_dim,
                                       ch[0] * init_hw[0] * init_hw[1])
        for i in range(7):
            setattr(self, f'SPADEResBlock_{i + 1}',
                    RefSPADEResBlock(ch[i], ch[i + 1], seg_dim, hidden))
        for i in (5, 6, 7):
            setattr(self, f'SPADEResBlock_{i}_fusion',
                    RefLSCA(ch[i - 1], ch[i], seg_dim))
        # registration order of the official heads: out_7, out_6, out_5
        for i in (7, 6, 5):
            setattr(self, f'out_{i}', nn.Sequential(
                nn.Conv2d(ch[i], 3, 3, 1, 1), nn.Tanh()))

    def forward(self, seg, noise):
        x = self.noise_process(noise).view(noise.shape[0], self.ch0,
                                           *self.init_hw)
        for i in (1, 2, 3, 4):
            x = F.interpolate(getattr(self, f'SPADEResBlock_{i}')(x, seg),
                              scale_factor=2)
        outs = {}
        for i in (5, 6, 7):
            y = F.interpolate(getattr(self, f'SPADEResBlock_{i}')(x, seg),
                              scale_factor=2)
            y, _ = getattr(self, f'SPADEResBlock_{i}_fusion')(x, y, seg)
            outs[i] = getattr(self, f'out_{i}')(y)
            x = y
        return outs[7], outs[6], outs[5]


# ------------------------------------------------------------ discriminator
VGG16_CFG = (64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512,
             'M', 512, 512, 512, 'M')
SLICES = ((0, 5), (5, 10), (10, 17), (17, 24), (24, 31))  # pool1..pool5


class RefVgg16Backbone(nn.Module):
    """Official ``Vgg16backbone``: torchvision-indexed VGG16 ``features``
    cut after each max pool; returns every slice's output."""

    def __init__(self, block_num):
        super().__init__()
        layers, cin = [], 3
        for v in VGG16_CFG:
            if v == 'M':
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU()]
                cin = v
        self.block_num = block_num
        for b in range(block_num):
            s = nn.Sequential()
            for k in range(*SLICES[b]):
                s.add_module(str(k), layers[k])
            setattr(self, f'slice{b + 1}', s)
        self.requires_grad_(False)

    def forward(self, x):
        out = []
        for b in range(self.block_num):
            x = getattr(self, f'slice{b + 1}')(x)
            out.append(x)
        return out


def _cna(cin, cout, k, s, p):
    return [nn.Conv2d(cin, cout, k, s, p), nn.InstanceNorm2d(cout),
            nn.LeakyReLU(0.2)]


class RefInceptionBlock(nn.Module):

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.pool_branch = nn.Sequential(nn.AvgPool2d(stride),
                                         *_cna(cin, cout, 1, 1, 0))
        self.conv3_branch = nn.Sequential(*_cna(cin, cout, 1, 1, 0),
                                          *_cna(cout, cout, 3, stride, 1))
        self.conv5_branch = nn.Sequential(*_cna(cin, cout, 1, 1, 0),
                                          *_cna(cout, cout, 3, 1, 1),
                                          *_cna(cout, cout, 3, stride, 1))

    def forward(self, x):
        return self.pool_branch(x) + self.conv3_branch(x) + \
            self.conv5_branch(x)


class RefHPD(nn.Module):
    """Official V1 ``HierarchicalPerceptualDiscriminator`` (sigmoid heads).
    ``forward`` also returns the intermediate maps (stem convs, fused level
    features, inception outputs) in computation order."""

    def __init__(self, input_nc, n_add, ndf, feat):
        super().__init__()
        self.n_layers, self.n_add = 3, n_add
        self.backboneNet = RefVgg16Backbone(min(5, 2 + n_add))
        self.common = nn.Sequential(*_cna(input_nc, ndf, 3, 2, 1),
                                    *_cna(ndf, ndf * 2, 3, 2, 1),
                                    *_cna(ndf * 2, ndf * 4, 3, 2, 1))
        vgg_ch = (256, 512, 512)  # pool3, pool4, pool5
        for i in range(n_add):
            setattr(self, f'pre{i + 1}', nn.Sequential(
                nn.InstanceNorm2d(vgg_ch[i]), nn.LeakyReLU(0.2)))
            main = ndf * 4 if i == 0 else feat
            setattr(self, f'gcb{i + 1}',
                    nn.Sequential(*_cna(main + vgg_ch[i], feat, 3, 1, 1)))
        for i in range(n_add):
            if i != n_add - 1:
                setattr(self, f'conv{i + 1}_line',
                        nn.Sequential(RefInceptionBlock(feat, feat, 2)))
            setattr(self, f'conv{i + 1}_out', nn.Sequential(
                nn.InstanceNorm2d(feat), nn.LeakyReLU(0.2),
                nn.Conv2d(feat, 1, 5, 1, 2), nn.Sigmoid()))

    def forward(self, x):
        feats = []
        h = x
        for k in range(3):  # the three conv/IN/LReLU groups of ``common``
            h = self.common[3 * k:3 * k + 3](h)
            feats.append(h)
        vgg = self.backboneNet(x)
        outs = []
        for i in range(self.n_add):
            v = getattr(self, f'pre{i + 1}')(vgg[self.n_layers - 1 + i])
            fea = getattr(self, f'gcb{i + 1}')(torch.cat((h, v), 1))
            feats.append(fea)
            outs.append(getattr(self, f'conv{i + 1}_out')(fea))
            if i < self.n_add - 1:
                h = getattr(self, f'conv{i + 1}_line')(fea)
                feats.append(h)
        return outs, feats


# ----------------------------------------------------------------- helpers
def _copy(src: nn.Module, dst: nn.Module) -> int:
    """Copy src's parameters into dst in registration order (shapes must
    agree one by one); returns the number of values copied."""
    ps, pd = list(src.parameters()), list(dst.parameters())
    assert len(ps) == len(pd), (type(src), type(dst))
    n = 0
    with torch.no_grad():
        for a, b in zip(ps, pd):
            assert a.shape == b.shape, (a.shape, b.shape)
            b.copy_(a)
            n += a.numel()
    return n


def _count(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def _pairs_generator(ours, ref):
    pairs = [(ours.noise_process, ref.noise_process)]
    for i in range(7):
        o, r = ours.blocks[i], getattr(ref, f'SPADEResBlock_{i + 1}')
        pairs += [(o.norm_0, r.SPADE_1), (o.conv_0, r.SPADE_1_[1]),
                  (o.norm_1, r.SPADE_2), (o.conv_1, r.SPADE_2_[1])]
        if o.learned_shortcut:
            pairs += [(o.norm_s, r.SPADE_res), (o.conv_s, r.SPADE_res_[1])]
    for i in (4, 5, 6):  # our block index i = official block i + 1
        pairs += [(ours.fusions[str(i)],
                   getattr(ref, f'SPADEResBlock_{i + 1}_fusion')),
                  (ours.heads[str(i)], getattr(ref, f'out_{i + 1}'))]
    return pairs


def _pairs_discriminator(ours, ref):
    vgg_o = [m for m in ours.vgg.modules() if isinstance(m, nn.Conv2d)]
    vgg_r = [m for m in ref.backboneNet.modules() if isinstance(m, nn.Conv2d)]
    pairs = list(zip(vgg_o, vgg_r[:len(vgg_o)]))
    assert len(vgg_o) == len(vgg_r)  # same depth: up to the last pool used
    pairs += [(ours.common[0][0], ref.common[0]),
              (ours.common[1][0], ref.common[3]),
              (ours.common[2][0], ref.common[6])]
    for i in range(ours.num_levels):
        pairs += [(ours.pre[i], getattr(ref, f'pre{i + 1}')),
                  (ours.gcb[i], getattr(ref, f'gcb{i + 1}')),
                  (ours.out[i], getattr(ref, f'conv{i + 1}_out'))]
        if i < ours.num_levels - 1:
            pairs.append((ours.line[i], getattr(ref, f'conv{i + 1}_line')))
    return pairs


def _build_pair_g():
    torch.manual_seed(0)
    ours = Lab2PixV1Generator(
        semantic_nc=LABEL_NC, noise_dim=NOISE, init_size=INIT_HW,
        channels=WIDTHS, norm_cfg=dict(hidden_channels=HIDDEN))
    ref = RefLabelAdaptiveGenerator(LABEL_NC, WIDTHS, INIT_HW, NOISE, HIDDEN)
    copied = sum(_copy(o, r) for o, r in _pairs_generator(ours, ref))
    # every parameter on both sides takes part
    assert copied == _count(ours) == _count(ref)
    return ours, ref


def _labels():
    g = torch.Generator().manual_seed(1)
    h, w = INIT_HW[0] * 2**7, INIT_HW[1] * 2**7
    # blocky layouts so that pooled labels are not all one class
    ids = torch.randint(0, LABEL_NC, (2, h // 8, w // 8), generator=g)
    return ids.repeat_interleave(8, 1).repeat_interleave(8, 2)


# ------------------------------------------------------------------- tests
@pytest.mark.parametrize('label_kind', ['ids', 'one_hot'])
def test_v1_generator_outputs_and_gradients_equal_official(label_kind):
    ours, ref = _build_pair_g()
    ids = _labels()
    seg = ids if label_kind == 'ids' else F.one_hot(
        ids, LABEL_NC).permute(0, 3, 1, 2).float()
    noise = torch.randn(2, NOISE, generator=torch.Generator().manual_seed(2))
    out_o = ours(seg, noise)
    out_r = ref(seg, noise)
    assert [tuple(o.shape) for o in out_o] == [(2, 3, 128, 256),
                                               (2, 3, 64, 128),
                                               (2, 3, 32, 64)]
    for a, b in zip(out_o, out_r):  # finest first on both sides
        assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()
    # the outputs are not trivially equal (e.g. saturated or constant)
    assert out_o[0].std() > 1e-3
    # one backward of a scalar loss: identical gradients everywhere
    wts = [torch.randn_like(o, generator=torch.Generator().manual_seed(3))
           for o in out_o]
    sum((o * w).sum() for o, w in zip(out_o, wts)).backward()
    sum((o * w).sum() for o, w in zip(out_r, wts)).backward()
    for o_mod, r_mod in _pairs_generator(ours, ref):
        for a, b in zip(o_mod.parameters(), r_mod.parameters()):
            scale = b.grad.abs().max().clamp_min(1e-6)
            assert ((a.grad - b.grad).abs().max() / scale) < 1e-3


def test_v1_generator_block_wiring_differs_from_spade():
    """Guard that the comparison can fail: dropping the official block's
    missing identity path (adding x) changes the output."""
    ours, ref = _build_pair_g()
    ids = _labels()
    noise = torch.randn(2, NOISE)
    blk = ref.SPADEResBlock_6  # 8 -> 8: official has no identity path
    assert not blk.res
    base = ref(ids, noise)[0]
    orig = blk.forward
    blk.forward = lambda x, seg: orig(x, seg) + x
    assert (ref(ids, noise)[0] - base).abs().max() > 1e-4
    blk.forward = orig
    assert torch.allclose(ours(ids, noise)[0], base, atol=1e-5)


def test_v1_discriminators_outputs_features_and_gradients_equal_official():
    torch.manual_seed(0)
    ndf, feat = 4, 16
    ours = HierarchicalPerceptualDiscriminators(
        3, ndf, discriminator=dict(
             type='HierarchicalPerceptualDiscriminator', feat_channels=feat,
             norm='IN',
             spectral_norm=False, first_norm=True, pre_conv=False,
             out_conv=False, vgg_pretrained=None, vgg_input_range='[-1,1]',
             init_type='normal'),
        num_levels=(3, 2, 1))
    refs = [RefHPD(3, n, ndf, feat) for n in (3, 2, 1)]
    for o, r in zip(ours.discriminators, refs):
        copied = sum(_copy(a, b) for a, b in _pairs_discriminator(o, r))
        assert copied == _count(o) == _count(r)
    g = torch.Generator().manual_seed(4)
    # the generator's three outputs (finest first) at a small size
    imgs = [torch.rand(2, 3, 64 // 2**k, 128 // 2**k, generator=g) * 2 - 1
            for k in range(3)]
    imgs = [x.requires_grad_() for x in imgs]
    imgs_r = [x.detach().clone().requires_grad_() for x in imgs]
    feats_o = ours(imgs)
    loss_o, loss_r = 0, 0
    for k, (fo, r) in enumerate(zip(feats_o, refs)):
        outs_r, feats_r = r(imgs_r[k])
        preds_o = fo[-1]
        assert len(preds_o) == len(outs_r) == r.n_add
        for a, b in zip(fo[:-1], feats_r):  # every intermediate map
            assert a.shape == b.shape
            assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()
        for lvl, (a, b) in enumerate(zip(preds_o, outs_r)):
            # ours are logits (BCE-with-logits), the official sigmoid maps
            assert torch.allclose(torch.sigmoid(a), b, atol=1e-6)
            loss_o = loss_o + torch.sigmoid(a).mean() / 2**lvl
            loss_r = loss_r + b.mean() / 2**lvl
    assert torch.allclose(loss_o, loss_r, atol=1e-6)
    loss_o.backward()
    loss_r.backward()
    for a, b in zip(imgs, imgs_r):
        scale = b.grad.abs().max()
        assert scale > 0
        assert (a.grad - b.grad).abs().max() / scale < 1e-3
    for o, r in zip(ours.discriminators, refs):
        for a_mod, b_mod in _pairs_discriminator(o, r):
            for a, b in zip(a_mod.parameters(), b_mod.parameters()):
                if not b.requires_grad:  # frozen VGG
                    assert a.grad is None and not a.requires_grad
                    continue
                scale = b.grad.abs().max().clamp_min(1e-8)
                assert (a.grad - b.grad).abs().max() / scale < 1e-3
