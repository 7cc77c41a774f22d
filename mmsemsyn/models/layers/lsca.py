"""Label-guided Spatial Co-Attention (Lab2Pix, Eq. 7)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.registry import MODELS
from .dg_norm import resize_label
from .norm import build_norm_layer


@MODELS.register_module()
class LSCA(nn.Module):
    """Fuses the previous scale's feature into the current one (Eq. 7).

    ``x1 = act(conv3(up2(x_prev)))``; ``A = sigmoid(conv3([norm(x1),
    norm(x_cur), norm(act(conv3(m)))]))``; ``out = A * x1 + (1 - A) * x_cur``
    with ``m`` the label map at the current size. Well-synthesised content of
    the coarser scale is kept where the attention says so, and the current
    block only has to add the increment.

    The label may be (B, H, W) ids or a (B, C, H, W) map (one-hot, sketch):
    the official V1 code crashes on ids (its id path names an undefined
    variable) although its model feeds ids; here both work (bug fixed).

    Args:
        prev_channels / channels: widths of the previous and current scale.
        semantic_nc: label channels (classes for an id map).
        norm: 'IN' (official V1 default), 'BN' or 'none'.
        label_resize: 'pool' (official V1) or 'nearest'.
    """

    def __init__(self, prev_channels: int, channels: int, semantic_nc: int,
                 norm: str = 'IN', label_resize: str = 'pool'):
        super().__init__()
        self.semantic_nc = semantic_nc
        self.label_resize = label_resize
        self.input1 = nn.Sequential(
            nn.Conv2d(prev_channels, channels, 3, padding=1), nn.ReLU())
        self.norm1 = build_norm_layer(norm, channels)
        self.norm2 = build_norm_layer(norm, channels)
        self.seg_process = nn.Sequential(
            nn.Conv2d(semantic_nc, channels, 3, padding=1), nn.ReLU(),
            build_norm_layer(norm, channels))
        self.mask = nn.Sequential(
            nn.Conv2d(channels * 3, 1, 3, padding=1), nn.Sigmoid())

    def forward(self, x_prev: torch.Tensor, x_cur: torch.Tensor,
                seg: torch.Tensor,
                return_mask: bool = False):
        seg = resize_label(seg, x_cur.shape[2:], self.label_resize,
                           self.semantic_nc)
        x1 = self.input1(F.interpolate(x_prev, scale_factor=2))
        attention = self.mask(torch.cat(
            [self.norm1(x1), self.norm2(x_cur), self.seg_process(seg)], 1))
        out = attention * x1 + (1.0 - attention) * x_cur
        return (out, attention) if return_mask else out
