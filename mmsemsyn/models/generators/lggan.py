"""LGGAN generator for semantic image synthesis (Tang et al., CVPR 2020,
"Local Class-Specific and Global Image-Level GANs"; official
``semantic_image_synthesis/models/networks/generator.py``, a SPADE fork).

Reads like the paper's Fig. 2 / Fig. 3:

- a parameter-sharing conv **encoder** E (Sec. 3.1) on the semantic map;
- the **global** image-level generator G_g: SPADE's decoder fed with E's
  deepest feature resized to the latent size (SPADE's own ``fc`` head is
  built but unused officially; we do not build it);
- the **local** class-specific generator G_l
  (:class:`ClassSpecificLocalGenerator`, Eq. 1-4) with its **classification** module (Eq. 5);
- the pixel-level **weight-map** generator G_w fusing both (Eq. 6-7).

Registration order (hence state-dict order) follows the official class:
decoder (head_0 .. conv_img), encoder conv1..conv5, 9 residual blocks, the
two local ConvTs, the fusion conv, the class convs, the classifier, the
weight-map branch.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.option_names import renamed_options
from mmsemsyn.models.layers.resnet_block import ResnetBlock
from mmsemsyn.models.layers.spectral_norm import settle_spectral_norm
from mmsemsyn.models.layers.weight_init import (
    BaseNetwork,
    xavier_init_weights,
)
from mmsemsyn.registry import MODELS
from .spade import SPADEGenerator

CLASS_CONV_IMPLS = ('auto', 'label', 'grouped', 'loop')


def conv_transpose_upsampler(in_channels: int) -> nn.Sequential:
    """Two [ConvT(3, s2, p1, op1), IN, ReLU], halving the channels each
    time: 1/4 resolution -> full resolution (local branch and G_w)."""
    layers: List[nn.Module] = []
    ch = in_channels
    for _ in range(2):
        layers += [nn.ConvTranspose2d(ch, ch // 2, 3, 2, 1, 1),
                   nn.InstanceNorm2d(ch // 2), nn.ReLU()]
        ch //= 2
    return nn.Sequential(*layers)


class SemanticEncoder(nn.Module):
    """E (Sec. 3.1): reflect-pad 3, conv7 -> ngf, then 4 conv3 stride 2
    (2ngf, 4ngf, 8ngf, 16ngf), each + IN + ReLU. Returns the 1/4-resolution
    feature (4ngf, shared by the local branch and G_w) and the 1/16 one
    (16ngf, fed to the global decoder)."""

    def __init__(self, in_channels: int, ngf: int = 64):
        super().__init__()
        widths = [ngf, ngf * 2, ngf * 4, ngf * 8, ngf * 16]
        self.conv1 = nn.Sequential(nn.ReflectionPad2d(3),
                                   nn.Conv2d(in_channels, ngf, 7),
                                   nn.InstanceNorm2d(ngf), nn.ReLU())
        for i in range(1, 5):
            setattr(self, f'conv{i + 1}', nn.Sequential(
                nn.Conv2d(widths[i - 1], widths[i], 3, 2, 1),
                nn.InstanceNorm2d(widths[i]), nn.ReLU()))

    def forward(self, seg: torch.Tensor):
        x = self.conv2(self.conv1(seg))
        x_encode = self.conv3(x)
        return x_encode, self.conv5(self.conv4(x_encode))


class ClassSpecificLocalGenerator(nn.Module):
    """G_l (Sec. 3.2, Fig. 3).

    E's 1/4-resolution feature -> ``n_blocks`` residual blocks -> two ConvT
    -> full-resolution feature f' (ngf channels). For every class mask M_c:
    F_c = M_c * f' (Eq. 1) -> reflect-pad 3, conv7 (ngf -> 3), tanh =
    I_c^l. The local image is their sum (Eq. 3, ``fusion='add'``) or
    tanh(conv3(concat_c I_c^l)) (Eq. 4, ``fusion='conv'``, the official
    code).

    The K class convs are separate modules (``class_convs.k``, the official
    ``deconv5_k``, so state dicts line up) but are not run as K convs over K
    masked copies of f'. ``class_conv_impl``:

    - ``'label'``: for one-hot masks (every pixel in at most one class, the
      normal case) conv_c(M_c * f') at p only sees the pixels of class c in
      p's 7x7 window, so each (padded) pixel x needs only its own class's
      kernel: ``G(x) = W_{label(x)} f'(x)`` (one matrix product per present
      class, K times fewer multiply-adds than K convs), then every kernel
      tap (ky, kx) adds ``G(x)[:, ky, kx]`` into class label(x)'s output at
      x - (ky, kx) with a scatter-add. Same arithmetic as the convs
      (reflect padding commutes with the mask product).
    - ``'grouped'``: one grouped conv over the K masked copies (works for
      any soft masks).
    - ``'loop'``: the official per-class loop (reference for tests).
    - ``'auto'``: 'label' when the masks are one-hot, else 'grouped'.

    Host reads: 'label' needs the number of pixels of every class on the
    host to split the pixels into one matrix product per class; 'auto' reads
    the one-hot test in the same transfer, so a step makes **one** host read
    here (it made four: two ``bool()`` and two ``.tolist()``). Removing that
    one as well would need a batched product over fixed-size pixel blocks,
    whose float summation order differs from the per-class products (not
    bit-identical to the official-equivalent numbers); 'grouped' makes no
    host read at K times the multiply-adds. A grouped GEMM with the class
    offsets on the device (``torch._grouped_mm``, private) would need no
    read at equal multiply-adds: on this CPU (torch 2.14) its fp32 forward
    and backward were bit-identical to the per-class products, but its CUDA
    kernels target bf16 / fp16 on sm90+, and whether its fp32 CUDA path
    reads the offsets on the host is untested here (no GPU), so it is not
    used.
    """

    def __init__(self, num_local: int, ngf: int = 64, n_blocks: int = 9,
                 fusion: str = 'conv', class_conv_impl: str = 'auto'):
        super().__init__()
        if fusion not in ('conv', 'add'):
            raise ValueError(f"local fusion must be 'conv' (Eq. 4) or 'add' "
                             f'(Eq. 3), got {fusion!r}')
        if class_conv_impl not in CLASS_CONV_IMPLS:
            raise ValueError(f'class_conv_impl must be one of '
                             f'{CLASS_CONV_IMPLS}, got {class_conv_impl!r}')
        self.num_local = num_local
        self.fusion = fusion
        self.class_conv_impl = class_conv_impl
        self.res_blocks = nn.Sequential(
            *[ResnetBlock(ngf * 4) for _ in range(n_blocks)])
        self.upsampler = conv_transpose_upsampler(ngf * 4)
        if fusion == 'conv':
            self.fusion_conv = nn.Conv2d(3 * num_local, 3, 3, 1, 1)
        self.class_convs = nn.ModuleList(
            nn.Conv2d(ngf, 3, 7) for _ in range(num_local))

    def class_images_loop(self, feat: torch.Tensor,
                          masks: torch.Tensor) -> torch.Tensor:
        """Reference: one conv per class, as the official code."""
        outs = [
            torch.tanh(conv(F.pad(feat * masks[:, k:k + 1], (3, 3, 3, 3),
                                  mode='reflect')))
            for k, conv in enumerate(self.class_convs)
        ]
        return torch.stack(outs, 1)

    def class_images_grouped(self, feat: torch.Tensor,
                             masks: torch.Tensor) -> torch.Tensor:
        """All K class convs as one grouped conv."""
        b, c = feat.shape[:2]
        k = self.num_local
        feat = F.pad(feat, (3, 3, 3, 3), mode='reflect')
        masks = F.pad(masks, (3, 3, 3, 3), mode='reflect')
        stacked = (feat.unsqueeze(1) * masks.unsqueeze(2)).reshape(
            b, k * c, *feat.shape[2:])
        weight = torch.cat([conv.weight for conv in self.class_convs], 0)
        bias = torch.cat([conv.bias for conv in self.class_convs], 0)
        out = F.conv2d(stacked, weight, bias, groups=k)
        return torch.tanh(out).view(b, k, 3, *out.shape[2:])

    def class_images_label(self, feat: torch.Tensor, masks: torch.Tensor,
                           check_one_hot: bool = False
                           ) -> Optional[torch.Tensor]:
        """All K class convs for one-hot masks, at the cost of one (see the
        class docstring). Pixels of no class contribute nothing.

        Args:
            feat: (B, C, H, W) full-resolution local feature f'.
            masks: (B, K, H, W) class masks, one-hot (each pixel in at most
                one class; not checked unless ``check_one_hot``).
            check_one_hot: test the masks in the same host read as the class
                sizes and return None when they are not one-hot.

        Returns:
            (B, K, 3, H, W) class images in [-1, 1], or None (see above).
        """
        b, c, h, w = feat.shape
        k = self.num_local
        # label map with k = "no class", reflect-padded like the features
        label = torch.where(masks.sum(1) > 0, masks.argmax(1),
                            torch.full_like(masks[:, 0], k, dtype=torch.long))
        label = F.pad(label[:, None].float(), (3, 3, 3, 3),
                      mode='reflect')[:, 0].long()
        feat = F.pad(feat, (3, 3, 3, 3), mode='reflect')
        hp, wp = feat.shape[-2:]
        pixels = feat.permute(0, 2, 3, 1).reshape(-1, c)  # (B*Hp*Wp, C)
        flat_label = label.reshape(-1)
        # G(x) = W_label(x) f'(x): pixels sorted by class, one product per
        # class, then put back in place
        order = torch.argsort(flat_label, stable=True)
        counts = torch.bincount(flat_label, minlength=k + 1)
        if check_one_hot:
            # the step's only host read: the one-hot test and the K + 1 class
            # sizes in one transfer
            sizes = torch.cat([one_hot_flag(masks).view(1).long(),
                               counts]).tolist()
            if not sizes[0]:
                return None
            sizes = sizes[1:]
        else:
            sizes = counts.tolist()
        chunks = pixels.index_select(0, order).split(sizes)
        # every class's kernel enters the graph, so absent classes get zero
        # gradients (not None) exactly as with K convs: Adam's momentum and
        # DDP (find_unused_parameters=False) see the same parameters
        weights = torch.stack([conv.weight for conv in self.class_convs])
        weights = weights.permute(0, 2, 1, 3, 4).reshape(k, c, 3 * 49)
        products = []
        for cls, chunk in enumerate(chunks):  # absent classes: empty chunks
            if cls == k:  # no class: contributes nothing
                products.append(chunk.new_zeros(chunk.shape[0], 3 * 49))
            else:
                products.append(chunk @ weights[cls])
        taps = torch.cat(products).index_select(0, torch.argsort(order))
        # tap (ky, kx) of padded pixel (y + ky, x + kx) lands on output
        # (y, x) of that pixel's class. The (ky, kx, y, x) -> (y + ky,
        # x + kx) "diagonal" is a strided view (no copies of 49 slices), then
        # one scatter-add over all 49 taps.
        taps = taps.view(b, hp, wp, 3, 7, 7).permute(0, 3, 4, 5, 1,
                                                     2).contiguous()
        s_b, s_o, s_ky, s_kx, s_y, s_x = taps.stride()
        src = taps.as_strided((b, 7, 7, 3, h, w),
                              (s_b, s_ky + s_y, s_kx + s_x, s_o, s_y, s_x))
        src = src.reshape(b, 49, 3 * h * w)
        label = label.contiguous()
        l_b, l_y, l_x = label.stride()
        index = label.as_strided((b, 7, 7, 1, h, w),
                                 (l_b, l_y, l_x, 0, l_y, l_x))
        index = index.expand(b, 7, 7, 3, h, w).reshape(b, 49, 3 * h * w)
        out = src.new_zeros(b, k + 1, 3 * h * w).scatter_add(1, index, src)
        out = out.view(b, k + 1, 3, h, w)
        bias = torch.stack([conv.bias for conv in self.class_convs])
        return torch.tanh(out[:, :k] + bias.view(1, k, 3, 1, 1))

    def forward(self, x_encode: torch.Tensor,
                masks: torch.Tensor) -> Dict[str, torch.Tensor]:
        feat = self.upsampler(self.res_blocks(x_encode))
        if feat.shape[-2:] != masks.shape[-2:]:
            raise ValueError(
                f'LGGAN local feature size {tuple(feat.shape[-2:])} differs '
                f'from the label size {tuple(masks.shape[-2:])}: H and W '
                'must be divisible by 16.')
        impl = self.class_conv_impl
        if impl == 'auto':
            class_images = self.class_images_label(feat, masks,
                                                   check_one_hot=True)
            if class_images is None:
                class_images = self.class_images_grouped(feat, masks)
        else:
            class_images = getattr(self, f'class_images_{impl}')(feat, masks)
        if self.fusion == 'conv':
            local = torch.tanh(self.fusion_conv(class_images.flatten(1, 2)))
        else:
            local = class_images.sum(1)
        return dict(feature=feat, class_images=class_images, local_img=local)


def one_hot_flag(masks: torch.Tensor) -> torch.Tensor:
    """A 0-dim bool tensor (no host read): every value of the (B, K, H, W)
    masks is 0 or 1 and at most one mask is set per pixel."""
    return ((masks == 0) | (masks == 1)).all() & (masks.sum(1) <= 1).all()


def is_one_hot(masks: torch.Tensor) -> bool:
    """:func:`one_hot_flag` read on the host (one read)."""
    return bool(one_hot_flag(masks))


def semantic_guided_pooling(feat: torch.Tensor,
                            masks: torch.Tensor) -> torch.Tensor:
    """Average pooling of every masked feature F_c = M_c * f' (Sec. 3.2,
    "semantic-guided average pooling"): mean over all H*W pixels as the
    official ``AdaptiveAvgPool2d`` on the masked maps. (B, C, H, W) x
    (B, K, H, W) -> (B, K, C), without materialising the K masked maps."""
    return torch.einsum('bchw,bkhw->bkc', feat, masks) / (
        feat.shape[-2] * feat.shape[-1])


@MODELS.register_module()
@renamed_options(n_res_blocks='n_blocks')
class LGGANGenerator(BaseNetwork):
    """LGGAN generator (semantic image synthesis).

    Args:
        semantic_nc: label input channels (Cityscapes 36 = 35 + edge).
        local_classes: channels of the semantic input that get their own
            class generator: an int K (channels 0..K-1) or a list. The
            official Cityscapes model uses the 35 label channels (not the
            edge channel); ADE20K uses 0..50.
        merged_classes: optional (start, stop) channel range summed into
            one extra "others" mask with its own generator (ADE20K: 51..151,
            i.e. classes 51-150 and the dontcare channel). It is not
            classified (the official ADE20K classifier is Linear(64, 51)).
        use_local: False = ablation S1 (global branch only).
        local_fusion: 'conv' (Eq. 4) or 'add' (Eq. 3).
        use_classifier: build the classification module (Eq. 5).
        use_weight_map: fuse with G_w (Eq. 6-7); False = the average
            (global + local) / 2 (official commented-out alternative, our
            ablations S2-S4).
        ngf: base width; E, the decoder, the local and G_w branches all
            scale with it (64 = official).
        class_conv_impl: how the class convs run ('auto', 'label',
            'grouped', 'loop'; see :class:`ClassSpecificLocalGenerator`).
        Other args: see :class:`SPADEGenerator`.
    """

    def __init__(self,
                 semantic_nc: int,
                 local_classes: Union[int, Sequence[int]] = 35,
                 merged_classes: Optional[Sequence[int]] = None,
                 ngf: int = 64,
                 num_upsampling_layers: str = 'more',
                 crop_size: Optional[int] = None,
                 aspect_ratio: float = 1.0,
                 norm: str = 'BN',
                 spectral_norm: bool = True,
                 spade_hidden: int = 128,
                 n_blocks: int = 9,
                 use_local: bool = True,
                 local_fusion: str = 'conv',
                 use_classifier: bool = True,
                 use_weight_map: bool = True,
                 class_conv_impl: str = 'auto',
                 init_gain: Optional[float] = 0.02):
        super().__init__()
        if isinstance(local_classes, int):
            local_classes = list(range(local_classes))
        self.local_classes = [int(c) for c in local_classes]
        self.merged_classes = None if merged_classes is None else \
            (int(merged_classes[0]), int(merged_classes[1]))
        bad = [c for c in self.local_classes if not 0 <= c < semantic_nc]
        if self.merged_classes is not None and not (
                0 <= self.merged_classes[0] < self.merged_classes[1]
                <= semantic_nc):
            bad.append(self.merged_classes)
        if bad:
            raise ValueError(f'LGGANGenerator: local/merged class channels '
                             f'{bad} are outside the {semantic_nc} semantic '
                             'channels.')
        self.use_local = use_local
        self.use_classifier = use_local and use_classifier
        self.use_weight_map = use_local and use_weight_map
        num_local = len(self.local_classes) + int(
            self.merged_classes is not None)
        self.num_classified = len(self.local_classes)

        # global branch (registered first: official state-dict order)
        self.global_decoder = SPADEGenerator(
            semantic_nc, ngf=ngf, num_upsampling_layers=num_upsampling_layers,
            head='none', crop_size=crop_size, aspect_ratio=aspect_ratio,
            norm=norm, spectral_norm=spectral_norm, spade_hidden=spade_hidden,
            init_gain=None)
        self.encoder = SemanticEncoder(semantic_nc, ngf)
        if use_local:
            self.local_generator = ClassSpecificLocalGenerator(
                num_local, ngf, n_blocks, local_fusion, class_conv_impl)
        if self.use_classifier:
            self.classifier = nn.Linear(ngf, self.num_classified)
        if self.use_weight_map:
            self.weight_map_generator = nn.Sequential(
                conv_transpose_upsampler(ngf * 4), nn.Conv2d(ngf, 2, 1))
        self.init_gain = init_gain
        self.finish_init()

    def init_weights(self) -> None:
        """The official ``init_weights('xavier', init_gain)`` of the whole G
        (:func:`xavier_init_weights`, which settles spectral norm too); the
        inner SPADE decoder is built without its own init for that reason.
        ``init_gain=None``: PyTorch's defaults."""
        if self.init_gain is not None:
            xavier_init_weights(self, self.init_gain)
        else:
            settle_spectral_norm(self)

    def class_masks(self, seg: torch.Tensor) -> torch.Tensor:
        """(B, K, H, W) masks M_c of the class generators."""
        masks = seg[:, self.local_classes]
        if self.merged_classes is not None:
            start, stop = self.merged_classes
            masks = torch.cat(
                [masks, seg[:, start:stop].sum(1, keepdim=True)], 1)
        return masks

    def forward(self, seg: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Returns ``fake_img`` (fused, Eq. 7), ``global_img`` and, with the
        local branch, ``local_img``, ``class_images`` (B, K, 3, H, W),
        ``class_masks`` (B, K, H, W), ``class_logits`` (B, Kc, Kc) and
        ``class_valid`` (B, Kc), ``weight_map`` (B, 2, H, W: local, global).
        """
        x_encode, x_deep = self.encoder(seg)
        latent = F.interpolate(
            x_deep, size=self.global_decoder.compute_latent_size(seg),
            mode='nearest')
        global_img = self.global_decoder.decode(latent, seg)
        out = dict(global_img=global_img)
        if not self.use_local:
            out['fake_img'] = global_img
            return out

        masks = self.class_masks(seg)
        local = self.local_generator(x_encode, masks)
        out.update(local_img=local['local_img'],
                   class_images=local['class_images'], class_masks=masks)
        if self.use_classifier:
            kc = self.num_classified
            pooled = semantic_guided_pooling(local['feature'], masks[:, :kc])
            out['class_logits'] = self.classifier(pooled)
            # the void-class indicator H of Eq. 5, per sample
            out['class_valid'] = masks[:, :kc].flatten(2).sum(-1) > 0
        if self.use_weight_map:
            weights = torch.softmax(self.weight_map_generator(x_encode), 1)
            out['weight_map'] = weights
            out['fake_img'] = weights[:, :1] * local['local_img'] + \
                weights[:, 1:] * global_img
        else:
            out['fake_img'] = (global_img + local['local_img']) * 0.5
        return out
