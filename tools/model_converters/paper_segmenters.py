"""Convert a paper-protocol segmenter release to (or from) mmseg format.

The evaluator configs ``configs/_base_/evaluators/paper_protocol_*.py`` read
the public releases directly (they are converted on load), so this tool is
for offline use: one mmseg-format file per segmenter that loads with
mmengine's ``load_checkpoint`` into the config's model, or an export of ours
back to the release's layout::

    # DRN-D-105, Cityscapes (fyu/drn)
    python tools/model_converters/paper_segmenters.py drn_d_105_cityscapes \\
        drn-d-105_ms_cityscapes.pth drn_d_105_mmseg.pth
    # UperNet-101, ADE20K (CSAIL: two files)
    python tools/model_converters/paper_segmenters.py upernet101_ade20k \\
        encoder_epoch_50.pth decoder_epoch_50.pth upernet101_mmseg.pth
    # DeepLab-v2 MSC, COCO-Stuff 164k (kazuto1011)
    python tools/model_converters/paper_segmenters.py \\
        deeplabv2_cocostuff164k \\
        deeplabv2_resnet101_msc-cocostuff164k-100000.pth dlv2_mmseg.pth
    # then: --cfg-options test_evaluator.1.seg_checkpoint=drn_d_105_mmseg.pth

``--to-official`` runs the inverse (UperNet: writes ``<out>`` as
``encoder_*.pth`` / ``decoder_*.pth`` siblings). Release URLs:
``mmsemsyn.models.pretrained.paper_segmenters.RELEASES``. The output is
written to a temporary file and renamed, so a failed run leaves nothing.
"""
import argparse
import os
import os.path as osp
import sys
from collections import OrderedDict

import torch

import mmsemsyn  # noqa: F401  (stack compat fixes)
from mmsemsyn.models.pretrained.paper_segmenters import (
    RELEASES,
    detect_release,
    merge_upernet_files,
    mmseg_to_official,
    official_to_mmseg,
    strip_wrappers,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert a paper-protocol segmenter release (DRN-D-105,'
        ' CSAIL UperNet-101, DeepLab-v2 MSC) to mmseg format, or back.')
    parser.add_argument('release', choices=sorted(RELEASES),
                        help='which release the files are')
    parser.add_argument('files', nargs='+',
                        help='input file(s) then the output file; UperNet '
                        'releases: encoder, decoder, output')
    parser.add_argument('--to-official', action='store_true',
                        help='mmseg format -> the release layout')
    return parser.parse_args(argv)


def _save_atomic(obj, path: str) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def _load(path: str) -> OrderedDict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist.')
    # The safe loader (weights_only=True, also on torch 2.4/2.5 where
    # torch.load's default still unpickles anything): a release file that
    # would run code is refused, a truncated one named as truncated.
    from mmsemsyn.fileio import load_checkpoint_file
    return strip_wrappers(load_checkpoint_file(path, map_location='cpu'))


def main(argv=None) -> None:
    args = parse_args(argv)
    upernet = args.release == 'upernet101_ade20k'
    n_in = 2 if upernet and not args.to_official else 1
    if len(args.files) != n_in + 1:
        sys.exit(f'{args.release} {"export" if args.to_official else ""} '
                 f'takes {n_in} input file(s) and one output file; got '
                 f'{len(args.files)} paths.')
    *inputs, out = args.files
    if args.to_official:
        official = mmseg_to_official(_load(inputs[0]), args.release)
        if upernet:
            stem, ext = osp.splitext(out)
            for part in ('encoder', 'decoder'):
                _save_atomic(OrderedDict(
                    (k[len(part) + 1:], v) for k, v in official.items()
                    if k.startswith(part + '.')),
                    osp.join(osp.dirname(out),
                             f'{part}_{osp.basename(stem)}{ext}'))
        else:
            _save_atomic(official, out)
    else:
        state = merge_upernet_files(_load(inputs[0]), _load(
            inputs[1])) if upernet else _load(inputs[0])
        found = detect_release(state)
        if found != args.release:
            sys.exit(f'{" + ".join(inputs)}: not a {args.release} release '
                     f'(its keys look like {found or "no known release"}).')
        converted = official_to_mmseg(state, args.release)
        _save_atomic(dict(state_dict=converted,
                          meta=dict(converted_from=args.release,
                                    url=RELEASES[args.release]['url'])), out)
    print(f'{args.release}: wrote {out}')


if __name__ == '__main__':
    main()
