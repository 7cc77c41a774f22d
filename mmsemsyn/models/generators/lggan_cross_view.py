"""LGGAN generator for cross-view image translation (Tang et al., CVPR 2020,
Sec. 3; official ``cross_view_translation/models/networks.py``,
``ResnetGenerator_local``).

One shared encoder (Sec. 3.1, "parameter-sharing encoder") feeds three
decoders that read like Fig. 2:

- **local** class-specific generation (Eq. 1-3): the 64-channel full-size
  feature ``f'`` is multiplied by each class mask ``M_i`` and turned into
  an image by that class's own 7x7 conv + tanh; the class images are
  **summed** (Eq. 3, the variant the cross-view code uses);
- **global** image-level generation: 7x7 conv + tanh;
- **fusion weights** (Eq. 6): 1x1 conv -> 2 channels, softmax;
  final image = W_l * local + W_g * global (Eq. 7).

Faithful to the code, not the paper text, where they differ: the weight-map
branch ends in a plain 1x1 conv (no norm/ReLU) before the softmax, and the
local branch has no classification module (only the semantic-synthesis code
has one).
"""
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.option_names import renamed_options
from mmsemsyn.models.layers.resnet_block import ResnetBlock
from mmsemsyn.models.layers.weight_init import BaseNetwork, normal_init_weights
from mmsemsyn.registry import MODELS


def _upsampler(in_channels: int) -> nn.Sequential:
    """Two ConvT(3, s2) + IN + ReLU, halving channels: 1/4 -> full size."""
    layers = []
    ch = in_channels
    for _ in range(2):
        layers += [
            nn.ConvTranspose2d(ch, ch // 2, 3, 2, padding=1,
                               output_padding=1),
            nn.InstanceNorm2d(ch // 2),
            nn.ReLU(True)
        ]
        ch //= 2
    return nn.Sequential(*layers)


def _to_rgb(in_channels: int, out_channels: int) -> nn.Sequential:
    """Reflect-pad 3, conv7 (the tanh is applied by the caller)."""
    return nn.Sequential(nn.ReflectionPad2d(3),
                         nn.Conv2d(in_channels, out_channels, 7))


@MODELS.register_module()
@renamed_options(num_blocks='n_blocks')
class LGGANCrossViewGenerator(BaseNetwork):
    """Local class-specific + global generator with pixel-level fusion.

    Args:
        in_channels: 6 = concat(conditioning photo, target colour semantic
            map).
        out_channels: 3.
        num_classes: classes with their own local generator (6 label groups
            of Dayton/CVUSA).
        ngf: encoder widths ngf, 2ngf, 4ngf (the official code hard-codes
            64-128-256).
        n_blocks: residual blocks at 1/4 resolution.
        num_unused_class_convs: the official code builds one more class conv
            (``deconv5_7``) than its forward uses; keeping it (default 1)
            keeps the published parameter count (12,191,258) and checkpoint
            layout. Its parameters are frozen: they never get a gradient
            (also not in the official code), and a frozen parameter is not
            an "unused parameter" for DDP.
    """

    def __init__(self,
                 in_channels: int = 6,
                 out_channels: int = 3,
                 num_classes: int = 6,
                 ngf: int = 64,
                 n_blocks: int = 9,
                 num_unused_class_convs: int = 1,
                 init_gain: float = 0.02):
        super().__init__()
        self.num_classes = num_classes
        self.encoder = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ngf, 7),
            nn.InstanceNorm2d(ngf), nn.ReLU(True),
            nn.Conv2d(ngf, ngf * 2, 3, 2, 1),
            nn.InstanceNorm2d(ngf * 2), nn.ReLU(True),
            nn.Conv2d(ngf * 2, ngf * 4, 3, 2, 1),
            nn.InstanceNorm2d(ngf * 4), nn.ReLU(True),
            *[ResnetBlock(ngf * 4) for _ in range(n_blocks)])
        self.local_decoder = _upsampler(ngf * 4)
        self.class_heads = nn.ModuleList(
            _to_rgb(ngf, out_channels) for _ in range(num_classes))
        self.global_decoder = _upsampler(ngf * 4)
        self.global_head = _to_rgb(ngf, out_channels)
        self.attention_decoder = _upsampler(ngf * 4)
        self.attention_head = nn.Conv2d(ngf, 2, 1)
        self.unused_class_heads = nn.ModuleList(
            _to_rgb(ngf, out_channels)
            for _ in range(num_unused_class_convs))
        self.init_gain = init_gain
        self.finish_init()
        self.unused_class_heads.requires_grad_(False)

    def init_weights(self) -> None:
        """The official ``init_weights(net, 'normal', init_gain)``
        (:func:`normal_init_weights`)."""
        normal_init_weights(self, self.init_gain)

    def forward(self, x: torch.Tensor,
                masks: torch.Tensor) -> Dict[str, torch.Tensor]:
        """
        Args:
            x: (B, in_channels, H, W), H and W divisible by 4.
            masks: (B, num_classes, H, W) 0/1 class masks ``M_i`` of the
                target view (a pixel may be in no class).
        Returns:
            dict with ``fake_img`` (Eq. 7), ``local_img`` (Eq. 3),
            ``global_img``, ``class_images`` (B, num_classes, 3, H, W), the
            class images of Eq. 2, and ``weight_map`` (B, 2, H, W): the
            softmaxed (local, global) weights of Eq. 6 (the output field
            names of ``mmsemsyn/structures/outputs.py``).
        """
        if masks.shape[1] != self.num_classes:
            raise ValueError(
                f'LGGANCrossViewGenerator has {self.num_classes} class '
                f'generators but got {masks.shape[1]} masks; set num_classes '
                'to the data preprocessor\'s num_classes.')
        if x.shape[-1] % 4 or x.shape[-2] % 4:
            raise ValueError(f'H and W must be divisible by 4 (two stride-2 '
                             f'levels); got {tuple(x.shape[-2:])}.')
        feat = self.encoder(x)

        local_feat = self.local_decoder(feat)
        class_imgs = torch.stack([
            torch.tanh(head(local_feat * masks[:, i:i + 1]))
            for i, head in enumerate(self.class_heads)
        ], 1)
        fake_local = class_imgs.sum(1)

        fake_global = torch.tanh(self.global_head(self.global_decoder(feat)))

        attention = F.softmax(
            self.attention_head(self.attention_decoder(feat)), dim=1)
        fake = attention[:, 0:1] * fake_local + attention[:, 1:2] * fake_global
        return dict(fake_img=fake, local_img=fake_local,
                    global_img=fake_global, class_images=class_imgs,
                    weight_map=attention)
