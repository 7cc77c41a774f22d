"""Convert an official checkpoint into an mmsemsyn checkpoint.

The official pix2pixHD, SPADE, LGGAN and Lab2Pix-V2 codes save one plain
``state_dict`` per network (``checkpoints/<name>/latest_net_G.pth``,
``latest_net_E.pth``). mmsemsyn's networks register their layers in the
official order (and pix2pixHD / SPADE also keep the official names), so a
generator (and pix2pixHD / SPADE encoder) converts one to one::

    python tools/model_converters/official_to_mmsemsyn.py \\
        configs/spade/spade_cityscapes.py \\
        --generator checkpoints/cityscapes_pretrained/latest_net_G.pth \\
        --out work_dirs/spade_cityscapes_official.pth
    python tools/test.py configs/spade/spade_cityscapes.py \\
        work_dirs/spade_cityscapes_official.pth
    python tools/infer.py configs/spade/spade_cityscapes.py \\
        work_dirs/spade_cityscapes_official.pth label.png --out-dir out

Entries are matched by name when every mmsemsyn name is in the file, and
otherwise in order (LGGAN, Lab2Pix-V2, whose names differ); every pair must
have the same shape, else the conversion stops and names the first pairs
that differ -- usually a config with other label channels, widths or
``num_upsampling_layers`` than the official run. Dropped on the way: the
``fc`` layer that LGGAN builds but never uses, and InstanceNorm running
statistics of pre-0.4 PyTorch files (pix2pixHD), which no current norm
layer reads. The discriminators are not converted (inference and evaluation
do not need them); a converted file fine-tunes with ``--cfg-options
load_from=...``, D starting from scratch.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.registry import DefaultScope

import mmsemsyn  # noqa: F401  (applies the stack compat fixes)
from mmsemsyn.fileio import load_checkpoint_file
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

# Layers the official code builds but never uses, per mmsemsyn class.
UNUSED_OFFICIAL = {'LGGANGenerator': ('fc.', )}
# Buffers only mmsemsyn has (pix2pixHD's K-means centres live in E).
OWN_ONLY = ('cluster_centers', 'cluster_counts')
NORM_STATS = ('running_mean', 'running_var', 'num_batches_tracked')


def load_official(path: str) -> Dict[str, torch.Tensor]:
    """The tensors of an official ``latest_net_*.pth`` (a plain state dict,
    possibly saved from a DataParallel/DDP wrapper)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'Official checkpoint not found: {path!r}')
    state = load_checkpoint_file(path)
    if isinstance(state, dict) and isinstance(state.get('state_dict'), dict):
        state = state['state_dict']
    if not isinstance(state, dict) or not all(
            isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f'{path!r} is not a state dict of tensors (the '
                         'official codes save latest_net_G.pth as one).')
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state.items()}


def _describe(pairs: Sequence[Tuple[str, str, tuple, tuple]]) -> str:
    return '; '.join(f'{src} {tuple(s)} -> {dst} {tuple(d)}'
                     for src, dst, s, d in pairs[:3])


def convert_state(official: Dict[str, torch.Tensor], module: nn.Module,
                  source: str = 'checkpoint') -> Tuple[str, List[str]]:
    """Load ``official`` into ``module``; returns (how it was matched, the
    official keys left out). Raises ``ValueError`` naming what differs."""
    drop = UNUSED_OFFICIAL.get(type(module).__name__, ())
    dropped = [k for k in official if k.startswith(drop)] if drop else []
    official = {k: v for k, v in official.items() if k not in dropped}
    own = module.state_dict()
    target = [k for k in own if k.rsplit('.', 1)[-1] not in OWN_ONLY]
    if set(target) <= set(official):
        extra = [k for k in official if k not in own]
        unknown = [k for k in extra if k.rsplit('.', 1)[-1] not in NORM_STATS]
        if unknown:
            raise ValueError(
                f'{source} has {len(unknown)} entries that '
                f'{type(module).__name__} does not have (e.g. '
                f'{unknown[:3]}): it is not this network, or the config '
                'differs from the official run.')
        pairs, how = [(k, k) for k in target], 'by name'
        dropped += extra
    else:
        src_keys = list(official)
        if len(src_keys) != len(target):
            raise ValueError(
                f'{source} has {len(src_keys)} tensors, '
                f'{type(module).__name__} built from the config has '
                f'{len(target)}: use the config of the official run (label '
                'channels, ngf, num_upsampling_layers, use_vae, ...).')
        pairs, how = list(zip(src_keys, target)), 'in order'
    wrong = [(s, d, official[s].shape, own[d].shape) for s, d in pairs
             if official[s].shape != own[d].shape]
    if wrong:
        raise ValueError(
            f'{source} does not fit {type(module).__name__} built from the '
            f'config: {len(wrong)} tensors differ in shape, e.g. '
            f'{_describe(wrong)}. Use the config of the official run.')
    new = dict(own)
    for s, d in pairs:
        new[d] = official[s].to(own[d].dtype)
    module.load_state_dict(new, strict=True)
    return how, dropped


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert official pix2pixHD / SPADE / LGGAN / '
        'Lab2Pix-V2 checkpoints to an mmsemsyn checkpoint')
    parser.add_argument('config', help='the mmsemsyn config of the model')
    parser.add_argument('--generator', required=True,
                        help='official generator file (latest_net_G.pth)')
    parser.add_argument('--encoder',
                        help='official encoder file (latest_net_E.pth: '
                        'pix2pixHD instance features, SPADE VAE)')
    parser.add_argument('--out', required=True, help='output .pth')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    parts = {'generator': args.generator}
    if args.encoder:
        if not cfg.model.get('encoder'):
            raise ValueError(f'--encoder given, but {args.config} has no '
                             'model.encoder (pix2pixHD -feat / SPADE VAE '
                             'configs have one).')
        parts['encoder'] = args.encoder
    state, meta = {}, {}
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        for name, path in parts.items():
            module = MODELS.build(cfg.model[name])
            how, dropped = convert_state(load_official(path), module,
                                         source=path)
            state.update({f'{name}.{k}': v
                          for k, v in module.state_dict().items()})
            meta[name] = dict(source=osp.abspath(path), matched=how,
                              dropped=dropped)
            print(f'{name}: {len(module.state_dict())} tensors from {path} '
                  f'({how}); left out: {len(dropped)}'
                  + (f' ({", ".join(dropped[:4])}'
                     f'{", ..." if len(dropped) > 4 else ""})'
                     if dropped else ''))
    folder = osp.dirname(osp.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    tmp = f'{args.out}.{os.getpid()}.tmp'
    torch.save(dict(meta=dict(converted_from=meta, config=args.config),
                    state_dict=state), tmp)
    os.replace(tmp, args.out)  # never a half-written checkpoint
    print(f'Saved {args.out}')
    return args.out


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
