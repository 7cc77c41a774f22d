"""Convert an official checkpoint into an mmsemsyn checkpoint.

The official pix2pixHD, SPADE, LGGAN (semantic synthesis and cross-view),
Lab2Pix-V1 and Lab2Pix-V2 codes save one plain ``state_dict`` per network
(``checkpoints/<name>/latest_net_G.pth``, ``latest_net_D.pth``,
``latest_net_E.pth``; LGGAN cross-view ``latest_net_D1/D2.pth``, Lab2Pix-V1
``latest_net_D0/D1/D2.pth``). Every network converts, generators,
encoders and discriminators, so an official run can be evaluated or
fine-tuned with both networks::

    python tools/model_converters/official_to_mmsemsyn.py \\
        configs/spade/spade_cityscapes.py \\
        --generator checkpoints/cityscapes_pretrained/latest_net_G.pth \\
        --discriminator checkpoints/cityscapes_pretrained/latest_net_D.pth \\
        --out work_dirs/spade_cityscapes_official.pth
    # several official D files, in the official order (D1 = image-guided,
    # D2 = semantic-guided; Lab2Pix-V1: D0, D1, D2 = finest scale first)
    python tools/model_converters/official_to_mmsemsyn.py \\
        configs/lggan/lggan_dayton-a2g.py --generator latest_net_G.pth \\
        --discriminator latest_net_D1.pth latest_net_D2.pth --out lggan.pth
    python tools/test.py configs/spade/spade_cityscapes.py \\
        work_dirs/spade_cityscapes_official.pth
    python tools/infer.py configs/spade/spade_cityscapes.py \\
        work_dirs/spade_cityscapes_official.pth label.png --out-dir out

Entries are matched by name when every mmsemsyn name is in the file, and
otherwise in the official registration order (LGGAN, Lab2Pix, the
discriminators, whose names differ). Where one of our modules registers its
layers in another order than the official one (ModuleLists where the
official code interleaves attributes), :data:`OFFICIAL_ORDER` re-sorts our
names into the official order first: Lab2Pix's hierarchical perceptual D
(``pre1, gcb1, pre2, ..., conv1_line, conv1_out, ...``), the global label
encoder (``model_up`` before ``model_down``), Lab2Pix-V1's output heads
(``out_7, out_6, out_5``) and the LGGAN cross-view heads (the unused
``deconv5_7`` right after the used ones). pix2pixHD's D loads in order
because its config registers the scales as the official
(``registration='coarsest_first'``). Every pair must have the same shape
and the same kind of entry (weight, bias, spectral-norm u/v, ...), else the
conversion stops and names the first pairs that differ -- usually a config
with other label channels, widths or ``num_upsampling_layers`` than the
official run. Dropped on the way: the ``fc`` layer that LGGAN builds but
never uses, and norm running statistics that our layers do not keep
(InstanceNorm statistics of pre-0.4 PyTorch files of pix2pixHD, the
``track_running_stats`` InstanceNorm of the LGGAN cross-view D: in training
mode, the only mode a D runs in, they are not read). A converted file
fine-tunes with ``--cfg-options load_from=...`` (pass ``--discriminator``
too, or D starts from scratch).
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


def _hpd_rank(key: str):
    """Official ``HiePerDiscriminator`` order: backboneNet, common, then
    per level pre<l>, gcb<l>, then per level conv<l>_line, conv<l>_out."""
    top, _, rest = key.partition('.')
    if top == 'vgg':
        return (0, )
    if top == 'common':
        return (1, )
    level = int(rest.split('.')[0])
    return {'pre': (2, level, 0), 'gcb': (2, level, 1),
            'line': (3, level, 0), 'out': (3, level, 1)}[top]


def _global_encoder_rank(key: str):
    """Official ``GlobalEncoder`` registers ``model_up`` (a ModuleList set
    in ``__init__`` first) before ``model_down``."""
    return (0, ) if key.startswith('model_up.') else (1, )


def _lab2pix_v1_heads_rank(key: str):
    """Official V1 registers ``out_7, out_6, out_5`` (finest first)."""
    if key.startswith('heads.'):
        return (-int(key.split('.')[1]), )
    return None


_CROSS_VIEW_TAIL = ('class_heads', 'unused_class_heads', 'global_decoder',
                    'global_head', 'attention_decoder', 'attention_head')


def _cross_view_rank(key: str):
    """Official: deconv5_1..deconv5_6 (used), deconv5_7 (unused), then the
    global and attention branches."""
    top = key.split('.')[0]
    return (_CROSS_VIEW_TAIL.index(top), ) if top in _CROSS_VIEW_TAIL \
        else None


# mmsemsyn class -> rank of a (relative) state key in the official
# registration order; None keeps the key where it is. Keys with a rank are
# sorted (stably) among the positions they occupy.
OFFICIAL_ORDER = {
    'HierarchicalPerceptualDiscriminator': _hpd_rank,
    'GlobalLabelEncoder': _global_encoder_rank,
    'Lab2PixV1Generator': _lab2pix_v1_heads_rank,
    'LGGANCrossViewGenerator': _cross_view_rank,
}


def official_order(module: nn.Module, keys: Sequence[str]) -> List[str]:
    """``keys`` (of ``module.state_dict()``) re-sorted into the order in
    which the official network registers the same tensors."""
    keys = list(keys)
    for prefix, sub in module.named_modules():
        rank = OFFICIAL_ORDER.get(type(sub).__name__)
        if rank is None:
            continue
        head = f'{prefix}.' if prefix else ''
        slots = [i for i, k in enumerate(keys) if k.startswith(head)
                 and rank(k[len(head):]) is not None]
        moved = sorted((keys[i] for i in slots),
                       key=lambda k: rank(k[len(head):]))
        for i, k in zip(slots, moved):
            keys[i] = k
    return keys


def _kind(key: str) -> str:
    """What an entry is (weight, bias, weight_orig, weight_u, ...)."""
    return key.rsplit('.', 1)[-1]


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


def match_state(official: Dict[str, torch.Tensor], module: nn.Module,
                source: str = 'checkpoint'
                ) -> Tuple[List[Tuple[str, str]], str, List[str]]:
    """Pair the entries of an official state dict with ``module``'s.

    Args:
        official: name -> tensor of one official network (any device,
            ``meta`` included: only names, shapes and order are read).
        module: the mmsemsyn network built from the config.
        source: file name for the error messages.

    Returns:
        ``(pairs, how, dropped)``: (official key, our key) pairs covering
        every entry of ``module`` but its own-only buffers; 'by name' or
        'in order'; the official keys left out.

    Raises:
        ValueError: counts, shapes or entry kinds differ (names the first
        pairs), or the file holds entries this network does not have.
    """
    drop = UNUSED_OFFICIAL.get(type(module).__name__, ())
    dropped = [k for k in official if k.startswith(drop)] if drop else []
    own = module.state_dict()
    if not any(_kind(k) in NORM_STATS for k in own):
        # statistics our norm layers do not keep (see the module docstring)
        dropped += [k for k in official
                    if _kind(k) in NORM_STATS and k not in dropped]
    official = {k: v for k, v in official.items() if k not in dropped}
    target = [k for k in own if _kind(k) not in OWN_ONLY]
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
        pairs = list(zip(src_keys, official_order(module, target)))
        how = 'in order'
    wrong = [(s, d, official[s].shape, own[d].shape) for s, d in pairs
             if official[s].shape != own[d].shape
             or _kind(s) != _kind(d)]
    if wrong:
        raise ValueError(
            f'{source} does not fit {type(module).__name__} built from the '
            f'config: {len(wrong)} tensors differ in shape or kind, e.g. '
            f'{_describe(wrong)}. Use the config of the official run.')
    return pairs, how, dropped


def convert_state(official: Dict[str, torch.Tensor], module: nn.Module,
                  source: str = 'checkpoint') -> Tuple[str, List[str]]:
    """Load ``official`` into ``module`` (see :func:`match_state`); returns
    (how it was matched, the official keys left out)."""
    pairs, how, dropped = match_state(official, module, source)
    own = module.state_dict()
    new = dict(own)
    for s, d in pairs:
        new[d] = official[s].to(own[d].dtype)
    module.load_state_dict(new, strict=True)
    return how, dropped


def official_parts(module: nn.Module, num_files: int,
                   source: str = 'the config') -> List[Tuple[str, nn.Module]]:
    """The sub-networks that ``num_files`` official D files load into:
    the whole module for one file; LGGAN cross-view's (D1, D2) =
    (``image``, ``semantic``); Lab2Pix-V1's (D0, D1, D2) =
    ``discriminators.0/1/2``. Raises ``ValueError`` when the counts differ."""
    if num_files == 1:
        return [('', module)]
    if type(module).__name__ == 'LGGANDualDiscriminator':
        parts = [('image', module.image), ('semantic', module.semantic)]
    elif type(module).__name__ == 'HierarchicalPerceptualDiscriminators':
        parts = [(f'discriminators.{i}', d)
                 for i, d in enumerate(module.discriminators)]
    else:
        parts = []
    if len(parts) != num_files:
        raise ValueError(
            f'{num_files} official discriminator files given, but the '
            f'{type(module).__name__} of {source} is '
            f'{len(parts) or "one network"}'
            + (' networks' if parts else '') + ': give one file per '
            'official D (LGGAN cross-view: D1 D2; Lab2Pix-V1: D0 D1 D2), '
            'or one file for a single official netD.')
    return parts


def _without_pretrained_vgg(cfg):
    """A D config whose VGG branch is built without downloading weights:
    the official D file carries that branch's weights."""
    if isinstance(cfg, dict):
        return {k: (None if k == 'vgg_pretrained' else
                    _without_pretrained_vgg(v)) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_without_pretrained_vgg(v) for v in cfg)
    return cfg


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert official pix2pixHD / SPADE / LGGAN / '
        'Lab2Pix-V1 / Lab2Pix-V2 checkpoints to an mmsemsyn checkpoint')
    parser.add_argument('config', help='the mmsemsyn config of the model')
    parser.add_argument('--generator', required=True,
                        help='official generator file (latest_net_G.pth)')
    parser.add_argument('--encoder',
                        help='official encoder file (latest_net_E.pth: '
                        'pix2pixHD instance features, SPADE VAE)')
    parser.add_argument('--discriminator', nargs='+',
                        help='official discriminator file(s): '
                        'latest_net_D.pth; LGGAN cross-view D1 D2; '
                        'Lab2Pix-V1 D0 D1 D2 (in that order)')
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
    if args.discriminator:
        if not cfg.model.get('discriminator'):
            raise ValueError(f'--discriminator given, but {args.config} '
                             'has no model.discriminator.')
        parts['discriminator'] = args.discriminator
    state, meta = {}, {}
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        for name, paths in parts.items():
            module_cfg = cfg.model[name]
            if name == 'discriminator':
                module_cfg = _without_pretrained_vgg(module_cfg.to_dict(
                ) if hasattr(module_cfg, 'to_dict') else module_cfg)
            module = MODELS.build(module_cfg)
            paths = [paths] if isinstance(paths, str) else list(paths)
            meta[name] = []
            for (sub_name, sub), path in zip(
                    official_parts(module, len(paths), args.config), paths):
                how, dropped = convert_state(load_official(path), sub,
                                             source=path)
                meta[name].append(dict(source=osp.abspath(path),
                                       part=sub_name, matched=how,
                                       dropped=dropped))
                print(f'{name}{"." + sub_name if sub_name else ""}: '
                      f'{len(sub.state_dict())} tensors from {path} '
                      f'({how}); left out: {len(dropped)}'
                      + (f' ({", ".join(dropped[:4])}'
                         f'{", ..." if len(dropped) > 4 else ""})'
                         if dropped else ''))
            if len(meta[name]) == 1:
                meta[name] = meta[name][0]
            state.update({f'{name}.{k}': v
                          for k, v in module.state_dict().items()})
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
