"""Frozen torchvision VGG feature extractors for perceptual losses.

Weights load exactly as a user with internet gets them (torchvision's
ImageNet weight enums, cached by torch.hub), or from a local file with
``pretrained='path/to/vgg19.pth'`` (a torchvision ``state_dict``, or just
its ``features.*`` part). ``pretrained=None`` builds random weights (tests).
The network is frozen, kept in eval mode and fp32, and holds no trainable
parameter, so DDP never wraps it.
"""
import os.path as osp
from typing import Dict, Sequence, Union

import torch
import torch.nn as nn

from .weights_error import PretrainedWeightsError

# torchvision `features` indices of the ReLU after each named conv.
VGG19_LAYERS = {
    'relu1_1': 1, 'relu1_2': 3, 'relu2_1': 6, 'relu2_2': 8, 'relu3_1': 11,
    'relu3_2': 13, 'relu3_3': 15, 'relu3_4': 17, 'relu4_1': 20,
    'relu4_2': 22, 'relu4_3': 24, 'relu4_4': 26, 'relu5_1': 29,
    'relu5_2': 31, 'relu5_3': 33, 'relu5_4': 35, 'pool3': 18, 'pool4': 27,
    'pool5': 36
}
VGG16_LAYERS = {
    'relu1_1': 1, 'relu1_2': 3, 'relu2_1': 6, 'relu2_2': 8, 'relu3_1': 11,
    'relu3_2': 13, 'relu3_3': 15, 'pool3': 16, 'relu4_1': 18, 'relu4_2': 20,
    'relu4_3': 22, 'pool4': 23, 'relu5_1': 25, 'relu5_2': 27,
    'relu5_3': 29, 'pool5': 30
}
# Conv outputs before their ReLU (Lab2Pix's consistency loss uses conv_x_2).
for _table in (VGG19_LAYERS, VGG16_LAYERS):
    _table.update({
        'conv' + k[4:]: v - 1
        for k, v in list(_table.items()) if k.startswith('relu')
    })

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# The original (Simonyan & Zisserman / MatConvNet) VGG weights take RGB in
# [0, 255] minus this mean, no scaling (CRN's ``build_vgg19``).
CAFFE_RGB_MEAN = (123.68, 116.779, 103.939)
INPUT_RANGES = ('[-1,1]', 'imagenet', 'caffe')


def _vgg_features(arch: str) -> nn.Sequential:
    """The convolutional part of torchvision's VGG, without the 120M-param
    classifier (never used for features, and slow to initialise)."""
    from torchvision.models import vgg
    return vgg.make_layers(vgg.cfgs[{'vgg16': 'D', 'vgg19': 'E'}[arch]],
                           batch_norm=False)


def _load_features(features: nn.Sequential, state: dict, arch: str,
                   source: str) -> None:
    state = state.get('state_dict', state)
    if any(k.startswith('features.') for k in state):
        state = {k[len('features.'):]: v for k, v in state.items()
                 if k.startswith('features.')}
    try:
        missing, _ = features.load_state_dict(state, strict=False)
    except RuntimeError as err:  # shape mismatch: another architecture
        raise KeyError(f'{source!r} does not fit torchvision {arch}: {err}'
                       ) from err
    if missing:
        raise KeyError(f'{source!r} is not a torchvision {arch} checkpoint: '
                       f'missing features.{missing[0]} (and '
                       f'{len(missing) - 1} more).')


def _build_features(arch: str, pretrained: Union[str, bool, None]
                    ) -> nn.Sequential:
    features = _vgg_features(arch)
    if pretrained is True or pretrained == 'torchvision':
        import torchvision
        weights = {'vgg16': torchvision.models.VGG16_Weights.IMAGENET1K_V1,
                   'vgg19': torchvision.models.VGG19_Weights.IMAGENET1K_V1
                   }[arch]
        try:
            # weights_only: torchvision forwards to torch.hub, whose default
            # unpickles anything on torch 2.4/2.5.
            state = weights.get_state_dict(progress=False, weights_only=True)
        except Exception as err:  # no network, blocked hub, ...
            # The key that fixes it depends on where this VGG sits (a loss,
            # a discriminator branch): the owners add it (weights_error.py).
            raise PretrainedWeightsError(
                f'torchvision {arch} ImageNet weights {weights.url}',
                str(err), 'pretrained', f'/path/to/{arch}.pth') from err
        _load_features(features, state, arch, weights.url)
    elif isinstance(pretrained, str):
        if not osp.isfile(pretrained):
            raise FileNotFoundError(
                f'VGG weights file {pretrained!r} does not exist. Give the '
                'path of a torchvision state_dict, or pretrained=True to '
                'download the standard ImageNet weights.')
        state = torch.load(pretrained, map_location='cpu', weights_only=True)
        _load_features(features, state, arch, pretrained)
    elif pretrained not in (None, False):
        raise ValueError(f'pretrained must be True, a file path or None, '
                         f'got {pretrained!r}')
    return features


class VGGFeatureExtractor(nn.Module):
    """Outputs the named VGG activations for an image batch.

    Args:
        arch: 'vgg19' or 'vgg16'.
        layers: activation names (``relu3_1``, ``conv4_2``, ``pool5``, ...).
        pretrained: True / 'torchvision' (standard ImageNet weights), a local
            file, or None (random; tests only).
        input_range: '[-1,1]' feeds images as they are -- what pix2pixHD,
            SPADE and LGGAN do; 'imagenet' maps [-1, 1] to ImageNet
            normalisation first (Lab2Pix-V2's discriminator branch);
            'caffe' maps [-1, 1] to RGB [0, 255] minus ``CAFFE_RGB_MEAN``,
            the input of the original VGG weights (CRN's ``build_vgg19``).
        pooling: 'max' (torchvision's VGG) or 'avg': every max pool becomes a
            2x2 average pool, as CRN's official VGG-19 (``tf.nn.avg_pool``,
            SAME padding) -- the weights are the same.
    """

    def __init__(self, arch: str = 'vgg19',
                 layers: Sequence[str] = ('relu1_1', 'relu2_1', 'relu3_1',
                                          'relu4_1', 'relu5_1'),
                 pretrained: Union[str, bool, None] = True,
                 input_range: str = '[-1,1]',
                 pooling: str = 'max'):
        super().__init__()
        table = {'vgg19': VGG19_LAYERS, 'vgg16': VGG16_LAYERS}[arch]
        unknown = [l for l in layers if l not in table]
        if unknown:
            raise ValueError(f'Unknown {arch} layers {unknown}; known: '
                             f'{sorted(table)}')
        if input_range not in INPUT_RANGES:
            raise ValueError(f'input_range must be one of {INPUT_RANGES}, '
                             f'got {input_range!r}')
        if pooling not in ('max', 'avg'):
            raise ValueError(f"pooling must be 'max' or 'avg', got "
                             f'{pooling!r}')
        self.layers = tuple(layers)
        self.indices = {l: table[l] for l in layers}
        last = max(self.indices.values())
        self.features = _build_features(arch, pretrained)[:last + 1]
        for layer in self.features:
            # torchvision's ReLUs work in place: they would overwrite a
            # requested conv (pre-ReLU) output, e.g. conv1_2, with its ReLU.
            if isinstance(layer, nn.ReLU):
                layer.inplace = False
        if pooling == 'avg':
            for i, layer in enumerate(self.features):
                if isinstance(layer, nn.MaxPool2d):
                    # ceil_mode + edge windows averaged over their valid
                    # pixels = TF's SAME avg_pool on odd sizes too.
                    self.features[i] = nn.AvgPool2d(
                        2, 2, ceil_mode=True, count_include_pad=False)
        self.input_range = input_range
        self.register_buffer('mean', torch.tensor(IMAGENET_MEAN).view(
            1, 3, 1, 1), persistent=False)
        self.register_buffer('std', torch.tensor(IMAGENET_STD).view(
            1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True):
        # Always eval: a frozen feature extractor never switches mode.
        return super().train(False)

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        x = x.float()
        if self.input_range == 'imagenet':
            x = ((x + 1) / 2 - self.mean) / self.std
        elif self.input_range == 'caffe':
            x = (x + 1) * 127.5 - x.new_tensor(CAFFE_RGB_MEAN).view(
                1, 3, 1, 1)
        wanted = {v: k for k, v in self.indices.items()}
        out = {}
        with torch.autocast(device_type=x.device.type, enabled=False):
            for i, layer in enumerate(self.features):
                x = layer(x)
                if i in wanted:
                    out[wanted[i]] = x
        return out
