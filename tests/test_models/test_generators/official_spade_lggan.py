"""An independent re-statement of the official SPADE and LGGAN networks,
written from their documented structure (module names, registration order
and forward order of NVlabs/SPADE and Ha0Tang/LGGAN
``semantic_image_synthesis``), not copied. Widths are parameters so tests
can run small; with the official widths the parameter counts are the
documented ones. Used only to check that mmsemsyn's networks reproduce the
official outputs when given the same weights.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SN = nn.utils.spectral_norm


class RefSPADE(nn.Module):

    def __init__(self, norm_nc, label_nc, nhidden=128, norm='BN'):
        super().__init__()
        self.param_free_norm = (nn.BatchNorm2d(norm_nc, affine=False)
                                if norm == 'BN' else
                                nn.InstanceNorm2d(norm_nc, affine=False))
        self.mlp_shared = nn.Sequential(
            nn.Conv2d(label_nc, nhidden, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(nhidden, norm_nc, 3, padding=1)
        self.mlp_beta = nn.Conv2d(nhidden, norm_nc, 3, padding=1)

    def forward(self, x, segmap):
        normalized = self.param_free_norm(x)
        segmap = F.interpolate(segmap, size=x.size()[2:], mode='nearest')
        actv = self.mlp_shared(segmap)
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


class RefSPADEResnetBlock(nn.Module):

    def __init__(self, fin, fout, label_nc, nhidden=128, norm='BN'):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.conv_0 = SN(nn.Conv2d(fin, fmiddle, 3, padding=1))
        self.conv_1 = SN(nn.Conv2d(fmiddle, fout, 3, padding=1))
        if self.learned_shortcut:
            self.conv_s = SN(nn.Conv2d(fin, fout, 1, bias=False))
        self.norm_0 = RefSPADE(fin, label_nc, nhidden, norm)
        self.norm_1 = RefSPADE(fmiddle, label_nc, nhidden, norm)
        if self.learned_shortcut:
            self.norm_s = RefSPADE(fin, label_nc, nhidden, norm)

    def forward(self, x, seg):
        x_s = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut \
            else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 2e-1))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 2e-1))
        return x_s + dx


class RefSPADEGenerator(nn.Module):
    """SPADEGenerator: fc, head_0, G_middle_0/1, up_0..up_3 (+up_4),
    conv_img; fixed latent size sw = crop // 2**n, sh = round(sw / ar)."""

    def __init__(self, semantic_nc, ngf=64, num_up='more', crop=512, ar=2.0,
                 use_vae=False, z_dim=256, nhidden=128, norm='BN'):
        super().__init__()
        self.num_up, self.ngf, self.z_dim = num_up, ngf, z_dim
        n = {'normal': 5, 'more': 6, 'most': 7}[num_up]
        self.sw = crop // 2**n
        self.sh = round(self.sw / ar)
        self.use_vae = use_vae
        nf = ngf
        if use_vae:
            self.fc = nn.Linear(z_dim, 16 * nf * self.sw * self.sh)
        else:
            self.fc = nn.Conv2d(semantic_nc, 16 * nf, 3, padding=1)

        def blk(a, b):
            return RefSPADEResnetBlock(a, b, semantic_nc, nhidden, norm)

        self.head_0 = blk(16 * nf, 16 * nf)
        self.G_middle_0 = blk(16 * nf, 16 * nf)
        self.G_middle_1 = blk(16 * nf, 16 * nf)
        self.up_0 = blk(16 * nf, 8 * nf)
        self.up_1 = blk(8 * nf, 4 * nf)
        self.up_2 = blk(4 * nf, 2 * nf)
        self.up_3 = blk(2 * nf, nf)
        final_nc = nf
        if num_up == 'most':
            self.up_4 = blk(nf, nf // 2)
            final_nc = nf // 2
        self.conv_img = nn.Conv2d(final_nc, 3, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)

    def head(self, seg, z=None):
        if self.use_vae:
            return self.fc(z).view(-1, 16 * self.ngf, self.sh, self.sw)
        return self.fc(F.interpolate(seg, size=(self.sh, self.sw)))

    def decode(self, x, seg):
        x = self.head_0(x, seg)
        x = self.up(x)
        x = self.G_middle_0(x, seg)
        if self.num_up in ('more', 'most'):
            x = self.up(x)
        x = self.G_middle_1(x, seg)
        x = self.up(x)
        x = self.up_0(x, seg)
        x = self.up(x)
        x = self.up_1(x, seg)
        x = self.up(x)
        x = self.up_2(x, seg)
        x = self.up(x)
        x = self.up_3(x, seg)
        if self.num_up == 'most':
            x = self.up(x)
            x = self.up_4(x, seg)
        x = self.conv_img(F.leaky_relu(x, 2e-1))
        return torch.tanh(x)

    def forward(self, seg, z=None):
        return self.decode(self.head(seg, z), seg)


class RefNLayerDiscriminator(nn.Module):
    """n_layers_D=4: model0 plain conv4 s2 + LReLU; model1-3 SN conv (no
    bias) + IN + LReLU (last stride 1); model4 plain conv4 s1 -> 1; pad 2."""

    def __init__(self, input_nc, ndf=64, n_layers_D=4):
        super().__init__()
        kw, padw = 4, 2
        nf = ndf
        seq = [[nn.Conv2d(input_nc, nf, kw, 2, padw), nn.LeakyReLU(0.2)]]
        for n in range(1, n_layers_D):
            nf_prev, nf = nf, min(nf * 2, 512)
            stride = 1 if n == n_layers_D - 1 else 2
            seq += [[SN(nn.Conv2d(nf_prev, nf, kw, stride, padw, bias=False)),
                     nn.InstanceNorm2d(nf, affine=False), nn.LeakyReLU(0.2)]]
        seq += [[nn.Conv2d(nf, 1, kw, 1, padw)]]
        for i, s in enumerate(seq):
            self.add_module('model' + str(i), nn.Sequential(*s))

    def forward(self, x):
        results = [x]
        for sub in self.children():
            results.append(sub(results[-1]))
        return results[1:]


class RefMultiscaleDiscriminator(nn.Module):

    def __init__(self, input_nc, ndf=64, num_D=2):
        super().__init__()
        for i in range(num_D):
            self.add_module('discriminator_%d' % i,
                            RefNLayerDiscriminator(input_nc, ndf))

    def forward(self, x):
        out = []
        for d in self.children():
            out.append(d(x))
            x = F.avg_pool2d(x, 3, 2, [1, 1], count_include_pad=False)
        return out


class RefConvEncoder(nn.Module):

    def __init__(self, ndf=64, crop=256, size=256):
        super().__init__()
        self.crop, self.size = crop, size

        def layer(a, b):
            return nn.Sequential(SN(nn.Conv2d(a, b, 3, 2, 1, bias=False)),
                                 nn.InstanceNorm2d(b, affine=False))

        self.layer1 = layer(3, ndf)
        self.layer2 = layer(ndf, ndf * 2)
        self.layer3 = layer(ndf * 2, ndf * 4)
        self.layer4 = layer(ndf * 4, ndf * 8)
        self.layer5 = layer(ndf * 8, ndf * 8)
        n = 5
        if crop >= 256:
            self.layer6 = layer(ndf * 8, ndf * 8)
            n = 6
        s0 = size // 2**n
        self.fc_mu = nn.Linear(ndf * 8 * s0 * s0, 256)
        self.fc_var = nn.Linear(ndf * 8 * s0 * s0, 256)

    def forward(self, x):
        if x.size(2) != self.size or x.size(3) != self.size:
            x = F.interpolate(x, size=(self.size, self.size),
                              mode='bilinear')
        x = self.layer1(x)
        x = self.layer2(F.leaky_relu(x, 0.2))
        x = self.layer3(F.leaky_relu(x, 0.2))
        x = self.layer4(F.leaky_relu(x, 0.2))
        x = self.layer5(F.leaky_relu(x, 0.2))
        if self.crop >= 256:
            x = self.layer6(F.leaky_relu(x, 0.2))
        x = F.leaky_relu(x, 0.2).view(x.size(0), -1)
        return self.fc_mu(x), self.fc_var(x)


class RefResnetBlock(nn.Module):
    """LGGAN ``resnet_block``: conv1, conv1_norm, conv2, conv2_norm."""

    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, 1, 0)
        self.conv1_norm = nn.InstanceNorm2d(ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, 1, 0)
        self.conv2_norm = nn.InstanceNorm2d(ch)

    def forward(self, inp):
        x = F.pad(inp, (1, 1, 1, 1), 'reflect')
        x = F.relu(self.conv1_norm(self.conv1(x)))
        x = F.pad(x, (1, 1, 1, 1), 'reflect')
        return inp + self.conv2_norm(self.conv2(x))


class RefLGGANGenerator(RefSPADEGenerator):
    """LGGANGenerator: the SPADE decoder (its fc built, unused), conv1-5
    encoder, resnet_blocks1-9, deconv3/4_local, deconv9 (fusion), deconv5_k
    (class convs, a Python loop), fc2 (classifier), attention branch.
    ``label_nc`` channels get class generators (Cityscapes)."""

    def __init__(self, semantic_nc, label_nc, ngf=64, num_up='more',
                 crop=512, ar=2.0, nhidden=128, norm='BN', n_blocks=9):
        super().__init__(semantic_nc, ngf, num_up, crop, ar, False, 256,
                         nhidden, norm)
        self.label_nc = label_nc
        nf = ngf
        self.conv1 = nn.Conv2d(semantic_nc, nf, 7, 1, 0)
        self.conv1_norm = nn.InstanceNorm2d(nf)
        self.conv2 = nn.Conv2d(nf, 2 * nf, 3, 2, 1)
        self.conv2_norm = nn.InstanceNorm2d(2 * nf)
        self.conv3 = nn.Conv2d(2 * nf, 4 * nf, 3, 2, 1)
        self.conv3_norm = nn.InstanceNorm2d(4 * nf)
        self.conv4 = nn.Conv2d(4 * nf, 8 * nf, 3, 2, 1)
        self.conv4_norm = nn.InstanceNorm2d(8 * nf)
        self.conv5 = nn.Conv2d(8 * nf, 16 * nf, 3, 2, 1)
        self.conv5_norm = nn.InstanceNorm2d(16 * nf)
        for i in range(n_blocks):
            setattr(self, 'resnet_blocks%d' % (i + 1), RefResnetBlock(4 * nf))
        self.n_blocks = n_blocks
        self.deconv3_local = nn.ConvTranspose2d(4 * nf, 2 * nf, 3, 2, 1, 1)
        self.deconv3_norm_local = nn.InstanceNorm2d(2 * nf)
        self.deconv4_local = nn.ConvTranspose2d(2 * nf, nf, 3, 2, 1, 1)
        self.deconv4_norm_local = nn.InstanceNorm2d(nf)
        self.deconv9 = nn.Conv2d(3 * label_nc, 3, 3, 1, 1)
        for i in range(label_nc):
            setattr(self, 'deconv5_%d' % i, nn.Conv2d(nf, 3, 7, 1, 0))
        self.fc2 = nn.Linear(nf, label_nc)
        self.deconv3_attention = nn.ConvTranspose2d(4 * nf, 2 * nf, 3, 2, 1,
                                                    1)
        self.deconv3_norm_attention = nn.InstanceNorm2d(2 * nf)
        self.deconv4_attention = nn.ConvTranspose2d(2 * nf, nf, 3, 2, 1, 1)
        self.deconv4_norm_attention = nn.InstanceNorm2d(nf)
        self.deconv5_attention = nn.Conv2d(nf, 2, 1, 1, 0)

    def forward(self, seg, z=None):
        x = F.pad(seg, (3, 3, 3, 3), 'reflect')
        x = F.relu(self.conv1_norm(self.conv1(x)))
        x = F.relu(self.conv2_norm(self.conv2(x)))
        x_encode = F.relu(self.conv3_norm(self.conv3(x)))
        x = F.relu(self.conv4_norm(self.conv4(x_encode)))
        x = F.relu(self.conv5_norm(self.conv5(x)))
        x = F.interpolate(x, size=(self.sh, self.sw))
        result_global = self.decode(x, seg)

        x = x_encode
        for i in range(self.n_blocks):
            x = getattr(self, 'resnet_blocks%d' % (i + 1))(x)
        x = F.relu(self.deconv3_norm_local(self.deconv3_local(x)))
        feat = F.relu(self.deconv4_norm_local(self.deconv4_local(x)))
        features, results, valid = [], [], []
        for i in range(self.label_nc):
            mask = seg[:, i:i + 1]
            features.append(feat * mask.repeat(1, feat.shape[1], 1, 1))
            valid.append(float(mask.sum() != 0))
        pooled = F.adaptive_avg_pool2d(torch.cat(features, 0), (1, 1))
        score = self.fc2(torch.flatten(pooled, 1))
        for i in range(self.label_nc):
            padded = F.pad(features[i], (3, 3, 3, 3), 'reflect')
            results.append(
                torch.tanh(getattr(self, 'deconv5_%d' % i)(padded)))
        result_local = torch.tanh(self.deconv9(torch.cat(results, 1)))
        a = F.relu(self.deconv3_norm_attention(
            self.deconv3_attention(x_encode)))
        a = F.relu(self.deconv4_norm_attention(self.deconv4_attention(a)))
        a = torch.softmax(self.deconv5_attention(a), dim=1)
        final = a[:, 0:1].repeat(1, 3, 1, 1) * result_local + \
            a[:, 1:2].repeat(1, 3, 1, 1) * result_global
        return dict(final=final, result_global=result_global,
                    result_local=result_local, results=results,
                    feature_score=score, valid=torch.tensor(valid),
                    attention=a)


def copy_by_order(src: nn.Module, dst: nn.Module, skip_dst_prefix=()):
    """Copy src's state dict into dst entry by entry, in order; asserts the
    shapes line up (dst entries starting with a skipped prefix are left)."""
    dst_items = [(k, v) for k, v in dst.state_dict().items()
                 if not k.startswith(tuple(skip_dst_prefix))]
    src_items = list(src.state_dict().items())
    assert len(src_items) == len(dst_items), (len(src_items),
                                              len(dst_items))
    new_state = dst.state_dict()
    for (sk, sv), (dk, dv) in zip(src_items, dst_items):
        assert sv.shape == dv.shape, (sk, dk, sv.shape, dv.shape)
        new_state[dk] = sv.clone()
    dst.load_state_dict(new_state)
    return [(sk, dk) for (sk, _), (dk, _) in zip(src_items, dst_items)]
