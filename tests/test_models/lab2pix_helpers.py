"""Shared helpers of the Lab2Pix tests."""
import os.path as osp

import torch.nn as nn
import torchvision

from mmsemsyn.models.pretrained import vgg as vgg_module

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs')


def fast_random_vgg(monkeypatch):
    """Random VGG *features* only: torchvision's constructor also builds the
    120M-parameter classifier, which the extractors drop anyway."""

    def build(arch, pretrained):
        assert pretrained is None, 'tests never load VGG weights'
        cfg = {'vgg16': 'D', 'vgg19': 'E'}[arch]
        return torchvision.models.vgg.make_layers(
            torchvision.models.vgg.cfgs[cfg])

    monkeypatch.setattr(vgg_module, '_build_features', build)


def count(module: nn.Module, trainable: bool = False) -> int:
    return sum(p.numel() for p in module.parameters()
               if p.requires_grad or not trainable)
