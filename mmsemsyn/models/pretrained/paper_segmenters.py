"""The papers' evaluation segmenters: releases and weight conversion.

SPADE, LGGAN, Lab2Pix-V2, CC-FPSE, OASIS and their followers score
generated images with three public segmenters (NVlabs/SPADE issues #14,
#39). Our mmseg re-implementations live in :mod:`mmsemsyn.segmenters`;
this module (pure Python, no mmseg import) maps the releases' state-dict
keys onto them and back, so the metric loads the released files directly
and ``tools/model_converters/paper_segmenters.py`` converts them offline.

=========================  ==========================================
release (``RELEASES`` key)  official keys -> ours
=========================  ==========================================
``drn_d_105_cityscapes``    fyu/drn ``DRNSeg``: ``base.i`` ->
                            ``backbone.layeri``, ``seg`` ->
                            ``decode_head.conv_seg``, ``up`` ->
                            ``decode_head.up``
``upernet101_ade20k``       CSAIL ``encoder.*`` / ``decoder.*`` (the two
                            release files, prefixed) -> mmseg ResNetV1c
                            stem/layers and UPerHead names
``deeplabv2_cocostuff164k`` kazuto1011 ``MSC``: ``base.layerk.blockj.
                            {reduce,conv3x3,increase,shortcut}.{conv,bn}``
                            -> ``backbone.layer(k-1).(j-1).{conv1..3,bn1..3,
                            downsample.0/1}``, ``base.aspp.ci`` ->
                            ``decode_head.aspp.i``
=========================  ==========================================
"""
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple

# (official template, our template, offset added to the numeric fields when
# going official -> ours). ``{a}``/``{b}`` match integers, ``{rest}`` the
# remaining dotted name. First matching rule wins, in both directions.
_Rule = Tuple[str, str, Dict[str, int]]

_DRN_RULES: List[_Rule] = [
    ('base.{a}.{rest}', 'backbone.layer{a}.{rest}', {}),
    ('seg.{rest}', 'decode_head.conv_seg.{rest}', {}),
    ('up.{rest}', 'decode_head.up.{rest}', {}),
]

_UPERNET_RULES: List[_Rule] = [
    # CSAIL's 3-conv stem vs mmseg's deep stem Sequential (ReLUs at 2/5/8).
    ('encoder.conv1.{rest}', 'backbone.stem.0.{rest}', {}),
    ('encoder.bn1.{rest}', 'backbone.stem.1.{rest}', {}),
    ('encoder.conv2.{rest}', 'backbone.stem.3.{rest}', {}),
    ('encoder.bn2.{rest}', 'backbone.stem.4.{rest}', {}),
    ('encoder.conv3.{rest}', 'backbone.stem.6.{rest}', {}),
    ('encoder.bn3.{rest}', 'backbone.stem.7.{rest}', {}),
    ('encoder.layer{a}.{rest}', 'backbone.layer{a}.{rest}', {}),
    ('decoder.ppm_conv.{a}.0.{rest}', 'decode_head.psp_modules.{a}.1.conv.'
     '{rest}', {}),
    ('decoder.ppm_conv.{a}.1.{rest}', 'decode_head.psp_modules.{a}.1.bn.'
     '{rest}', {}),
    ('decoder.ppm_last_conv.0.{rest}', 'decode_head.bottleneck.conv.{rest}',
     {}),
    ('decoder.ppm_last_conv.1.{rest}', 'decode_head.bottleneck.bn.{rest}',
     {}),
    ('decoder.fpn_in.{a}.0.{rest}', 'decode_head.lateral_convs.{a}.conv.'
     '{rest}', {}),
    ('decoder.fpn_in.{a}.1.{rest}', 'decode_head.lateral_convs.{a}.bn.'
     '{rest}', {}),
    ('decoder.fpn_out.{a}.0.0.{rest}', 'decode_head.fpn_convs.{a}.conv.'
     '{rest}', {}),
    ('decoder.fpn_out.{a}.0.1.{rest}', 'decode_head.fpn_convs.{a}.bn.'
     '{rest}', {}),
    ('decoder.conv_last.0.0.{rest}', 'decode_head.fpn_bottleneck.conv.'
     '{rest}', {}),
    ('decoder.conv_last.0.1.{rest}', 'decode_head.fpn_bottleneck.bn.'
     '{rest}', {}),
    ('decoder.conv_last.1.{rest}', 'decode_head.conv_seg.{rest}', {}),
]

_DEEPLAB_RULES: List[_Rule] = [
    ('base.layer1.conv1.conv.{rest}', 'backbone.conv1.{rest}', {}),
    ('base.layer1.conv1.bn.{rest}', 'backbone.bn1.{rest}', {}),
    # layer2..5 / block1.. (1-based) -> mmseg layer1..4 / 0-based blocks.
    *[(f'base.layer{{a}}.block{{b}}.{src}.{{rest}}',
       f'backbone.layer{{a}}.{{b}}.{dst}.{{rest}}', dict(a=-1, b=-1))
      for src, dst in (('reduce.conv', 'conv1'), ('reduce.bn', 'bn1'),
                       ('conv3x3.conv', 'conv2'), ('conv3x3.bn', 'bn2'),
                       ('increase.conv', 'conv3'), ('increase.bn', 'bn3'),
                       ('shortcut.conv', 'downsample.0'),
                       ('shortcut.bn', 'downsample.1'))],
    ('base.aspp.c{a}.{rest}', 'decode_head.aspp.{a}.{rest}', {}),
]

# The CSAIL release was saved from an early version of its
# SynchronizedBatchNorm2d, which also keeps ``_tmp_running_mean``,
# ``_tmp_running_var`` and ``_running_iter`` buffers: training-time
# accumulators, never read at test time (eval calls F.batch_norm with
# running_mean / running_var). They are dropped on import and rebuilt on
# export (tmp = running statistic, iter = 1, so running = tmp / iter holds).
_SYNC_BN_EXTRAS = ('_tmp_running_mean', '_tmp_running_var', '_running_iter')
_DROPPED_SUFFIXES = dict(upernet101_ade20k=_SYNC_BN_EXTRAS)

_RULES = dict(
    drn_d_105_cityscapes=_DRN_RULES,
    upernet101_ade20k=_UPERNET_RULES,
    deeplabv2_cocostuff164k=_DEEPLAB_RULES)

#: Public releases: download URL(s), the repository and the published score.
RELEASES = dict(
    drn_d_105_cityscapes=dict(
        # Linked from the fyu/drn README ("pretrained DRN models on
        # Cityscapes": go.yf.io/drn-cityscapes-models), served next to the
        # ImageNet DRNs of drn.py (dl.yf.io/drn/).
        url='http://dl.yf.io/drn/drn-d-105_ms_cityscapes.pth',
        repo='fyu/drn', num_classes=19),
    upernet101_ade20k=dict(
        url=dict(
            encoder='http://sceneparsing.csail.mit.edu/model/pytorch/'
            'ade20k-resnet101-upernet/encoder_epoch_50.pth',
            decoder='http://sceneparsing.csail.mit.edu/model/pytorch/'
            'ade20k-resnet101-upernet/decoder_epoch_50.pth'),
        repo='CSAILVision/semantic-segmentation-pytorch', num_classes=150),
    deeplabv2_cocostuff164k=dict(
        url='https://github.com/kazuto1011/deeplab-pytorch/releases/'
        'download/v1.0/deeplabv2_resnet101_msc-cocostuff164k-100000.pth',
        repo='kazuto1011/deeplab-pytorch', num_classes=182),
)


def _template_regex(template: str) -> 're.Pattern':
    pattern = re.escape(template)
    for field in ('a', 'b'):
        pattern = pattern.replace(re.escape('{%s}' % field),
                                  r'(?P<%s>\d+)' % field)
    pattern = pattern.replace(re.escape('{rest}'), r'(?P<rest>.+)')
    return re.compile(pattern + '$')


def _convert_key(key: str, rules: List[_Rule], to_ours: bool
                 ) -> Optional[str]:
    for official, ours, offsets in rules:
        src, dst = (official, ours) if to_ours else (ours, official)
        match = _template_regex(src).match(key)
        if match is None:
            continue
        fields = match.groupdict()
        for name, offset in offsets.items():
            fields[name] = str(int(fields[name]) +
                               (offset if to_ours else -offset))
        return dst.format(**fields)
    return None


def _check_release(release: str) -> List[_Rule]:
    if release not in _RULES:
        raise KeyError(f'Unknown segmenter release {release!r}; known: '
                       f'{sorted(_RULES)}.')
    return _RULES[release]


def strip_wrappers(state_dict: Mapping) -> 'OrderedDict':
    """The bare state dict of a checkpoint object.

    Unwraps ``{'state_dict': ...}`` and drops DataParallel's ``module.``
    key prefix (the releases were saved from / for DataParallel models).
    """
    if 'state_dict' in state_dict and isinstance(state_dict['state_dict'],
                                                  Mapping):
        state_dict = state_dict['state_dict']
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in state_dict.items())


def official_to_mmseg(state_dict: Mapping, release: str) -> 'OrderedDict':
    """Release state dict -> our mmseg segmenter's (values untouched).

    Args:
        state_dict: the release's entries (UperNet: the encoder file's keys
            prefixed ``encoder.`` and the decoder file's ``decoder.``, see
            :func:`merge_upernet_files`).
        release: a key of :data:`RELEASES`.
    Raises:
        KeyError: an entry no rule maps (not this release / corrupt file);
            the message names the first few.
    """
    rules = _check_release(release)
    dropped = _DROPPED_SUFFIXES.get(release, ())
    out, unknown = OrderedDict(), []
    for key, value in strip_wrappers(state_dict).items():
        if key.rsplit('.', 1)[-1] in dropped:
            continue
        new = _convert_key(key, rules, to_ours=True)
        if new is None:
            unknown.append(key)
        else:
            out[new] = value
    if unknown:
        raise KeyError(
            f'{len(unknown)} entries of the checkpoint are not part of the '
            f'{release!r} release ({RELEASES[release]["repo"]}): '
            f'{unknown[:5]}{" ..." if len(unknown) > 5 else ""}. Is it the '
            'right file?')
    return out


def mmseg_to_official(state_dict: Mapping, release: str) -> 'OrderedDict':
    """Inverse of :func:`official_to_mmseg` (for round trips and export)."""
    rules = _check_release(release)
    out = OrderedDict()
    for key, value in strip_wrappers(state_dict).items():
        new = _convert_key(key, rules, to_ours=False)
        if new is None:
            raise KeyError(f'{key!r} is not an entry of our {release!r} '
                           'segmenter.')
        out[new] = value
        if (_DROPPED_SUFFIXES.get(release) and
                new.endswith('.num_batches_tracked')):
            bn = new[:-len('num_batches_tracked')]
            out[bn + '_tmp_running_mean'] = out[bn + 'running_mean'].clone()
            out[bn + '_tmp_running_var'] = out[bn + 'running_var'].clone()
            out[bn + '_running_iter'] = out[bn + 'running_mean'].new_ones(1)
    return out


def merge_upernet_files(encoder: Mapping, decoder: Mapping) -> 'OrderedDict':
    """The CSAIL release's two files as one state dict (``encoder.*``,
    ``decoder.*``), the keys its ``SegmentationModule`` would have."""
    merged = OrderedDict()
    for prefix, part in (('encoder.', encoder), ('decoder.', decoder)):
        for key, value in strip_wrappers(part).items():
            merged[prefix + key] = value
    return merged


def detect_release(state_dict: Mapping) -> Optional[str]:
    """The release whose official key layout ``state_dict`` has, else None
    (e.g. an already converted / mmseg-format checkpoint)."""
    keys = list(strip_wrappers(state_dict))
    if not keys or any(k.startswith(('backbone.', 'decode_head.'))
                       for k in keys):
        return None
    for release, rules in _RULES.items():
        dropped = _DROPPED_SUFFIXES.get(release, ())
        if all(k.rsplit('.', 1)[-1] in dropped or
               _convert_key(k, rules, to_ours=True) is not None
               for k in keys):
            return release
    return None
