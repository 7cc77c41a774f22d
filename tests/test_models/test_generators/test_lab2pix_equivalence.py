"""With identical weights, our Lab2Pix-V2 generator and discriminators
reproduce the official architectures' outputs.

The reference modules below re-state the official forward order from its
documented structure (RoseRollZhu/Lab2Pix-V2: LabelComprehensiveGenerator
with DGNormResnetBlocks and GlobalEncoder; MultiscaleDiscriminator of
HiePerDiscriminators with InceptionBlocks) in the official module layout
and names; our weights are copied in, then outputs are compared.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import mmsemsyn  # noqa: F401
from mmsemsyn.models.discriminators.hierarchical_perceptual import (
    HierarchicalPerceptualDiscriminators,
)
from mmsemsyn.models.generators.lab2pix_v2 import Lab2PixV2Generator

SN = nn.utils.spectral_norm


# ---------------------------------------------------------------- generator
class RefDGNorm(nn.Module):
    def __init__(self, c, label_nc, hidden):
        super().__init__()
        self.param_free_norm = nn.BatchNorm2d(c, affine=False)
        self.mlp_shared = nn.Sequential(
            nn.Conv2d(label_nc, hidden, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, c, 3, padding=1)
        self.mlp_beta = nn.Conv2d(hidden, c, 3, padding=1)

    def forward(self, x, seg, g=None):
        seg = F.interpolate(seg, size=x.shape[2:], mode='nearest')
        a = self.mlp_shared(seg)
        if g is not None:
            a = a + g
        return self.param_free_norm(x) * (1 + self.mlp_gamma(a)) + \
            self.mlp_beta(a)


class RefBlock(nn.Module):
    def __init__(self, fin, fout, label_nc, hidden):
        super().__init__()
        self.learned = fin != fout
        fmid = min(fin, fout)
        self.conv_0 = SN(nn.Conv2d(fin, fmid, 3, padding=1))
        self.conv_1 = SN(nn.Conv2d(fmid, fout, 3, padding=1))
        if self.learned:
            self.conv_s = SN(nn.Conv2d(fin, fout, 1, bias=False))
        self.norm_0 = RefDGNorm(fin, label_nc, hidden)
        self.norm_1 = RefDGNorm(fmid, label_nc, hidden)
        if self.learned:
            self.norm_s = RefDGNorm(fin, label_nc, hidden)

    def forward(self, x, seg, g):
        xs = self.conv_s(self.norm_s(x, seg)) if self.learned else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg, g), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg, g), 0.2))
        return xs + dx


class RefGlobalEncoder(nn.Module):
    def __init__(self, fin, fout, nf, n):
        super().__init__()
        # official: the ModuleList model_up is registered first; model_down
        # is a plain list until it becomes a Sequential after the loop
        self.model_up = nn.ModuleList()
        down, cin, cout = [], fin, nf
        for i in range(n):
            down += [SN(nn.Conv2d(cin, cout, 3, 1 if i == 0 else 2, 1)),
                     nn.LeakyReLU(0.2)]
            cin, cout = cout, min(cout * 2, 512)
        self.model_down = nn.Sequential(*down)
        for i in range(n):
            self.model_up.append(nn.Sequential(
                nn.Upsample(scale_factor=2**(n - i - 1)),
                nn.Conv2d(cin, fout, 3, 1, 1), nn.ReLU()))

    def forward(self, x):
        d = self.model_down(x)
        return [up(d) for up in self.model_up]


class RefGenerator(nn.Module):
    """'more' upsampling (Cityscapes default)."""

    def __init__(self, label_nc, nf, crop, aspect, hidden, enc_nf):
        super().__init__()
        self.sw = crop // 2**6
        self.sh = round(self.sw / aspect)
        self.fc = nn.Conv2d(label_nc, 16 * nf, 3, padding=1)
        self.fpencoder = RefGlobalEncoder(label_nc, hidden, enc_nf, 7)
        blk = lambda a, b: RefBlock(a, b, label_nc, hidden)  # noqa: E731
        self.head_0 = blk(16 * nf, 16 * nf)
        self.G_middle_0 = blk(16 * nf, 16 * nf)
        self.G_middle_1 = blk(16 * nf, 16 * nf)
        self.up_0 = blk(16 * nf, 8 * nf)
        self.up_1 = blk(8 * nf, 4 * nf)
        self.up_2 = blk(4 * nf, 2 * nf)
        self.up_3 = blk(2 * nf, nf)
        self.conv_img = nn.Conv2d(nf, 3, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, seg):
        x = self.fc(F.interpolate(seg, size=(self.sh, self.sw)))
        enc = self.fpencoder(seg)
        s = -1
        x = self.head_0(x, seg, enc[s])
        x = self.up(x)
        s -= 1
        x = self.G_middle_0(x, seg, enc[s])
        x = self.up(x)  # 'more'
        s -= 1
        x = self.G_middle_1(x, seg, enc[s])
        for name in ('up_0', 'up_1', 'up_2', 'up_3'):
            x = self.up(x)
            s -= 1
            x = getattr(self, name)(x, seg, enc[s])
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))


def test_v2_generator_matches_official_forward():
    torch.manual_seed(0)
    nc, nf, crop, hidden, enc_nf = 5, 4, 256, 8, 8
    ours = Lab2PixV2Generator(nc, ngf=nf, crop_size=crop, aspect_ratio=2.0,
                              num_upsampling_layers='more',
                              global_channels=hidden,
                              encoder_channels=enc_nf)
    ref = RefGenerator(nc, nf, crop, 2.0, hidden, enc_nf)
    state = {k.replace('global_encoder.', 'fpencoder.'): v
             for k, v in ours.state_dict().items()}
    ref.load_state_dict(state, strict=True)
    # train mode: BatchNorm on batch statistics (eval-mode BN with fresh
    # running stats does not normalise, and random blocks overflow); the
    # spectral-norm power iteration runs identically in both.
    ours.train()
    ref.train()
    seg = F.one_hot(torch.randint(0, nc, (2, 128, 256)),
                    nc).permute(0, 3, 1, 2).float()
    with torch.no_grad():
        out, want = ours(seg), ref(seg)
    assert out.shape == (2, 3, 128, 256)
    assert (out - want).abs().max() < 1e-5


# ------------------------------------------------------------ discriminator
def norm_layer(conv):
    """Official 'spectralinstance': SN conv without bias + IN."""
    conv = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                     conv.stride, conv.padding, bias=False)
    return nn.Sequential(SN(conv), nn.InstanceNorm2d(conv.out_channels))


class RefInception(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        act = nn.LeakyReLU(0.2)
        self.pool_branch = nn.Sequential(
            nn.AvgPool2d(stride), norm_layer(nn.Conv2d(cin, cout, 1)), act)
        self.conv3_branch = nn.Sequential(
            norm_layer(nn.Conv2d(cin, cout, 1)), act,
            norm_layer(nn.Conv2d(cout, cout, 3, stride, 1)), act)
        self.conv5_branch = nn.Sequential(
            norm_layer(nn.Conv2d(cin, cout, 1)), act,
            norm_layer(nn.Conv2d(cout, cout, 3, 1, 1)), act,
            norm_layer(nn.Conv2d(cout, cout, 3, stride, 1)), act)

    def forward(self, x):
        return self.pool_branch(x) + self.conv3_branch(x) + \
            self.conv5_branch(x)


class RefHiePer(nn.Module):
    VGG_SLICES = ((0, 5), (5, 10), (10, 17), (17, 24), (24, 31))

    def __init__(self, in_nc, ndf, feat, n_add, vgg_features):
        super().__init__()
        self.n_add = n_add
        self.block_num = min(5, 2 + n_add)
        for i in range(self.block_num):
            a, b = self.VGG_SLICES[i]
            s = nn.Sequential()
            for k in range(a, b):
                s.add_module(str(k), vgg_features[k])
            setattr(self, f'slice{i + 1}', s)
        act = nn.LeakyReLU(0.2)
        self.common = nn.ModuleList([
            nn.Sequential(nn.Conv2d(in_nc, ndf, 3, 2, 1), act),
            nn.Sequential(norm_layer(nn.Conv2d(ndf, ndf * 2, 3, 2, 1)), act),
            nn.Sequential(norm_layer(nn.Conv2d(ndf * 2, ndf * 4, 3, 2, 1)),
                          act)])
        vgg_ch = (256, 512, 512)
        for i in range(n_add):
            setattr(self, f'pre{i + 1}', nn.Sequential(
                norm_layer(nn.Conv2d(vgg_ch[i], vgg_ch[i], 3, 1, 1)), act))
            cin = (ndf * 4 if i == 0 else feat) + vgg_ch[i]
            setattr(self, f'gcb{i + 1}', nn.Sequential(
                norm_layer(nn.Conv2d(cin, feat, 3, 1, 1)), act))
        for i in range(n_add):
            if i != n_add - 1:
                setattr(self, f'conv{i + 1}_line',
                        nn.Sequential(RefInception(feat, feat, 2)))
            setattr(self, f'conv{i + 1}_out', nn.Sequential(
                norm_layer(nn.Conv2d(feat, feat, 3, 1, 1)), act,
                nn.Conv2d(feat, 1, 5, 1, 2), nn.Upsample(scale_factor=2**i)))

    def forward(self, x):
        img = x[:, -3:]
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        img = ((img + 1) * 0.5 - mean) / std
        results = [x]
        for layer in self.common:
            results.append(layer(results[-1]))
        backbone, h = [], img
        for i in range(self.block_num):
            h = getattr(self, f'slice{i + 1}')(h)
            backbone.append(h)
        outs = []
        for i in range(self.n_add):
            b = getattr(self, f'pre{i + 1}')(backbone[2 + i])
            fea = getattr(self, f'gcb{i + 1}')(torch.cat((results[-1], b), 1))
            results.append(fea)
            outs.append(getattr(self, f'conv{i + 1}_out')(fea))
            if i < self.n_add - 1:
                results.append(getattr(self, f'conv{i + 1}_line')(fea))
        results.append(torch.cat(outs, 1))
        return results[1:]


class RefMultiscale(nn.Module):
    def __init__(self, in_nc, ndf, feat):
        import torchvision
        super().__init__()
        for n in range(2):
            vgg = torchvision.models.vgg.make_layers(
                torchvision.models.vgg.cfgs["D"])
            self.add_module(f'discriminator_{n}',
                            RefHiePer(in_nc, ndf, feat, max(1, 3 - n), vgg))

    def forward(self, x):
        result = []
        for d in self.children():
            result.append(d(x))
            x = F.avg_pool2d(x, 3, 2, [1, 1], count_include_pad=False)
        return result


def copy_in_order(src: nn.Module, dst: nn.Module):
    """Copy src's state into dst entry by entry (same layer sequence)."""
    s, d = list(src.state_dict().items()), dst.state_dict()
    dk = list(d)
    assert len(s) == len(dk), (len(s), len(dk))
    for (sk, sv), k in zip(s, dk):
        assert sv.shape == d[k].shape, (sk, k)
        d[k] = sv.clone()
    dst.load_state_dict(d)


def test_v2_discriminators_match_official_forward():
    torch.manual_seed(0)
    nc, ndf, feat = 5, 4, 8
    ours = HierarchicalPerceptualDiscriminators(
        nc + 3, ndf, num_levels=(3, 2),
        discriminator=dict(type='HierarchicalPerceptualDiscriminator',
                           feat_channels=feat, vgg_pretrained=None))
    ref = RefMultiscale(nc + 3, ndf, feat)
    for mine, theirs in zip(ours.discriminators, ref.children()):
        n = mine.num_levels
        copy_in_order(mine.vgg.features, nn.Sequential(*[
            m for i in range(theirs.block_num)
            for m in getattr(theirs, f'slice{i + 1}')]))
        copy_in_order(mine.common, theirs.common)
        for i in range(n):
            copy_in_order(mine.pre[i], getattr(theirs, f'pre{i + 1}'))
            copy_in_order(mine.gcb[i], getattr(theirs, f'gcb{i + 1}'))
            copy_in_order(mine.out[i], getattr(theirs, f'conv{i + 1}_out'))
            if i < n - 1:
                copy_in_order(mine.line[i],
                              getattr(theirs, f'conv{i + 1}_line'))
    ours.eval()
    ref.eval()
    x = torch.cat([torch.rand(2, nc, 64, 64), torch.rand(2, 3, 64, 64) * 2
                   - 1], 1)
    with torch.no_grad():
        got, want = ours(x), ref(x)
    assert len(got) == len(want) == 2
    for g, w in zip(got, want):
        # every intermediate feature (used by feature matching)
        assert len(g) == len(w)
        for a, b in zip(g[:-1], w[:-1]):
            assert (a - b).abs().max() < 1e-5
        # level k of the official concatenated output is ours, upsampled
        for k, level in enumerate(g[-1]):
            up = F.interpolate(level, scale_factor=2**k)
            assert (up - w[-1][:, k:k + 1]).abs().max() < 1e-5
