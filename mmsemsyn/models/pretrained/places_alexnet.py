"""AlexNet trained on Places365 -- the classifier of the cross-view protocol.

SelectionGAN / X-Fork / LGGAN score cross-view images with the CSAIL
Places365 AlexNet (Zhou et al. 2017): torchvision's ``alexnet`` with 365
outputs. Weights: the CSAIL ``alexnet_places365.pth.tar`` (a state dict,
possibly with DataParallel ``module.`` prefixes), from ``classifier_path``
or downloaded from its standard URL.
"""
import os.path as osp
from typing import Optional

import torch
import torch.nn as nn

from .weights_error import PretrainedWeightsError

PLACES365_ALEXNET_URL = ('http://places2.csail.mit.edu/models_places365/'
                         'alexnet_places365.pth.tar')
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _clean_state(state: dict) -> dict:
    state = state.get('state_dict', state)
    return {k.replace('module.', ''): v for k, v in state.items()}


def build_places365_alexnet(classifier_path: Optional[str] = None,
                            allow_random: bool = False) -> nn.Module:
    import torchvision
    net = torchvision.models.alexnet(weights=None, num_classes=365)
    if classifier_path is not None:
        if not osp.isfile(classifier_path):
            raise FileNotFoundError(
                f'Places365 AlexNet weights {classifier_path!r} do not '
                f'exist. Download {PLACES365_ALEXNET_URL} and pass its path '
                'as classifier_path.')
        state = torch.load(classifier_path, map_location='cpu',
                           weights_only=True)
        net.load_state_dict(_clean_state(state))
    elif not allow_random:
        try:
            state = torch.hub.load_state_dict_from_url(
                PLACES365_ALEXNET_URL, map_location='cpu', progress=False,
                weights_only=True)
        except Exception as err:
            # tools/train.py / test.py name the metric's key in the config.
            raise PretrainedWeightsError(
                f'Places365 AlexNet {PLACES365_ALEXNET_URL}', str(err),
                'classifier_path', '/path/to/alexnet_places365.pth.tar'
            ) from err
        net.load_state_dict(_clean_state(state))
    net.requires_grad_(False)
    net.eval()
    return net


def places_preprocess(imgs: torch.Tensor) -> torch.Tensor:
    """uint8 RGB (B, 3, H, W) -> the classifier input of the protocol:
    shorter side resized to 256 (bilinear, antialiased like PIL), centre
    crop 224, ImageNet normalisation."""
    from torchvision.transforms.v2 import functional as TF
    x = TF.resize(imgs, 256, antialias=True)
    x = TF.center_crop(x, [224, 224])
    x = x.float() / 255.
    mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std
