"""Hierarchical perceptual discriminator (Lab2Pix, Sec. 3.3, Eq. 10-14).

One discriminator judges an image at ``num_levels`` hierarchy levels. A
three-conv stem (stride 8) is fused, at each level, with frozen VGG16
features of the image (pool3, pool4, pool5: the perceptual branch) by a
3x3 conv ("gcb"); each level ends in a 5x5 conv predicting real/fake, and a
mini-inception block (stride 2) carries the fused feature to the next level.

Two variants, as the two official codes:

* Lab2Pix-V1 (unconditional, image only): convs with bias + InstanceNorm,
  the stem's first conv normalised too, the VGG features only normalised
  (``pre_conv=False``), the level head is norm + act + conv5
  (``out_conv=False``), VGG on the raw [-1, 1] image.
* Lab2Pix-V2 (label-conditioned, input = concat(label, image)): spectral-norm
  convs without bias + InstanceNorm, a plain first conv, a conv on the VGG
  features (``pre_conv=True``), the head is conv + act + conv5
  (``out_conv=True``), VGG on the ImageNet-normalised image.

The output is a feature list (every intermediate map, for feature matching)
whose last entry is the list of level predictions, finest first, at their
own sizes (logits: BCE-with-logits replaces the official sigmoid + BCE of V1).

The perceptual branch is frozen (no trainable weights, always in eval mode,
no BatchNorm or dropout): its features of an image depend on that image
only. So features computed once -- ``perceptual_features`` of the real
batch, which needs no gradient -- can stand in for the branch's pass over
those rows in every later D call of a training step (``forward``'s
``perceptual_tail``; issue 14). The trainable layers still see the whole
batch.
"""
import functools
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmsemsyn.models.discriminators.multiscale import run_on_pyramid
from mmsemsyn.models.layers.mini_inception import MiniInceptionBlock
from mmsemsyn.models.layers.norm import build_norm_layer
from mmsemsyn.models.layers.option_names import (
    reject_renamed,
    renamed_options,
)
from mmsemsyn.models.layers.spectral_norm import settle_spectral_norm
from mmsemsyn.models.layers.spectral_norm import spectral_norm as sn_conv
from mmsemsyn.models.layers.weight_init import (
    BaseNetwork,
    normal_conv_init,
    xavier_init_weights,
)
from mmsemsyn.models.pretrained.vgg import VGGFeatureExtractor
from mmsemsyn.models.pretrained.weights_error import (
    locate_pretrained,
    owner_argument,
)
from mmsemsyn.registry import MODELS

VGG16_POOL_LAYERS = ('pool3', 'pool4', 'pool5')  # level 1, 2, 3
VGG16_POOL_CHANNELS = (256, 512, 512)  # pool3, pool4, pool5
ALLOW_RANDOM_KEY = 'model.discriminator.allow_random_perceptual_branch'


class RandomPerceptualBranchError(ValueError):
    """Training was asked of a Lab2Pix discriminator whose VGG-16 branch
    has random weights (see :class:`HierarchicalPerceptualDiscriminators`).
    """


@MODELS.register_module()
@renamed_options(base_channels='ndf')
class HierarchicalPerceptualDiscriminator(BaseNetwork):
    """Args:
        in_channels: input channels (3 for V1; semantic_nc + 3 for V2).
        num_levels: hierarchy levels (1..3): D1/D2/D3 of the paper have
            1/2/3 (Eq. 10-12).
        ndf: base width of the stem (64): widths ndf, 2ndf, 4ndf.
        feat_channels: width of the fused level features (512).
        norm: 'IN' (both official codes), 'BN' or 'none'.
        spectral_norm: spectral norm on the normalised convs (V2).
        first_norm: normalise the stem's first conv (V1).
        pre_conv: conv on the VGG features before fusion (V2).
        out_conv: conv before the level's 5x5 prediction conv (V2); else
            norm + act (V1).
        vgg_pretrained: torchvision VGG16 weights (True), a local file, or
            None (random, tests).
        vgg_input_range: '[-1,1]' (V1) or 'imagenet' (V2).
        image_channels: the image is the last ``image_channels`` channels.
        init_type: 'xavier' (V2: SPADE's ``init_weights('xavier', 0.02)``),
            'normal' (V1: conv weights N(0, 0.02)) or None; the frozen VGG
            branch keeps its weights (the official V1 ``weights_init`` also
            overwrites the VGG convs with N(0, 0.02): not reproduced).
        init_gain: gain of that init.
    """

    def __init__(self,
                 in_channels: int,
                 num_levels: int = 3,
                 ndf: int = 64,
                 feat_channels: int = 512,
                 norm: str = 'IN',
                 spectral_norm: bool = True,
                 first_norm: bool = False,
                 pre_conv: bool = True,
                 out_conv: bool = True,
                 vgg_pretrained: Union[str, bool, None] = True,
                 vgg_input_range: str = 'imagenet',
                 image_channels: int = 3,
                 init_type: Optional[str] = 'xavier',
                 init_gain: float = 0.02):
        super().__init__()
        if init_type not in ('xavier', 'normal', None):
            raise ValueError(f"init_type must be 'xavier', 'normal' or None, "
                             f'got {init_type!r}')
        self.init_type = init_type
        self.init_gain = init_gain
        if not 1 <= num_levels <= 3:
            raise ValueError(f'num_levels must be 1, 2 or 3 (VGG16 pool3..'
                             f'pool5), got {num_levels}')
        self.num_levels = num_levels
        self.image_channels = image_channels
        self.norm = norm
        self.spectral_norm = spectral_norm
        # Missing weights are named as this D's vgg_pretrained.
        with owner_argument('vgg_pretrained'):
            self.vgg = VGGFeatureExtractor(
                'vgg16', VGG16_POOL_LAYERS[:num_levels],
                pretrained=vgg_pretrained, input_range=vgg_input_range)
        # Random weights until a checkpoint brings real ones: the wrapper
        # refuses to train on them (issue 12, configs/lab2pix/README.md).
        self.random_perceptual_branch = vgg_pretrained in (None, False)
        self._register_load_state_dict_pre_hook(self._note_loaded_vgg)

        first = [nn.Conv2d(in_channels, ndf, 3, 2, 1)]
        if first_norm:
            first.append(build_norm_layer(norm, ndf))
        first.append(nn.LeakyReLU(0.2))
        self.common = nn.ModuleList([
            nn.Sequential(*first),
            self.conv_block(ndf, ndf * 2, 3, 2, 1),
            self.conv_block(ndf * 2, ndf * 4, 3, 2, 1)
        ])
        self.pre = nn.ModuleList()
        self.gcb = nn.ModuleList()
        self.line = nn.ModuleList()
        self.out = nn.ModuleList()
        for i in range(num_levels):
            vgg_ch = VGG16_POOL_CHANNELS[i]
            self.pre.append(
                self.conv_block(vgg_ch, vgg_ch, 3, 1, 1) if pre_conv else
                nn.Sequential(build_norm_layer(norm, vgg_ch),
                              nn.LeakyReLU(0.2)))
            main_ch = ndf * 4 if i == 0 else feat_channels
            self.gcb.append(
                self.conv_block(main_ch + vgg_ch, feat_channels, 3, 1, 1))
            if i < num_levels - 1:
                self.line.append(
                    MiniInceptionBlock(feat_channels, feat_channels, 2,
                                       self.conv_block))
            head = [self.conv_block(feat_channels, feat_channels, 3, 1, 1)
                    ] if out_conv else [
                        build_norm_layer(norm, feat_channels),
                        nn.LeakyReLU(0.2)
                    ]
            head.append(nn.Conv2d(feat_channels, 1, 5, 1, 2))
            self.out.append(nn.Sequential(*head))
        self.finish_init()

    def init_weights(self) -> None:
        """``init_type`` with ``init_gain`` on every part but the frozen VGG
        branch: 'xavier' = :func:`xavier_init_weights`, 'normal' =
        :func:`normal_conv_init`, None = PyTorch's defaults."""
        if self.init_type is None:
            settle_spectral_norm(self)
            return
        for name, child in self.named_children():
            if name == 'vgg':
                continue
            if self.init_type == 'xavier':
                xavier_init_weights(child, self.init_gain)
            else:
                normal_conv_init(child, self.init_gain)
        # valid sigma estimates in eval mode before any training forward
        settle_spectral_norm(self)

    def conv_block(self, cin: int, cout: int, kernel_size: int, stride: int,
                   padding: int) -> nn.Module:
        """conv + norm + LeakyReLU(0.2); with spectral norm the conv has no
        bias (the norm removes it anyway), as the official
        ``spectralinstance`` layers; without, it keeps its bias (V1)."""
        conv = nn.Conv2d(cin, cout, kernel_size, stride, padding,
                         bias=not self.spectral_norm)
        if self.spectral_norm:
            conv = sn_conv(conv)
        return nn.Sequential(conv, build_norm_layer(self.norm, cout),
                             nn.LeakyReLU(0.2))

    def train(self, mode: bool = True):
        super().train(mode)
        self.vgg.train(False)  # frozen branch stays in eval mode
        return self

    def _note_loaded_vgg(self, state_dict, prefix, *args) -> None:
        """A state dict that holds this branch's weights (a checkpoint, a
        converted official D) makes it no longer random."""
        if any(k.startswith(prefix + 'vgg.') for k in state_dict):
            self.random_perceptual_branch = False

    def perceptual_features(self, image: torch.Tensor) -> List[torch.Tensor]:
        """The frozen VGG-16 branch's features of ``image``.

        Args:
            image: (B, 3, H, W) in [-1, 1] (the image channels of D's input).
        Returns:
            ``num_levels`` tensors, pool3 (B, 256, H/8, W/8), pool4
            (B, 512, H/16, W/16), pool5 (B, 512, H/32, W/32), float32; with
            a graph when ``image`` requires grad (the branch's weights never
            do).
        """
        feats = self.vgg(image)
        return [feats[k] for k in VGG16_POOL_LAYERS[:self.num_levels]]

    def _branch_features(self, image: torch.Tensor,
                         tail: Optional[Sequence[torch.Tensor]]
                         ) -> List[torch.Tensor]:
        """The branch's features of the whole batch ``image`` (B, 3, H, W):
        computed here for the first ``B - N`` rows and taken from ``tail``
        (``perceptual_features`` of the last ``N`` rows) for the rest."""
        if tail is None:
            return self.perceptual_features(image)
        tail = list(tail)
        if len(tail) != self.num_levels:
            raise ValueError(
                f'perceptual_tail holds {len(tail)} levels, this '
                f'discriminator has {self.num_levels}: give the list that '
                'its perceptual_features() returned.')
        n_tail = tail[0].shape[0]
        n_head = image.shape[0] - n_tail
        if n_head < 0 or any(t.shape[0] != n_tail for t in tail):
            raise ValueError(
                'perceptual_tail must hold features of the last N rows of '
                f'the batch ({image.shape[0]} rows); got batch sizes '
                f'{[t.shape[0] for t in tail]}.')
        if n_head == 0:
            return tail
        head = self.perceptual_features(image[:n_head])
        for level, (h, t) in enumerate(zip(head, tail)):
            if h.shape[1:] != t.shape[1:]:
                raise ValueError(
                    f'perceptual_tail level {level} has shape '
                    f'{tuple(t.shape)}, the branch gives '
                    f'{tuple(h.shape)} for this input: the features must '
                    'come from the same image size (and pyramid scale).')
        return [torch.cat([h, t], 0) for h, t in zip(head, tail)]

    def forward(self, x: torch.Tensor,
                perceptual_tail: Optional[Sequence[torch.Tensor]] = None
                ) -> List:
        """Returns ``[stem_1, stem_2, stem_3, gcb_1, line_1, gcb_2, ...,
        gcb_L, [pred_1, ..., pred_L]]`` (Eq. 13: level l predicts at stride
        ``8 * 2**(l-1)``).

        Args:
            x: (B, C, H, W), the image in the last ``image_channels``.
            perceptual_tail: optional :meth:`perceptual_features` of the
                image of the last N rows of ``x`` (N <= B), computed
                earlier (e.g. the real half of a joint [fake; real] batch,
                once per training step): the branch then runs on the first
                B - N rows only. The output equals that without it up to
                the backend's float rounding (bit-identical where its
                convolutions do not depend on the batch size).

        Raises:
            ValueError: ``perceptual_tail`` has another number of levels,
                more rows than ``x`` or other feature shapes.
        """
        feats = []
        h = x
        for layer in self.common:
            h = layer(h)
            feats.append(h)
        vgg_feats = self._branch_features(x[:, -self.image_channels:],
                                          perceptual_tail)
        preds = []
        for i in range(self.num_levels):
            fused = self.gcb[i](torch.cat([h, self.pre[i](vgg_feats[i])], 1))
            feats.append(fused)
            preds.append(self.out[i](fused))
            if i < self.num_levels - 1:
                h = self.line[i](fused)
                feats.append(h)
        feats.append(preds)
        return feats


@MODELS.register_module()
class HierarchicalPerceptualDiscriminators(BaseModule):
    """The independent discriminators of Lab2Pix, one per image scale.

    Scale ``i`` (finest first) gets a
    :class:`HierarchicalPerceptualDiscriminator` with ``num_levels[i]``
    levels: V1 uses (3, 2, 1) on the generator's three outputs, V2 (3, 2)
    on an average-pooled pyramid of its one output.

    ``forward`` takes either a list of inputs, one per scale (V1), or one
    tensor that is average-pooled (3, stride 2, pad 1, count_include_pad
    False, as the SPADE multi-scale D that V2 inherits) for each coarser
    scale. Returns the list of each scale's feature list.

    Training (``train()``, which mmengine's loops call) refuses a scale whose
    VGG-16 branch has random weights (``vgg_pretrained=None`` and no
    checkpoint with the branch loaded since) unless
    ``allow_random_perceptual_branch=True``: with the layers' random init
    the branch's pool4/pool5 features hardly depend on the image, and a
    generator trained against it learns label-independent horizontal bands
    (``configs/lab2pix/README.md``, "Stripes"); with other random inits the
    discriminator overpowers the generator. Building, loading, converting
    and inference never refuse. The flag is for tests and CPU demos.

    ``pass_levels=False`` builds ``len(num_levels)`` copies of any other
    discriminator with ``in_channels`` and ``ndf`` only (e.g. PatchGAN for
    the ablation rows without HPD; give it ``return_features=True``).

    Args:
        in_channels: input channels of every scale (3 for V1; label + 3 for
            V2).
        ndf: base width of every scale (``model.discriminator.ndf``).
        num_levels: hierarchy levels of each scale, finest scale first.
        discriminator: type and other options of one scale's D.
        pass_levels: give each scale its ``num_levels`` entry.

    Raises:
        TypeError: ``discriminator`` sets ``in_channels`` / ``ndf`` (give them
            as ``model.discriminator.<option>``) or ``base_channels``.
    """

    def __init__(self, in_channels: Optional[int] = None, ndf: int = 64,
                 num_levels: Sequence[int] = (3, 2),
                 discriminator: Optional[dict] = None,
                 pass_levels: bool = True,
                 allow_random_perceptual_branch: bool = False):
        super().__init__()
        self.allow_random_perceptual_branch = allow_random_perceptual_branch
        discriminator = dict(discriminator or dict(
            type='HierarchicalPerceptualDiscriminator'))
        reject_renamed(
            type(self).__name__, discriminator,
            dict(in_channels='model.discriminator.in_channels',
                 ndf='model.discriminator.ndf',
                 base_channels='model.discriminator.ndf'),
            where=' (its per-scale discriminator dict)')
        if in_channels is None:
            raise TypeError(f'{type(self).__name__} needs in_channels '
                            '(model.discriminator.in_channels).')
        discriminator.update(in_channels=in_channels, ndf=ndf)
        self.num_levels = tuple(num_levels)
        # Missing VGG weights are named as discriminator.vgg_pretrained.
        with locate_pretrained('discriminator'):
            self.discriminators = nn.ModuleList(
                MODELS.build(dict(discriminator, num_levels=n)
                             if pass_levels else dict(discriminator))
                for n in self.num_levels)

    def __len__(self) -> int:
        return len(self.discriminators)

    def train(self, mode: bool = True):
        """Raises:
            RandomPerceptualBranchError: ``mode`` is True and a scale's VGG-16
                branch has random weights, unless
                ``allow_random_perceptual_branch``.
        """
        if mode and not self.allow_random_perceptual_branch:
            random = [
                i for i, d in enumerate(self.discriminators)
                if getattr(d, 'random_perceptual_branch', False)
            ]
            if random:
                raise RandomPerceptualBranchError(
                    f'The VGG-16 perceptual branch of discriminator scale(s) '
                    f'{random} has random weights '
                    '(model.discriminator.discriminator.vgg_pretrained=None):'
                    ' Lab2Pix does not train on it (its generator learns '
                    'horizontal bands; configs/lab2pix/README.md, '
                    '"Stripes"). Give the ImageNet weights (vgg_pretrained='
                    'True, or the path of a torchvision vgg16 file), load a '
                    f'checkpoint that holds them, or set {ALLOW_RANDOM_KEY}'
                    '=True to train on random weights anyway (tests, CPU '
                    'demos).')
        return super().train(mode)

    @property
    def has_perceptual_branch(self) -> bool:
        """Every scale is a :class:`HierarchicalPerceptualDiscriminator`
        (not so for ``pass_levels=False`` with another D): only then do
        :meth:`perceptual_features` and ``perceptual_tail`` apply."""
        return all(isinstance(d, HierarchicalPerceptualDiscriminator)
                   for d in self.discriminators)

    def perceptual_features(self, image: Union[torch.Tensor,
                                               Sequence[torch.Tensor]]
                            ) -> List[List[torch.Tensor]]:
        """Each scale's frozen-branch features of an image that needs no
        gradient (the real batch), for ``forward``'s ``perceptual_tail``.

        Args:
            image: (B, 3, H, W) in [-1, 1], average-pooled for the coarser
                scales exactly as :meth:`forward` pools its input, or a list
                with one image per scale (V1's pyramids).
        Returns:
            Per scale, finest first, that scale's
            :meth:`HierarchicalPerceptualDiscriminator.perceptual_features`,
            computed without a graph.

        Raises:
            ValueError: ``image`` requires grad (its gradient through the
                branch would be lost: judge it without ``perceptual_tail``)
                or the list has another length than the scales.
            TypeError: a scale has no perceptual branch.
        """
        images = image if isinstance(image, (list, tuple)) else [image]
        if any(img.requires_grad for img in images):
            raise ValueError(
                'perceptual_features() computes without a graph, but the '
                'image requires grad: pass it through forward() without '
                'perceptual_tail instead.')
        if not self.has_perceptual_branch:
            raise TypeError(
                'perceptual_features() needs a perceptual branch in every '
                'scale; these are '
                f'{[type(d).__name__ for d in self.discriminators]}.')
        branches = [d.perceptual_features for d in self.discriminators]
        with torch.no_grad():
            if isinstance(image, (list, tuple)):
                self._check_scales(image, 'images')
                return [f(img) for f, img in zip(branches, image)]
            return run_on_pyramid(branches, image)

    def _check_scales(self, items: Sequence, what: str) -> None:
        if len(items) != len(self.discriminators):
            raise ValueError(f'Got {len(items)} scale {what} for '
                             f'{len(self)} discriminators.')

    def forward(self, x: Union[torch.Tensor, Sequence[torch.Tensor]],
                perceptual_tail: Optional[Sequence] = None) -> List[List]:
        """Args:
            x: one (B, C, H, W) input, average-pooled for each coarser
                scale, or a list of inputs, one per scale.
            perceptual_tail: optional :meth:`perceptual_features` of the
                images of the last N rows of ``x`` (per scale; see
                :meth:`HierarchicalPerceptualDiscriminator.forward`).
        """
        scales = self.discriminators
        if perceptual_tail is not None:
            self._check_scales(perceptual_tail, 'perceptual_tail entries')
            scales = [functools.partial(d, perceptual_tail=t)
                      for d, t in zip(self.discriminators, perceptual_tail)]
        if isinstance(x, (list, tuple)):
            self._check_scales(x, 'inputs')
            return [d(xi) for d, xi in zip(scales, x)]
        return run_on_pyramid(scales, x)
