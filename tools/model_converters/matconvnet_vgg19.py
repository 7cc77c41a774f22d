"""Convert MatConvNet's VGG-19 (``imagenet-vgg-verydeep-19.mat``) into a
torchvision VGG-19 ``state_dict`` (``features.*``).

CRN's official code (CQFIO/PhotographicImageSynthesis, ``build_vgg19``)
computes its content loss with these original Oxford weights, fed RGB in
[0, 255] minus the ImageNet mean. To use the same weights here::

    python tools/model_converters/matconvnet_vgg19.py \\
        imagenet-vgg-verydeep-19.mat --out vgg19_matconvnet.pth
    python tools/train.py configs/crn/crn_256p_cityscapes.py --cfg-options \\
        model.losses.content.pretrained=vgg19_matconvnet.pth \\
        model.losses.content.input_range=caffe

The file is the one the official README downloads
(http://www.vlfeat.org/matconvnet/models/imagenet-vgg-verydeep-19.mat).
Each conv layer stores its kernel as (kh, kw, in, out) -- the layout
``tf.nn.conv2d`` takes, a cross-correlation like ``torch.nn.Conv2d`` -- so
the kernel is only transposed to (out, in, kh, kw). The first 16 conv layers
are the 16 convs of torchvision's ``features``; the fully connected layers
(stored as convs) are not needed for features and are skipped. The output
is written atomically (a temporary file, then a rename).
"""
import argparse
import os
import os.path as osp
from typing import TYPE_CHECKING, Dict, List, Tuple

import numpy as np

if TYPE_CHECKING:
    import torch


def _unwrap(value):
    """MATLAB cells and structs load as nested 1x1 arrays: peel them."""
    while isinstance(value, np.ndarray) and value.size == 1:
        value = value.ravel()[0]
    return value


def read_matconvnet_convs(path: str) -> List[Tuple[str, np.ndarray,
                                                   np.ndarray]]:
    """(name, kernel (kh, kw, in, out), bias (out,)) of every conv layer of
    a MatConvNet ``simplenn`` model file, in network order.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file holds no MatConvNet ``layers`` list.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'MatConvNet model file not found: {path!r}')
    from scipy.io import loadmat
    mat = loadmat(path)
    if 'layers' not in mat:
        raise ValueError(
            f'{path!r} has no "layers" entry, so it is not a MatConvNet '
            'simplenn model (expected imagenet-vgg-verydeep-19.mat).')
    convs = []
    for entry in np.asarray(mat['layers']).ravel():
        layer = _unwrap(entry)
        names = getattr(getattr(layer, 'dtype', None), 'names', None) or ()
        if 'type' not in names or str(_unwrap(layer['type'])) != 'conv':
            continue
        weights = np.asarray(layer['weights']).ravel()
        if weights.dtype == object and weights.size == 1:
            weights = np.asarray(weights[0]).ravel()
        kernel, bias = np.asarray(weights[0]), np.asarray(weights[1])
        name = str(_unwrap(layer['name'])) if 'name' in names else \
            f'conv{len(convs)}'
        if kernel.ndim == 3:  # MATLAB drops a trailing singleton dim
            kernel = kernel[..., None]
        convs.append((name, kernel, bias.ravel()))
    return convs


def convert(path: str, arch: str = 'vgg19') -> Dict[str, 'torch.Tensor']:
    """The torchvision ``features.*`` state dict of the MatConvNet file.

    Raises:
        ValueError: too few conv layers, or a kernel whose shape does not fit
            torchvision's VGG (another network's file).
    """
    import torch
    from torchvision.models import vgg
    features = vgg.make_layers(vgg.cfgs[{'vgg16': 'D', 'vgg19': 'E'}[arch]])
    targets = [(i, m) for i, m in enumerate(features)
               if isinstance(m, torch.nn.Conv2d)]
    convs = read_matconvnet_convs(path)
    if len(convs) < len(targets):
        raise ValueError(f'{path!r} has {len(convs)} conv layers; '
                         f'{arch} needs {len(targets)}.')
    state = {}
    for (index, module), (name, kernel, bias) in zip(targets, convs):
        weight = torch.from_numpy(
            np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))).float()
        if weight.shape != module.weight.shape or \
                bias.shape != tuple(module.bias.shape):
            raise ValueError(
                f'{path!r} layer {name!r}: kernel {kernel.shape} / bias '
                f'{bias.shape} does not fit {arch} features.{index} '
                f'{tuple(module.weight.shape)}; is this a VGG-19 file?')
        state[f'features.{index}.weight'] = weight
        state[f'features.{index}.bias'] = torch.from_numpy(
            bias.astype(np.float32))
    return state


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(
        description='MatConvNet VGG-19 .mat -> torchvision state_dict')
    parser.add_argument('mat', help='imagenet-vgg-verydeep-19.mat')
    parser.add_argument('--out', required=True, help='output .pth file')
    parser.add_argument('--arch', default='vgg19', choices=['vgg16',
                                                            'vgg19'],
                        help='the torchvision VGG to fill (default vgg19)')
    args = parser.parse_args(argv)
    import torch  # after parsing: --help stays fast
    state = convert(args.mat, args.arch)
    folder = osp.dirname(osp.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    tmp = f'{args.out}.{os.getpid()}.tmp'
    torch.save(state, tmp)
    os.replace(tmp, args.out)
    print(f'wrote {len(state) // 2} conv layers to {args.out}')
    return args.out


if __name__ == '__main__':
    main()
