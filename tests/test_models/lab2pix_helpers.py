"""Shared helpers of the Lab2Pix tests."""
import os.path as osp

import torch.nn as nn

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs')


def count(module: nn.Module, trainable: bool = False) -> int:
    return sum(p.numel() for p in module.parameters()
               if p.requires_grad or not trainable)
