"""Lab2Pix-V2 generator (paired setting, Lab2Pix Sec. 4.2, Fig. 8)."""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.generators.spade import (
    NUM_UP_LAYERS,
    latent_size_of_input,
    spade_block_layout,
)
from mmsemsyn.models.layers.dg_norm import DGNormResBlock, GlobalLabelEncoder
from mmsemsyn.models.layers.spectral_norm import settle_spectral_norm
from mmsemsyn.models.layers.weight_init import (
    BaseNetwork,
    xavier_init_weights,
)
from mmsemsyn.registry import MODELS


def upsampled_conv(head: nn.Sequential, x: torch.Tensor,
                   checked: Optional[Dict[tuple, bool]] = None
                   ) -> torch.Tensor:
    """``head(x)`` for a global-encoder head ``[nearest Upsample(s), conv3
    (stride 1, pad 1), act]``, computed at 3x instead of s x the input
    resolution when ``s >= 4``.

    The upsampled map is constant on s x s blocks, so a 3x3 window sees one
    of only three row (and column) patterns: the block's first row (its top
    tap in the block above), an inner row, its last row. ``conv`` of the
    3x-upsampled map holds each pattern once; repeating its middle row and
    column ``s - 2`` times gives every output pixel from the same 3x3 input
    values and weights as the full-size conv. At 128x256 the heads of the
    Cityscapes model are ~26% of the generator's FLOPs; this runs them in
    about a tenth of the time.

    Whether the conv library sums each pixel's products in the same order
    on the smaller map depends on the shape (oneDNN on this CPU: the same
    bits from a 6x12 map up, not below), so the result is compared once
    with ``head(x)`` per shape / device / dtype / memory format / autocast
    dtype / thread count / cuDNN and oneDNN switches -- on the batch at
    hand and on seeded random input and weights, so that values which hide
    another summation order (an all-zero map) cannot pass a shape -- and
    the full-size conv is kept where they differ: the output is always
    ``head(x)``, bit for bit.

    Args:
        head: ``nn.Sequential(nn.Upsample, nn.Conv2d, activation)``; any
            other form (or s < 4) runs as it is.
        x: (B, C, h, w) encoder output.
        checked: the verdict cache (key -> equal); None runs ``head(x)``.
    Returns:
        (B, out_channels, s*h, s*w).
    """
    up, conv = head[0], head[1]
    s = getattr(up, 'scale_factor', None)
    if checked is None or not (
            isinstance(up, nn.Upsample) and up.mode == 'nearest'
            and isinstance(s, float) and s.is_integer() and s >= 4
            and isinstance(conv, nn.Conv2d) and conv.kernel_size == (3, 3)
            and conv.stride == (1, 1) and conv.padding == (1, 1)
            and conv.dilation == (1, 1) and conv.groups == 1
            and conv.padding_mode == 'zeros'):
        return head(x)
    s = int(s)
    dev = x.device.type
    autocast = torch.get_autocast_dtype(dev) \
        if torch.is_autocast_enabled(dev) else None
    # everything that may make the library pick another conv kernel
    key = (tuple(x.shape), s, tuple(conv.weight.shape), dev, x.dtype,
           x.is_contiguous(), conv.weight.is_contiguous(), autocast,
           torch.get_num_threads(), _conv_backend_flags())
    if checked.get(key) is False:
        return head(x)
    y = conv(F.interpolate(x, scale_factor=3.0, mode='nearest'))
    for act in head[2:]:
        y = act(y)  # elementwise: commutes with the repetition below

    h, w = x.shape[2:]
    y = y.index_select(2, _block_rows(h, s, x.device)).index_select(
        3, _block_rows(w, s, x.device))
    if key not in checked:
        full = head(x)
        # once per key (host reads); the probe keeps a batch or weights
        # whose values hide a different summation order (all zeros, say)
        # from passing the shape for every later batch
        checked[key] = torch.equal(y, full) and _probe_agrees(conv, x, s)
        return full
    return y


def _conv_backend_flags() -> tuple:
    """The global switches that select conv kernels (cuDNN, oneDNN)."""
    cudnn, mkldnn = torch.backends.cudnn, torch.backends.mkldnn
    return (cudnn.enabled, cudnn.benchmark, cudnn.deterministic,
            cudnn.allow_tf32, mkldnn.enabled,
            getattr(getattr(mkldnn, 'conv', None), 'fp32_precision', None))


def _probe_agrees(conv: nn.Conv2d, x: torch.Tensor, s: int) -> bool:
    """Whether the 3x path of :func:`upsampled_conv` equals the full-size
    conv bit for bit on seeded random input and weights of ``x``'s and
    ``conv``'s shape, dtype, device and layout (the kernel choice depends
    on those, not on the values; a private generator leaves the global RNG
    alone)."""
    gen = torch.Generator(device=x.device)
    gen.manual_seed(0)
    xp = torch.empty_like(x).normal_(generator=gen)
    wp = torch.empty_like(conv.weight).normal_(generator=gen)
    bp = None if conv.bias is None else \
        torch.empty_like(conv.bias).normal_(generator=gen)
    full = F.conv2d(F.interpolate(xp, scale_factor=float(s), mode='nearest'),
                    wp, bp, padding=1)
    small = F.conv2d(F.interpolate(xp, scale_factor=3.0, mode='nearest'),
                     wp, bp, padding=1)
    h, w = x.shape[2:]
    return torch.equal(
        small.index_select(2, _block_rows(h, s, x.device)).index_select(
            3, _block_rows(w, s, x.device)), full)


def _block_rows(n: int, s: int, device: torch.device) -> torch.Tensor:
    """Row of the 3x map for each of the ``n * s`` output rows: output
    row i of cell i // s takes the cell's first (0), inner (1) or last (2)
    pattern."""
    i = torch.arange(n * s, device=device)
    off = i % s
    return 3 * (i // s) + (off > 0).long() + (off == s - 1).long()


def global_label_codes(encoder: GlobalLabelEncoder, seg: torch.Tensor,
                       checked: Optional[Dict[tuple, bool]] = None
                       ) -> List[torch.Tensor]:
    """``encoder(seg)``, its heads through :func:`upsampled_conv` (with
    the verdict cache ``checked``; None: as the encoder runs them)."""
    if checked is None:
        return encoder(seg)
    down = encoder.model_down(seg)
    return [upsampled_conv(head, down, checked) for head in encoder.model_up]


@MODELS.register_module()
class Lab2PixV2Generator(BaseNetwork):
    """SPADE-style generator whose residual blocks use DG-Norm (Eq. 3-5),
    with the global label encoder (the official
    ``LabelComprehensiveGenerator``).

    The label map is resized to (sh, sw) = (H, W) / 2**n_up (or the
    fixed crop / 2**n_up) and convolved to
    16*ngf channels; head_0, up, G_middle_0, [up: 'more'/'most'], G_middle_1,
    then 4 x (up, up_k) to ngf (and 'most': up, up_4 to ngf/2); LReLU, conv3,
    tanh. Block ``j`` (coarsest first) receives the global code of its scale
    (``codes[-1 - j]``). No LSCA and a single output (Sec. 4.2.1): the
    discriminators see it average-pooled.

    Args:
        semantic_nc: label channels (one-hot + dontcare + instance edge).
        ngf: base width (64).
        crop_size / aspect_ratio: output width and width/height ratio,
            fixing the latent size as the official code does
            (``sw = crop_size // 2**n_up``, ``sh = round(sw / aspect)``;
            aspect 2.0 when only crop_size is given, the official default).
            None (default): the latent size follows the input label map,
            ``(H, W) / 2**n_up`` -- the same sizes for data resized to the
            crop, without repeating the pipeline's size in the model config.
        num_upsampling_layers: 'normal' | 'more' (Cityscapes) | 'most'.
        norm: DG-Norm param-free norm ('BN' = official
            ``spectralspadebatch3x3``; SyncBN through the runner's sync_bn).
        spectral_norm: spectral norm on the residual-block convs.
        use_global_encoder: False gives the SPADE generator (ablation A-D_s).
        global_channels / encoder_channels: DG-Norm hidden width (128) and
            the encoder's first width (64).
        init_gain: xavier-normal gain of the official ``init_weights(
            'xavier', 0.02)`` (None: PyTorch defaults).
    """

    def __init__(self,
                 semantic_nc: int,
                 ngf: int = 64,
                 crop_size: Optional[int] = None,
                 aspect_ratio: Optional[float] = None,
                 num_upsampling_layers: str = 'more',
                 norm: str = 'BN',
                 spectral_norm: bool = True,
                 use_global_encoder: bool = True,
                 global_channels: int = 128,
                 encoder_channels: int = 64,
                 out_channels: int = 3,
                 init_gain: Optional[float] = 0.02):
        super().__init__()
        if num_upsampling_layers not in NUM_UP_LAYERS:
            raise ValueError(f'num_upsampling_layers must be one of '
                             f'{sorted(NUM_UP_LAYERS)}, got '
                             f'{num_upsampling_layers!r}')
        self.num_upsampling_layers = num_upsampling_layers
        n_up = NUM_UP_LAYERS[num_upsampling_layers]
        self.num_up = n_up
        self.sw = self.sh = None  # from the input (crop_size=None)
        if crop_size is not None:
            self.sw = crop_size // 2**n_up
            # 2.0: the official (Cityscapes) default aspect ratio
            self.sh = round(self.sw / (aspect_ratio or 2.0))
            if self.sw < 1 or self.sh < 1:
                raise ValueError(f'crop_size {crop_size} is too small for '
                                 f'{n_up} upsamplings.')
        elif aspect_ratio is not None:
            raise ValueError('aspect_ratio without crop_size: give both to '
                             'fix the latent size, or neither to take it '
                             'from the input label map.')
        nf = ngf
        self.fc = nn.Conv2d(semantic_nc, 16 * nf, 3, padding=1)
        self.global_encoder = GlobalLabelEncoder(
            semantic_nc, global_channels, encoder_channels, n_up + 1
        ) if use_global_encoder else None

        def block(cin, cout):
            return DGNormResBlock(cin, cout, semantic_nc, norm=norm,
                                  spectral_norm=spectral_norm,
                                  spade_cfg=dict(
                                      hidden_channels=global_channels))

        self.block_layout = spade_block_layout(nf, num_upsampling_layers)
        for name, fin, fout, _ in self.block_layout:
            setattr(self, name, block(fin, fout))
        self.conv_img = nn.Conv2d(self.block_layout[-1][2], out_channels, 3,
                                  padding=1)
        self.init_gain = init_gain
        # upsampled_conv verdicts: (shape, ...) -> equal to the full conv
        self._head_checks: Dict[tuple, bool] = {}
        self.finish_init()

    def init_weights(self) -> None:
        """The official ``init_weights('xavier', init_gain)``
        (:func:`xavier_init_weights`, which settles spectral norm too); with
        ``init_gain=None`` PyTorch's defaults."""
        if self.init_gain is not None:
            xavier_init_weights(self, self.init_gain)
        else:
            settle_spectral_norm(self)

    def latent_size(self, seg: torch.Tensor) -> tuple:
        """(sh, sw) of the first block: fixed by ``crop_size``, else the
        input's (H, W) / 2**n_up (ValueError when they do not divide)."""
        if self.sw is not None:
            return self.sh, self.sw
        return latent_size_of_input(self, seg)

    def forward(self, seg: torch.Tensor,
                z: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = self.fc(F.interpolate(seg, size=self.latent_size(seg)))
        # Inference (eval, no autograd) takes the heads' cheaper path: the
        # same bits (see upsampled_conv), checked once per shape. Training
        # and the fresh-fake forward of the D step run them as they are.
        checked = self._head_checks if not (
            self.training or torch.is_grad_enabled()) else None
        codes = global_label_codes(self.global_encoder, seg, checked) \
            if self.global_encoder is not None else None
        scale = len(codes) if codes is not None else 0
        for name, _, _, upsample in self.block_layout:
            if upsample:
                x = F.interpolate(x, scale_factor=2)
            code = None
            if codes is not None:
                # One code per resolution: the scale index only moves on
                # after an upsampling (official `current_scale`).
                if upsample or scale == len(codes):
                    scale -= 1
                code = codes[scale]
            x = getattr(self, name)(x, seg, code)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))
