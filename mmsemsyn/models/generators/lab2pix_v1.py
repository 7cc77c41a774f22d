"""Lab2Pix-V1 generator (unpaired setting, Lab2Pix Sec. 4.1, Fig. 3 and 7)."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.dg_norm import (
    GenResBlock,
    GlobalLabelEncoder,
    resize_label,
)
from mmsemsyn.models.layers.lsca import LSCA
from mmsemsyn.models.layers.norm import build_norm_layer
from mmsemsyn.models.layers.option_names import renamed_options
from mmsemsyn.models.layers.spectral_norm import settle_spectral_norm
from mmsemsyn.models.layers.weight_init import BaseNetwork, normal_conv_init
from mmsemsyn.registry import MODELS


class SketchLabelEncoder(nn.Sequential):
    """Sketch label encoder of Fig. 3: conv5 then ``num_downsample`` stride-2
    conv3, each with norm + ReLU, widths doubling up to ``max_channels``."""

    def __init__(self, in_channels: int, base_channels: int = 64,
                 max_channels: int = 1024, num_downsample: int = 5,
                 norm: str = 'IN'):
        layers = [nn.Conv2d(in_channels, base_channels, 5, padding=2),
                  build_norm_layer(norm, base_channels), nn.ReLU()]
        cin = base_channels
        for _ in range(num_downsample):
            cout = min(cin * 2, max_channels)
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1),
                       build_norm_layer(norm, cout), nn.ReLU()]
            cin = cout
        super().__init__(*layers)


@MODELS.register_module()
@renamed_options(label_nc='semantic_nc')
class Lab2PixV1Generator(BaseNetwork):
    """Label-adaptive generator producing three scales in one pass (the
    official ``LabelAdaptiveGenerator``).

    Semantic labels: z (128) -> Linear -> 1024 x 2 x 4, two GenResBlks form
    the semantic label encoder (Fig. 3); sketches: a strided sketch encoder
    replaces them (the official code then ignores z). Then GenResBlks with
    widths ``channels[2:]``, each followed by nearest x2. On the last three
    scales LSCA (Eq. 7) fuses the previous scale in and a conv3 + tanh head
    emits an image: outputs 256x512, 128x256, 64x128 (finest first).

    Args:
        semantic_nc: label classes (ids are one-hot encoded inside the
            norms), or channels of a float label map (1 for sketches); the
            official ``label_nc``.
        task: 'semantic' | 'sketch'.
        noise_dim: z size (128).
        init_size: (h, w) of the reshaped noise (2x4 Cityscapes, 2x2 sketch).
        channels: widths of the 7 GenResBlks' outputs' inputs (the official
            1024, 1024, 1024, 512, 256, 128, 64).
        num_outputs: 3 (progressive generation) or 1 (ablation A_u).
        use_lsca: LSCA on the output scales (ablation rows B_u without).
        use_global_encoder: DG-Norm's global label code (the paper's full
            H_u; the official V1 code has none, so the default is False and
            the parameter count is the official 101,035,532).
        norm_cfg: DG-Norm options (IN, ``gamma`` without offset, pooled
            labels: the official V1 norm).
        init_gain: N(0, gain) conv init of the official code (None: PyTorch
            defaults).
    """

    def __init__(self,
                 semantic_nc: int = 35,
                 out_channels: int = 3,
                 task: str = 'semantic',
                 noise_dim: int = 128,
                 init_size: Sequence[int] = (2, 4),
                 channels: Sequence[int] = (1024, 1024, 1024, 1024, 512, 256,
                                            128, 64),
                 num_outputs: int = 3,
                 use_lsca: bool = True,
                 use_global_encoder: bool = False,
                 global_channels: int = 128,
                 sketch_base_channels: int = 64,
                 norm_cfg: Optional[dict] = None,
                 lsca_norm: str = 'IN',
                 init_gain: Optional[float] = 0.02):
        super().__init__()
        if task not in ('semantic', 'sketch'):
            raise ValueError(f"task must be 'semantic' or 'sketch', got "
                             f'{task!r}')
        if num_outputs not in (1, 2, 3):
            raise ValueError(f'num_outputs must be 1..3, got {num_outputs}')
        if len(channels) != 8:
            raise ValueError('channels lists the noise width and the 7 '
                             f'GenResBlk outputs (8 values), got {channels}')
        self.task = task
        self.semantic_nc = semantic_nc
        self.noise_dim = noise_dim
        self.init_size = tuple(init_size)
        self.num_outputs = num_outputs
        self.use_lsca = use_lsca
        norm_cfg = dict(norm_cfg or {})
        lsca_resize = norm_cfg.get('label_resize', 'pool')
        ch = list(channels)
        if task == 'semantic':
            self.noise_process = nn.Linear(
                noise_dim, ch[0] * self.init_size[0] * self.init_size[1])
            first = 0
        else:
            # 256 / 2**5 = 8: the encoder output enters block 3 directly.
            self.encoder = SketchLabelEncoder(semantic_nc,
                                              sketch_base_channels,
                                              ch[2], num_downsample=5)
            first = 2
        self.first_block = first
        self.blocks = nn.ModuleList()
        for i in range(7):
            if i < first:
                self.blocks.append(nn.Identity())
                continue
            self.blocks.append(
                GenResBlock(ch[i], ch[i + 1], semantic_nc,
                            norm_cfg=norm_cfg))
        # Output heads / LSCA on the last `num_outputs` scales (blocks 4..6).
        self.fusions = nn.ModuleDict()
        self.heads = nn.ModuleDict()
        for i in range(7 - num_outputs, 7):
            if use_lsca:
                self.fusions[str(i)] = LSCA(ch[i], ch[i + 1], semantic_nc,
                                            norm=lsca_norm,
                                            label_resize=lsca_resize)
            self.heads[str(i)] = nn.Sequential(
                nn.Conv2d(ch[i + 1], out_channels, 3, padding=1), nn.Tanh())
        self.global_encoder = None
        if use_global_encoder:
            # Block i normalises at stride 2**(7 - i) of the output.
            self.global_encoder = GlobalLabelEncoder(semantic_nc,
                                                     global_channels, 64, 8)
        self.init_gain = init_gain
        self.finish_init()

    def init_weights(self) -> None:
        """The official V1 ``weights_init`` (:func:`normal_conv_init`;
        ``init_gain=None``: PyTorch's defaults)."""
        if self.init_gain is not None:
            normal_conv_init(self, self.init_gain)
        # the global encoder's spectral norm (ablation H_u): valid in eval
        settle_spectral_norm(self)

    def forward(self, seg: torch.Tensor,
                noise: Optional[torch.Tensor] = None) -> List[torch.Tensor]:
        """Args:
            seg: (B, H, W) ids or (B, C, H, W) label map.
            noise: (B, noise_dim); drawn from N(0, 1) when None.
        Returns:
            the outputs, finest first.
        """
        b = seg.shape[0]
        if self.task == 'semantic':
            if noise is None:
                noise = torch.randn(b, self.noise_dim, device=seg.device)
            x = self.noise_process(noise).view(b, -1, *self.init_size)
        else:
            x = self.encoder(seg.float())
        codes = None
        if self.global_encoder is not None:
            full = resize_label(seg, seg.shape[-2:], 'nearest',
                                self.semantic_nc)
            codes = self.global_encoder(full)
        outputs = []
        for i in range(self.first_block, 7):
            code = codes[7 - i] if codes is not None else None
            y = F.interpolate(self.blocks[i](x, seg, code), scale_factor=2)
            if str(i) in self.fusions:
                y = self.fusions[str(i)](x, y, seg)
            if str(i) in self.heads:
                outputs.append(self.heads[str(i)](y))
            x = y
        return outputs[::-1]
