"""Independent re-statements of the three released segmenters' forward passes.

Written from the public repositories' descriptions (fyu/drn ``segment.py`` /
``drn.py``; CSAILVision ``models.py`` / ``resnet.py`` / ``eval.py``;
kazuto1011 ``deeplabv2.py`` / ``msc.py``) in plain torch, with the
releases' own module names, so an official-format state dict loads into them
unchanged. The tests load the *same* random weights into these and, through
the converter, into our mmseg models, and compare outputs.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin, cout, k, stride=1, pad=0, dil=1):
    return [nn.Conv2d(cin, cout, k, stride, pad, dilation=dil, bias=False),
            nn.BatchNorm2d(cout)]


class TorchvisionStyleBottleneck(nn.Module):
    """conv1 1x1 / conv2 3x3 (stride, dilation) / conv3 1x1, +shortcut."""

    def __init__(self, cin, planes, stride=1, dil=1, downsample=False):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, dil, dilation=dil,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = nn.Sequential(
            *conv_bn(cin, planes * 4, 1, stride)) if downsample else None

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return F.relu(h + (self.downsample(x) if self.downsample else x))


def bottleneck_stack(cin, planes, blocks, stride=1, dil=1):
    layers = [TorchvisionStyleBottleneck(
        cin, planes, stride, dil,
        downsample=stride != 1 or cin != planes * 4)]
    layers += [TorchvisionStyleBottleneck(planes * 4, planes, 1, dil)
               for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


class RefDRNSeg(nn.Module):
    """fyu/drn DRNSeg('drn_d_105', classes): returns log-softmax (B,C,H,W)."""

    def __init__(self, classes=19):
        super().__init__()
        levels = [
            nn.Sequential(*conv_bn(3, 16, 7, 1, 3), nn.ReLU()),
            nn.Sequential(*conv_bn(16, 16, 3, 1, 1), nn.ReLU()),
            nn.Sequential(*conv_bn(16, 32, 3, 2, 1), nn.ReLU()),
            bottleneck_stack(32, 64, 3, stride=2),
            bottleneck_stack(256, 128, 4, stride=2),
            bottleneck_stack(512, 256, 23, dil=2),
            bottleneck_stack(1024, 512, 3, dil=4),
            nn.Sequential(*conv_bn(2048, 512, 3, 1, 2, 2), nn.ReLU()),
            nn.Sequential(*conv_bn(512, 512, 3, 1, 1), nn.ReLU()),
        ]
        self.base = nn.Sequential(*levels)
        self.seg = nn.Conv2d(512, classes, 1)
        self.up = nn.ConvTranspose2d(classes, classes, 16, 8, 4,
                                     groups=classes, bias=False)
        w = torch.zeros(16, 16)
        f = math.ceil(16 / 2)
        c = (2 * f - 1 - f % 2) / (2. * f)
        for i in range(16):
            for j in range(16):
                w[i, j] = (1 - abs(i / f - c)) * (1 - abs(j / f - c))
        with torch.no_grad():
            self.up.weight.copy_(w.expand_as(self.up.weight))

    def forward(self, x):
        return F.log_softmax(self.up(self.seg(self.base(x))), dim=1)


class RefCSAILEncoder(nn.Module):
    """CSAIL ``Resnet(resnet101)``: deep stem, 4 stages; returns all 4."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.conv2 = nn.Conv2d(64, 64, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.conv3 = nn.Conv2d(64, 128, 3, 1, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(128)
        self.layer1 = bottleneck_stack(128, 64, 3)
        self.layer2 = bottleneck_stack(256, 128, 4, stride=2)
        self.layer3 = bottleneck_stack(512, 256, 23, stride=2)
        self.layer4 = bottleneck_stack(1024, 512, 3, stride=2)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = F.max_pool2d(x, 3, 2, 1)
        outs = []
        for layer in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = layer(x)
            outs.append(x)
        return outs


def cbr(cin, cout, k):
    return nn.Sequential(*conv_bn(cin, cout, k, 1, k // 2), nn.ReLU())


class RefCSAILUPerNet(nn.Module):
    """CSAIL ``UPerNet(fc_dim=2048, fpn_dim=512)`` with use_softmax."""

    def __init__(self, num_class=150, scales=(1, 2, 3, 6)):
        super().__init__()
        self.scales = scales
        self.ppm_conv = nn.ModuleList(cbr(2048, 512, 1) for _ in scales)
        self.ppm_last_conv = cbr(2048 + 4 * 512, 512, 3)
        self.fpn_in = nn.ModuleList(cbr(c, 512, 1) for c in (256, 512, 1024))
        self.fpn_out = nn.ModuleList(
            nn.Sequential(cbr(512, 512, 3)) for _ in range(3))
        self.conv_last = nn.Sequential(cbr(4 * 512, 512, 3),
                                       nn.Conv2d(512, num_class, 1))

    def forward(self, feats, seg_size):
        top = feats[-1]
        ppm = [top] + [
            conv(F.interpolate(F.adaptive_avg_pool2d(top, s), top.shape[2:],
                               mode='bilinear', align_corners=False))
            for s, conv in zip(self.scales, self.ppm_conv)]
        f = self.ppm_last_conv(torch.cat(ppm, 1))
        pyramid = [f]
        for i in (2, 1, 0):
            lateral = self.fpn_in[i](feats[i])
            f = lateral + F.interpolate(f, lateral.shape[2:], mode='bilinear',
                                        align_corners=False)
            pyramid.append(self.fpn_out[i](f))
        pyramid = pyramid[::-1]
        size = pyramid[0].shape[2:]
        fused = torch.cat([pyramid[0]] + [
            F.interpolate(p, size, mode='bilinear', align_corners=False)
            for p in pyramid[1:]], 1)
        x = F.interpolate(self.conv_last(fused), seg_size, mode='bilinear',
                          align_corners=False)
        return F.softmax(x, dim=1)


class RefCSAILSegmentation(nn.Module):
    """encoder + decoder, eval.py's multi-scale average of softmax maps."""

    def __init__(self):
        super().__init__()
        self.encoder = RefCSAILEncoder()
        self.decoder = RefCSAILUPerNet()

    def forward(self, img, img_sizes, max_size=1000, pad=32):
        h, w = img.shape[2:]
        scores = 0
        for short in img_sizes:
            scale = min(short / min(h, w), max_size / max(h, w))
            th, tw = int(h * scale), int(w * scale)
            th = ((th - 1) // pad + 1) * pad
            tw = ((tw - 1) // pad + 1) * pad
            x = F.interpolate(img, (th, tw), mode='bilinear',
                              align_corners=False)
            scores = scores + self.decoder(self.encoder(x), (h, w)) / len(
                img_sizes)
        return scores


class _ConvBnReLU(nn.Sequential):

    def __init__(self, cin, cout, k, stride, pad, dil, relu=True):
        super().__init__()
        self.add_module('conv', nn.Conv2d(cin, cout, k, stride, pad,
                                          dilation=dil, bias=False))
        self.add_module('bn', nn.BatchNorm2d(cout))
        if relu:
            self.add_module('relu', nn.ReLU())


class _CaffeBottleneck(nn.Module):

    def __init__(self, cin, mid, cout, stride, dil, downsample):
        super().__init__()
        self.reduce = _ConvBnReLU(cin, mid, 1, stride, 0, 1)
        self.conv3x3 = _ConvBnReLU(mid, mid, 3, 1, dil, dil)
        self.increase = _ConvBnReLU(mid, cout, 1, 1, 0, 1, relu=False)
        self.shortcut = _ConvBnReLU(cin, cout, 1, stride, 0, 1,
                                    relu=False) if downsample else None

    def forward(self, x):
        h = self.increase(self.conv3x3(self.reduce(x)))
        return F.relu(h + (self.shortcut(x) if self.shortcut else x))


class _ResLayer(nn.Sequential):

    def __init__(self, n, cin, cout, stride, dil):
        super().__init__()
        for i in range(n):
            self.add_module(f'block{i + 1}', _CaffeBottleneck(
                cin if i == 0 else cout, cout // 4, cout,
                stride if i == 0 else 1, dil, i == 0))


class _ASPP(nn.Module):

    def __init__(self, cin, cout, rates):
        super().__init__()
        for i, r in enumerate(rates):
            self.add_module(f'c{i}', nn.Conv2d(cin, cout, 3, 1, r, r,
                                               bias=True))

    def forward(self, x):
        return sum(m(x) for m in self.children())


class RefDeepLabV2(nn.Sequential):

    def __init__(self, n_classes=182, rates=(6, 12, 18, 24)):
        super().__init__()
        self.add_module('layer1', nn.Sequential())
        self.layer1.add_module('conv1', _ConvBnReLU(3, 64, 7, 2, 3, 1))
        self.layer1.add_module('pool', nn.MaxPool2d(3, 2, 1, ceil_mode=True))
        self.add_module('layer2', _ResLayer(3, 64, 256, 1, 1))
        self.add_module('layer3', _ResLayer(4, 256, 512, 2, 1))
        self.add_module('layer4', _ResLayer(23, 512, 1024, 1, 2))
        self.add_module('layer5', _ResLayer(3, 1024, 2048, 1, 4))
        self.add_module('aspp', _ASPP(2048, n_classes, rates))


class RefMSC(nn.Module):
    """kazuto1011 MSC (eval): max over scales 1, 0.5, 0.75 of the logits,
    then (main.py) resized to the input size."""

    def __init__(self, base, scales=(0.5, 0.75)):
        super().__init__()
        self.base = base
        self.scales = scales

    def forward(self, x):
        logits = self.base(x)
        pyramid = [self.base(F.interpolate(
            x, [int(d * s) for d in x.shape[2:]], mode='bilinear',
            align_corners=False)) for s in self.scales]
        stacked = torch.stack([logits] + [
            F.interpolate(p, logits.shape[2:], mode='bilinear',
                          align_corners=False) for p in pyramid])
        out = stacked.max(dim=0)[0]
        return F.interpolate(out, x.shape[2:], mode='bilinear',
                             align_corners=False)


def randomise_bn_stats(model: nn.Module, seed: int = 0) -> None:
    """Non-trivial BN statistics/affines so a wrong mapping shows."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.1)
