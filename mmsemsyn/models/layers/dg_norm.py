"""Double-Guided Normalisation (Lab2Pix, Eq. 3-5) and the global label
encoder that feeds it.

DG-Norm is SPADE (:class:`~mmsemsyn.models.layers.spade.SPADE`) whose hidden
128-channel activation is summed with a *global label code* produced by
:class:`GlobalLabelEncoder` (strided convs over the whole label map, one
upsampling head per generator scale). SPADE's ``shared_activation`` already
adds that code, so DG-Norm only adds what Lab2Pix-V1 needs on top: its way
of bringing the label map to the feature size (``label_resize='pool'``).

Also here: the Lab2Pix-V1 generative residual block (``GenResBlk``), whose
wiring differs from SPADE's residual block.
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.spectral_norm import spectral_norm as sn_conv
from mmsemsyn.registry import MODELS
from .spade import SPADE, SPADEResBlock


def resize_label(seg: torch.Tensor, size: Sequence[int], mode: str = 'nearest',
                 num_classes: Optional[int] = None) -> torch.Tensor:
    """Bring a label input to a feature map's spatial ``size``.

    Args:
        seg: (B, C, H, W) float maps (one-hot, sketches) or (B, H, W) ids.
        mode: 'nearest' (SPADE / Lab2Pix-V2) or 'pool' (official Lab2Pix-V1:
            ids are max-pooled then one-hot encoded, float maps are
            average-pooled over the integer down-scaling factor).
        num_classes: channels of the one-hot map made from ids; the ids
            must lie in ``[0, num_classes)``.
    Returns:
        (B, C, h, w) float.
    Raises:
        ValueError: ids without ``num_classes``.

    The id range is not checked here: reading it (``ids.max()``) on every
    DG-Norm layer would make the host wait for the device on a GPU. The
    ids are checked where they enter: ``LoadLabelMap`` names the file, the
    bad id and the fix, and :class:`Lab2PixV1` refuses, when it is built,
    a generator ``semantic_nc`` smaller than its data preprocessor's
    classes. An id outside the range anyway (a direct call) fails in
    ``scatter_`` (CPU: "index 7 is out of bounds for dimension 1 with
    size 4"; CUDA: a device-side assert).
    """
    size = tuple(int(s) for s in size)
    if seg.dim() == 3:
        if num_classes is None:
            raise ValueError('resize_label got a (B, H, W) id map but no '
                             'num_classes to one-hot encode it.')
        ids = seg.long().unsqueeze(1)
        if mode == 'pool':
            kernel = (ids.shape[2] // size[0], ids.shape[3] // size[1])
            ids = F.max_pool2d(ids.float(), kernel).long()
        elif tuple(ids.shape[2:]) != size:
            ids = F.interpolate(ids.float(), size=size, mode='nearest').long()
        out = torch.zeros(ids.shape[0], num_classes, *ids.shape[2:],
                          device=seg.device)
        return out.scatter_(1, ids, 1.0)
    seg = seg.float()
    if mode == 'pool':
        kernel = (seg.shape[2] // size[0], seg.shape[3] // size[1])
        if kernel == (1, 1):
            return seg
        return F.avg_pool2d(seg, kernel)
    if tuple(seg.shape[2:]) == size:
        return seg
    return F.interpolate(seg, size=size, mode='nearest')


@MODELS.register_module()
class DGNorm(SPADE):
    """Double-Guided Normalisation (Eq. 3-5).

    ``out = norm(x) * (1 + gamma(h)) + beta(h)``, ``h = ReLU(conv(m)) + g``
    with ``m`` the label map at the size of ``x`` and ``g`` the global label
    code of this scale (no code -> plain SPADE, as the official shortcut
    norm). Lab2Pix-V2: BatchNorm (``spectralspadebatch3x3``), nearest label
    resize, ``1 + gamma``. Lab2Pix-V1: InstanceNorm, ``gamma`` without the
    offset (``residual_gamma=False``), and pooled labels
    (``label_resize='pool'``), which accepts ids as well as one-hot maps.

    Args:
        label_resize: 'nearest' | 'pool' (see :func:`resize_label`).
        Others: as :class:`SPADE`.
    """

    def __init__(self, num_features: int, semantic_nc: int,
                 norm: str = 'BN', hidden_channels: int = 128,
                 kernel_size: int = 3, residual_gamma: bool = True,
                 label_resize: str = 'nearest'):
        super().__init__(num_features, semantic_nc, norm=norm,
                         hidden_channels=hidden_channels,
                         kernel_size=kernel_size,
                         residual_gamma=residual_gamma)
        if label_resize not in ('nearest', 'pool'):
            raise ValueError(f"label_resize must be 'nearest' or 'pool', "
                             f'got {label_resize!r}')
        self.label_resize = label_resize
        self.semantic_nc = semantic_nc

    def forward(self, x: torch.Tensor, segmap: torch.Tensor,
                global_code: Optional[torch.Tensor] = None) -> torch.Tensor:
        normalized = self.param_free_norm(x)
        segmap = resize_label(segmap, x.shape[2:], self.label_resize,
                              self.semantic_nc)
        actv = self.shared_activation(segmap, global_code)
        return self.modulate(normalized, self.mlp_gamma(actv),
                             self.mlp_beta(actv))


@MODELS.register_module()
class DGNormResBlock(SPADEResBlock):
    """SPADE residual block built from DG-Norm (Lab2Pix-V2 ``GenResBlk``).

    The global code reaches ``norm_0``/``norm_1`` only; the learned
    shortcut's norm gets none, as in the official code.
    """

    def __init__(self, in_channels: int, out_channels: int, semantic_nc: int,
                 norm: str = 'BN', spectral_norm: bool = True,
                 spade_cfg: Optional[dict] = None):
        super().__init__(in_channels, out_channels, semantic_nc, norm=norm,
                         spectral_norm=spectral_norm, spade_cfg=spade_cfg,
                         spade_layer=DGNorm)


@MODELS.register_module()
class GlobalLabelEncoder(nn.Module):
    """Global label code for DG-Norm (Eq. 4).

    A strided encoder (SN conv3 s1 ``in -> base``, then ``num_scales - 1``
    SN conv3 s2 doubling up to ``max_channels``, LeakyReLU 0.2) sees the
    whole label map; one head per generator scale (nearest upsampling by
    ``2**(num_scales - 1 - k)``, conv3 -> ``out_channels``, ReLU) brings its
    output back, so code ``k`` has stride ``2**k`` w.r.t. the label map.

    Args:
        in_channels: semantic_nc.
        out_channels: the DG-Norm hidden width (128).
        base_channels: width of the first conv (64).
        num_scales: number of heads; the official code uses the generator's
            number of upsamplings + 1.
    """

    def __init__(self, in_channels: int, out_channels: int = 128,
                 base_channels: int = 64, num_scales: int = 7,
                 max_channels: int = 512):
        super().__init__()
        self.num_scales = num_scales
        layers: List[nn.Module] = []
        cin, cout = in_channels, base_channels
        for i in range(num_scales):
            layers += [
                sn_conv(
                    nn.Conv2d(cin, cout, 3, stride=1 if i == 0 else 2,
                              padding=1)),
                nn.LeakyReLU(0.2)
            ]
            cin, cout = cout, min(cout * 2, max_channels)
        self.model_down = nn.Sequential(*layers)
        # Head k restores 2**(num_scales-1-k) of the encoder's downsampling:
        # the last head is at the encoder's (coarsest) resolution.
        self.model_up = nn.ModuleList(
            nn.Sequential(
                nn.Upsample(scale_factor=2**(num_scales - 1 - k)),
                nn.Conv2d(cin, out_channels, 3, padding=1), nn.ReLU())
            for k in range(num_scales))

    def forward(self, seg: torch.Tensor) -> List[torch.Tensor]:
        """Codes ``[c_0, ..., c_{S-1}]``, ``c_k`` at stride ``2**k``: ``c_0``
        is full resolution, ``c_{S-1}`` the coarsest (the generator's first
        block uses ``codes[-1]``)."""
        down = self.model_down(seg)
        return [head(down) for head in self.model_up]


@MODELS.register_module()
class GenResBlock(nn.Module):
    """Lab2Pix-V1 generative residual block (GenResBlk, Eq. 6).

    ``out = conv_1(act(norm_1(conv_0(act(norm_0(x))))))`` and, only when the
    widths differ, ``+ conv_s(act(norm_s(x)))`` (a 3x3 conv): the official
    V1 block has *no* identity path when ``fin == fout``. Activation ReLU;
    every conv has a bias; norms are DG-Norm in V1 form (IN, ``gamma`` without
    offset, pooled labels). ``global_code`` (DG-Norm's global term) reaches the
    main-path norms only, as in V2.
    """

    def __init__(self, in_channels: int, out_channels: int, semantic_nc: int,
                 norm_cfg: Optional[dict] = None):
        super().__init__()
        norm_cfg = dict(dict(norm='IN', residual_gamma=False,
                             label_resize='pool'), **(norm_cfg or {}))
        self.norm_0 = DGNorm(in_channels, semantic_nc, **norm_cfg)
        self.conv_0 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm_1 = DGNorm(out_channels, semantic_nc, **norm_cfg)
        self.conv_1 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.learned_shortcut = in_channels != out_channels
        if self.learned_shortcut:
            self.norm_s = DGNorm(in_channels, semantic_nc, **norm_cfg)
            self.conv_s = nn.Conv2d(in_channels, out_channels, 3, padding=1)

    def forward(self, x: torch.Tensor, seg: torch.Tensor,
                global_code: Optional[torch.Tensor] = None) -> torch.Tensor:
        out = self.conv_0(F.relu(self.norm_0(x, seg, global_code)))
        out = self.conv_1(F.relu(self.norm_1(out, seg, global_code)))
        if self.learned_shortcut:
            out = out + self.conv_s(F.relu(self.norm_s(x, seg)))
        return out
