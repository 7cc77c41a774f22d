"""The FID Inception network: pytorch-fid's TF-ported ``InceptionV3``.

We use the network class of the installed ``pytorch-fid`` package (the
``pt_inception-2015-12-05`` port of the TensorFlow FID graph) so that our
numbers equal ``python -m pytorch_fid real/ fake/``. Only the weight loading
is ours: pytorch-fid always downloads from its release URL; here the weights
come from a local file (``inception_path=``), else that URL (torch.hub
cache), else we stop with a message naming both. Random weights exist for
tests only and must be asked for explicitly (``allow_random=True``).
"""
import contextlib
import os.path as osp
import sys
import warnings
from typing import Optional

import torch
import torch.nn as nn

from .weights_error import PretrainedWeightsError


def fid_weights_url() -> str:
    from pytorch_fid.inception import FID_WEIGHTS_URL
    return FID_WEIGHTS_URL


@contextlib.contextmanager
def _patched_loader(loader):
    # pytorch-fid fetches its weights via this module-level name.
    import pytorch_fid.inception as fid_inception
    original = fid_inception.load_state_dict_from_url
    fid_inception.load_state_dict_from_url = loader
    try:
        yield
    finally:
        fid_inception.load_state_dict_from_url = original


def build_fid_inception(inception_path: Optional[str] = None,
                        allow_random: bool = False,
                        dims: int = 2048) -> nn.Module:
    """pytorch-fid's ``InceptionV3`` (pool3 features), frozen, eval, fp32.

    Args:
        inception_path: local copy of ``pt_inception-2015-12-05-*.pth``.
            None downloads it from pytorch-fid's URL (or the hub cache).
        allow_random: with ``inception_path=None``, build random weights
            instead of downloading (tests only; the FID is meaningless).
        dims: feature size (2048 = pool3, the standard FID).
    """
    from pytorch_fid.inception import InceptionV3
    if dims not in InceptionV3.BLOCK_INDEX_BY_DIM:
        raise ValueError(f'FID dims must be one of '
                         f'{sorted(InceptionV3.BLOCK_INDEX_BY_DIM)}, got '
                         f'{dims} (2048 is the standard FID).')
    url = fid_weights_url()

    def load(url_, *args, **kwargs):
        if inception_path is not None:
            if not osp.isfile(inception_path):
                raise FileNotFoundError(
                    f'FID Inception weights {inception_path!r} do not exist. '
                    f'Download {url} and pass its path as inception_path.')
            return torch.load(inception_path, map_location='cpu',
                              weights_only=True)
        if allow_random:
            return None
        try:
            return torch.hub.load_state_dict_from_url(
                url_, map_location='cpu', progress=False,
                weights_only=True)
        except Exception as err:  # offline, proxy, corrupt download
            # tools/train.py / test.py name the metric's key in the config.
            raise PretrainedWeightsError(
                f'FID Inception weights {url}', str(err), 'inception_path',
                '/path/to/pt_inception-2015-12-05-6726825d.pth',
                guess='test_evaluator.0.inception_path') from err

    def loader(url_, *args, **kwargs):
        state = load(url_, *args, **kwargs)
        if state is None:
            # Random weights: hand pytorch-fid back the initial state of the
            # network it is building, so the architecture stays exactly
            # theirs (its builder keeps the network in a local variable).
            caller = sys._getframe(1).f_locals
            net = caller.get('inception')
            if not isinstance(net, nn.Module):
                raise RuntimeError('allow_random=True is not supported by '
                                   'this pytorch-fid version.')
            warnings.warn('FID Inception built with RANDOM weights '
                          '(allow_random=True): only for tests.')
            for m in net.modules():  # keep activations alive through depth
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
            state = net.state_dict()
        return state

    block = InceptionV3.BLOCK_INDEX_BY_DIM[dims]
    with _patched_loader(loader):
        net = InceptionV3([block])
    net.requires_grad_(False)
    net.eval()
    return net.float()


@torch.no_grad()
def inception_features(net: nn.Module, imgs: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) uint8 RGB -> (B, dims) float64 pool features.

    Mirrors pytorch-fid's file path exactly: ``ToTensor`` (x / 255, float32),
    then the network's own bilinear resize to 299 and [-1, 1] scaling.
    """
    if imgs.dtype != torch.uint8:
        raise TypeError('inception_features expects uint8 RGB images, got '
                        f'{imgs.dtype}')
    device = next(net.parameters()).device
    x = imgs.to(device).float() / 255.
    with torch.autocast(device_type=device.type, enabled=False):
        feat = net(x)[0]
    if feat.shape[-1] != 1 or feat.shape[-2] != 1:
        feat = torch.nn.functional.adaptive_avg_pool2d(feat, 1)
    return feat.flatten(1).double().cpu()
