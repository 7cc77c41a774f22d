"""The ``lpips`` package's LPIPS network with offline weight options.

The linear calibration layers ship inside the ``lpips`` package; only the
backbone (torchvision AlexNet/VGG16 ImageNet weights) is downloaded, which
``backbone_path`` replaces with a local torchvision ``state_dict``.
"""
import os.path as osp
from typing import Optional

import torch
import torch.nn as nn

from .weights_error import PretrainedWeightsError


def build_lpips(net: str = 'alex', backbone_path: Optional[str] = None,
                allow_random: bool = False) -> nn.Module:
    """A frozen ``lpips.LPIPS`` (version 0.1, calibrated linear layers).

    Args:
        net: 'alex' (the diversity protocol of DivCo / SMIS / DAGAN) or
            'vgg'.
        backbone_path: local torchvision ``alexnet``/``vgg16`` state dict;
            None downloads the torchvision ImageNet weights.
        allow_random: random backbone instead of downloading (tests only).
    """
    import lpips
    if net not in ('alex', 'vgg'):
        raise ValueError(f"LPIPS net must be 'alex' or 'vgg', got {net!r}")
    if backbone_path is not None and not osp.isfile(backbone_path):
        raise FileNotFoundError(
            f'LPIPS backbone weights {backbone_path!r} do not exist; give a '
            f'torchvision {"alexnet" if net == "alex" else "vgg16"} '
            'state_dict file.')
    random_trunk = backbone_path is not None or allow_random
    try:
        model = lpips.LPIPS(net=net, version='0.1', pnet_rand=random_trunk,
                            verbose=False)
    except Exception as err:  # torchvision download failed
        # tools/train.py / test.py name the metric's key in the config.
        raise PretrainedWeightsError(
            f'torchvision {net} ImageNet weights for LPIPS', str(err),
            'backbone_path',
            '/path/to/' + ('alexnet' if net == 'alex' else 'vgg16') + '.pth'
        ) from err
    if backbone_path is not None:
        state = torch.load(backbone_path, map_location='cpu',
                           weights_only=True)
        state = state.get('state_dict', state)
        # lpips keeps torchvision's `features[i]` modules as `sliceN.i`.
        for name, param in model.net.named_parameters():
            index_and_kind = name.split('.', 1)[1]
            key = f'features.{index_and_kind}'
            if key not in state:
                raise KeyError(f'{backbone_path!r} has no {key!r}: not a '
                               f'torchvision {net} state_dict.')
            param.data.copy_(state[key])
    model.requires_grad_(False)
    model.eval()
    return model
