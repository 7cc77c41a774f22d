"""Pretrained mmsegmentation segmenters, built without touching global state.

Used two ways:

* frozen, by the segmentation-score metric (SPADE/pix2pixHD protocol: how
  well a pretrained segmenter recovers the input layout from the generated
  photo) -- ``frozen=True``;
* trainable, by Lab2Pix's cycle-segmentation networks -- ``frozen=False``.

Why not ``mmseg.apis.init_model``: it calls ``init_default_scope`` which
switches the process-wide default scope to ``mmseg`` once a Runner exists,
so every later ``mmsemsyn`` lookup breaks. We build in the mmseg scope with
``_scope_='mmseg'`` instead (``type='mmseg.EncoderDecoder'`` fails on the
nested ``backbone``/``decode_head`` lookups) and load the checkpoint
ourselves. mmseg is imported lazily, inside functions only, so pure-GAN use
works without it.
"""
import contextlib
import copy
import logging
import os.path as osp
import types
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .weights_error import PretrainedWeightsError

ConfigType = Union[str, dict]


def _is_url(path: str) -> bool:
    return path.startswith(('http://', 'https://', 'open-mmlab://'))


def load_mmseg_model_config(config: ConfigType) -> dict:
    """The ``model`` dict of an mmseg config.

    Args:
        config: a config file path (``mmseg::fcn/fcn_r50-d8_....py`` works),
            a full config (dict / ``mmengine.Config`` with a ``model`` key)
            or a model dict (with a ``type`` key).
    """
    from mmengine.config import Config, ConfigDict
    if isinstance(config, str):
        hint = ('Give an mmseg config path, e.g. "mmseg::deeplabv3plus/'
                'deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py", '
                'or a model dict.')
        if '::' in config:
            # ``mmseg::path``: a config of mmseg's model zoo, found by
            # mmengine's own resolution (mmsemsyn.mim makes it work here).
            from mmengine.hub import get_config
            try:
                config = get_config(config)
            except (FileNotFoundError, ValueError, AssertionError) as err:
                raise FileNotFoundError(
                    f'Segmenter config {config!r} does not exist ({err}). '
                    f'{hint}') from None
        elif not osp.isfile(config):
            raise FileNotFoundError(
                f'Segmenter config {config!r} does not exist. {hint}')
        else:
            config = Config.fromfile(config)
    if isinstance(config, Config):
        config = config.to_dict()
    config = copy.deepcopy(dict(config))
    if 'model' in config:
        config = dict(config['model'])
    if 'type' not in config:
        raise ValueError('A segmenter config needs a "model" dict or a '
                         f'"type" key; got keys {sorted(config)}.')
    # mmseg reads ``test_cfg.mode`` by attribute: keep ConfigDicts.
    return ConfigDict(config)


@contextlib.contextmanager
def _quiet_mmengine_logger():
    # init_weights() logs one INFO block per parameter; keep warnings only.
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _keep_eval(module: nn.Module, mode: bool = True) -> nn.Module:
    # Frozen networks never switch to train mode (BN statistics, dropout).
    return nn.Module.train(module, False)


CheckpointType = Union[str, Dict[str, str]]


def _read_checkpoint(path: str, key: str) -> dict:
    """A checkpoint object from a local file or URL; errors name the fix."""
    from mmengine.runner import CheckpointLoader
    if not _is_url(path) and not osp.isfile(path):
        raise FileNotFoundError(
            f'Segmenter checkpoint {path!r} does not exist. Download the '
            'release (the URL in the evaluator config) and pass its local '
            f'path: --cfg-options "test_evaluator.1.{key}=/path/to/file.pth"'
            '.')
    try:
        return CheckpointLoader.load_checkpoint(path, map_location='cpu')
    except (OSError, RuntimeError, ValueError) as err:
        if _is_url(path):
            # tools/train.py / test.py replace the guess with the metric's
            # key in the config (weights_error.locate_in_evaluators).
            raise PretrainedWeightsError(
                f'segmenter checkpoint {path}', str(err), key,
                '/path/to/file.pth', guess=f'test_evaluator.1.{key}'
            ) from err
        raise


def load_segmenter_checkpoint(model: nn.Module,
                              checkpoint: CheckpointType) -> None:
    """Load ``checkpoint`` (local file or URL) into ``model``, strictly.

    Args:
        checkpoint: an mmseg-format file (model zoo, or converted by
            ``tools/model_converters/paper_segmenters.py``), a public
            release of the papers' segmenters (DRN-D-105, DeepLab-v2 MSC;
            recognised by its keys and converted on the fly), or, for the
            CSAIL UperNet release, ``dict(encoder=..., decoder=...)``.

    Raises:
        FileNotFoundError / RuntimeError: the file is missing or cannot be
            downloaded (offline); the message names the URL and the
            ``--cfg-options`` key to set.
        RuntimeError: missing / unexpected / mis-shaped entries.
    """
    from .paper_segmenters import (
        detect_release,
        merge_upernet_files,
        official_to_mmseg,
        strip_wrappers,
    )
    if isinstance(checkpoint, Mapping):
        if set(checkpoint) != {'encoder', 'decoder'}:
            raise ValueError(
                'A segmenter checkpoint dict holds the CSAIL UperNet '
                "release's two files: dict(encoder=..., decoder=...); got "
                f'keys {sorted(checkpoint)}.')
        state_dict = merge_upernet_files(
            _read_checkpoint(checkpoint['encoder'], 'seg_checkpoint.encoder'),
            _read_checkpoint(checkpoint['decoder'], 'seg_checkpoint.decoder'))
        name = f"{checkpoint['encoder']} + {checkpoint['decoder']}"
    else:
        state_dict = strip_wrappers(
            _read_checkpoint(checkpoint, 'seg_checkpoint'))
        name = checkpoint
    release = detect_release(state_dict)
    if release is not None:
        state_dict = official_to_mmseg(state_dict, release)
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    mis_shaped = [
        f'{k}: {tuple(state_dict[k].shape)} vs {tuple(v.shape)}'
        for k, v in own.items()
        if k in state_dict and tuple(state_dict[k].shape) != tuple(v.shape)
    ]
    if missing or unexpected or mis_shaped:
        raise RuntimeError(
            f'Segmenter checkpoint {name} does not fit the segmenter config '
            f'({release or "mmseg format"}): missing {missing[:5]}, '
            f'unexpected {unexpected[:5]}, shape mismatches '
            f'{mis_shaped[:5]} ({len(missing)}/{len(unexpected)}/'
            f'{len(mis_shaped)} in all). Check seg_config and '
            'seg_checkpoint name the same network.')
    model.load_state_dict(state_dict, strict=True)


def build_mmseg_segmenter(config: ConfigType,
                          checkpoint: Optional[CheckpointType] = None,
                          frozen: bool = True,
                          init_weights: bool = True) -> nn.Module:
    """Build an mmseg segmentor (e.g. ``EncoderDecoder``) in the mmseg scope.

    Args:
        config: mmseg config path / full config / model dict (see
            :func:`load_mmseg_model_config`).
        checkpoint: local path or URL of its weights (or a release of the
            papers' segmenters, see :func:`load_segmenter_checkpoint`); None
            keeps the
            initialisation (random, or the backbone's ``init_cfg`` /
            ``pretrained`` when ``init_weights``).
        frozen: no gradients, always eval mode (metrics). With False the
            network is trainable (Lab2Pix cycle segmentation).
        init_weights: run ``init_weights()`` when no checkpoint is given
            (this may download the backbone's ImageNet weights named in the
            config; pass False, or set ``pretrained=None``, to avoid it).

    SyncBN is always reverted to BN: a single-process or CPU run cannot use
    it, a frozen net must not sync statistics, and a trainable one gets
    converted back by the Runner's ``sync_bn`` option if wanted.
    """
    import mmseg.models  # noqa: F401  (registers mmseg's model classes)
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS as MMSEG_MODELS

    import mmsemsyn  # noqa: F401  (mmcv.ops stand-in before mmseg import)
    import mmsemsyn.segmenters  # noqa: F401  (DRN, CSAIL UperNet, DLv2)

    cfg = load_mmseg_model_config(config)
    cfg.setdefault('_scope_', 'mmseg')
    cfg['train_cfg'] = cfg.get('train_cfg') if not frozen else None
    if checkpoint is not None or not init_weights:
        # Weights come from the checkpoint: never fetch ImageNet backbones.
        cfg['pretrained'] = None
        if isinstance(cfg.get('backbone'), dict):
            cfg['backbone']['init_cfg'] = None
    # Build under the mmseg scope without changing the global default.
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MMSEG_MODELS.build(cfg)
    model = revert_sync_batchnorm(model)
    if checkpoint is not None:
        load_segmenter_checkpoint(model, checkpoint)
    elif init_weights and hasattr(model, 'init_weights'):
        with _quiet_mmengine_logger():
            model.init_weights()
    model.float()
    if frozen:
        model.requires_grad_(False)
        model.eval()
        model.train = types.MethodType(_keep_eval, model)
    return model


def segmenter_input_spec(segmentor: nn.Module
                         ) -> Tuple[torch.Tensor, torch.Tensor, bool]:
    """(mean, std, wants_bgr) the segmentor's data preprocessor applies."""
    dp = getattr(segmentor, 'data_preprocessor', None)
    mean = getattr(dp, 'mean', None)
    std = getattr(dp, 'std', None)
    if mean is None or std is None:
        mean = torch.tensor([123.675, 116.28, 103.53]).view(-1, 1, 1)
        std = torch.tensor([58.395, 57.12, 57.375]).view(-1, 1, 1)
    # mmseg loads BGR with cv2; bgr_to_rgb=True means the net consumes RGB.
    wants_bgr = not bool(getattr(dp, '_channel_conversion', True))
    return mean.view(1, -1, 1, 1), std.view(1, -1, 1, 1), wants_bgr


def normalize_for_segmenter(segmentor: nn.Module, img: torch.Tensor,
                            input_range: str = 'uint8') -> torch.Tensor:
    """RGB images -> the segmentor's normalised input.

    Args:
        img: (B, 3, H, W) RGB, uint8 / [0, 255] (``input_range='uint8'``)
            or [-1, 1] (``'[-1,1]'``, differentiable -- Lab2Pix).
    """
    mean, std, wants_bgr = segmenter_input_spec(segmentor)
    x = img.float()
    if input_range == '[-1,1]':
        x = (x + 1) * 127.5
    elif input_range != 'uint8':
        raise ValueError("input_range must be 'uint8' or '[-1,1]'")
    if wants_bgr:
        x = x.flip(1)
    return (x - mean.to(x.device)) / std.to(x.device)


def segment_logits(segmentor: nn.Module, img: torch.Tensor,
                   input_range: str = 'uint8',
                   seg_scale: Optional[Sequence[int]] = None,
                   out_size: Optional[Sequence[int]] = None
                   ) -> torch.Tensor:
    """Run the segmentor's own test mode (whole / slide) on RGB images.

    Args:
        seg_scale: (h, w) the images are bilinearly resized to before
            segmentation (e.g. the segmenter's training scale); None runs at
            the given resolution.
        out_size: (h, w) of the returned logits (bilinear); default: the
            input image size. Labels are never interpolated.
    Returns:
        (B, num_classes, h, w) logits (the CSAIL UperNet multi-scale test of
        the ADE20K paper protocol returns the log of its averaged softmax;
        argmax and softmax are the ensemble's).
    """
    x = normalize_for_segmenter(segmentor, img, input_range)
    out_size = tuple(out_size or x.shape[-2:])
    if seg_scale is not None and tuple(seg_scale) != tuple(x.shape[-2:]):
        x = F.interpolate(x, size=tuple(seg_scale), mode='bilinear',
                          align_corners=False)
    shape = tuple(x.shape[-2:])
    metas = [dict(ori_shape=shape, img_shape=shape, pad_shape=shape)
             for _ in range(x.shape[0])]
    with torch.autocast(device_type=x.device.type, enabled=False):
        if hasattr(segmentor, 'inference'):
            logits = segmentor.inference(x, metas)
        else:
            logits = segmentor.encode_decode(x, metas)
    if tuple(logits.shape[-2:]) != out_size:
        logits = F.interpolate(logits, size=out_size, mode='bilinear',
                               align_corners=False)
    return logits
