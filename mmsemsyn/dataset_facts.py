"""Dataset facts held once, and the channel counts derived from them.

The facts of a dataset -- its class names (so ``num_classes``), its
dontcare id, its label-id maps, its background ("stuff") ids -- live in the
dataset class's ``METAINFO`` (``mmsemsyn/datasets/*.py``), overridable per
config through ``dataset.metainfo``. The model's channel counts follow from
them through the data preprocessor, the one module that builds the label
input: ``semantic_nc = num_classes (+1 dontcare) (+1 instance edges)
(+1 class noise) (+1 thing instances)`` (``SynDataPreprocessor.semantic_nc``).

:func:`resolve_channels` runs once per config, wherever a config becomes a
model (``tools/train.py``, ``tools/test.py``, the inferencer,
``get_flops.py``, ``benchmark.py``, the pix2pixHD feature-clustering tool),
before anything heavy is built. It

1. checks ``model.data_preprocessor.num_classes`` against the number of
   classes of the train/test datasets (where the dataset names its classes
   and the pipeline does not remap ids), filling it in when unset;
2. builds the data preprocessor (a few tensors, no network) and reads its
   ``semantic_nc``;
3. for every network role of the method (:data:`CHANNEL_RULES`, or a
   synthesizer class's own ``CHANNEL_RULES`` attribute), checks the
   network's input-channel argument against the value the data gives
   (``generator: S``, ``discriminator: S + 3`` for a conditional
   discriminator that sees label + photo, ...), filling it in when the
   config leaves it unset.

A mismatch raises :class:`ChannelMismatchError` naming the config key, the
two values, where the derived one comes from, and the fix. Configs that set
every value explicitly (all shipped configs do, and tests build models from
them directly) are only checked, never changed.
"""
import inspect
from typing import Callable, Dict, List, Optional, Tuple

__all__ = [
    'CHANNEL_RULES', 'ChannelMismatchError', 'dataset_metainfo',
    'resolve_channels'
]


class ChannelMismatchError(ValueError):
    """A channel count or class count of a config disagrees with the data."""


# Input channels of each network role, as a function of
#   S: the data preprocessor's semantic_nc (label input channels),
#   C: its num_classes,
#   F: the instance-feature channels the encoder appends (pix2pixHD, 0 when
#      the model has no encoder).
# Keys are synthesizer class names, looked up along the class's MRO, so a
# subclass (a project's method) inherits its parent's rules; a synthesizer
# class may also carry its own ``CHANNEL_RULES`` attribute (same format),
# which wins. A role missing from a method's rules is not checked.
ChannelRule = Callable[[int, int, int], int]
_CONDITIONAL: Dict[str, ChannelRule] = {
    'generator': lambda S, C, F: S,
    # a conditional PatchGAN sees the label input and the photo (RGB)
    'discriminator': lambda S, C, F: S + 3,
}
CHANNEL_RULES: Dict[str, Dict[str, ChannelRule]] = {
    'Pix2Pix': _CONDITIONAL,
    'SPADEGAN': _CONDITIONAL,
    'LGGAN': _CONDITIONAL,
    'Lab2PixV2': _CONDITIONAL,
    'DenoisingGAN': _CONDITIONAL,
    # G reads the label input plus the encoder's instance features
    'Pix2PixHD': dict(_CONDITIONAL, generator=lambda S, C, F: S + F),
    # a perceptual-loss model: no discriminator
    'CRN': {'generator': lambda S, C, F: S},
    # unpaired: photo D and layout D are unconditional; the layout
    # generator maps a photo back to C class scores
    'DiversityCycleGAN': {
        'generator': lambda S, C, F: S,
        'discriminator': lambda S, C, F: 3,
        'layout_discriminator': lambda S, C, F: C,
        'layout_generator.out': lambda S, C, F: C,
    },
    # unpaired, unconditional D; the generator's label_nc follows the
    # official per-dataset values (1 for edge sketches), not a formula
    'Lab2PixV1': {'discriminator': lambda S, C, F: 3},
    # the cross-view inputs are RGB panels, not one-hot maps: nothing to
    # derive from semantic_nc
    'LGGANCrossView': {},
}

# The argument that names a network's label-input channels, by preference
# (the field's name first). The first one the network's class accepts is
# checked/filled; a nested ``discriminator`` (multi-scale wrapper) is
# followed to the per-scale network.
_INPUT_ARGS = ('semantic_nc', 'in_channels', 'input_nc', 'label_nc')
_OUTPUT_ARGS = ('out_channels', 'output_nc')
# Loading steps that make label ids from something else than stored ids.
_DECODERS = ('LoadSketchLabel', )


def dataset_metainfo(dataset_cfg: dict) -> Tuple[str, dict]:
    """(dataset type name, metainfo) of a dataloader's ``dataset`` config.

    Wrappers that hold the real dataset under ``dataset`` (``HoldoutSplit``,
    ``UnpairedDataset``) are followed. The metainfo is the class's
    ``METAINFO`` updated by the config's ``metainfo``; ``({}, ...)`` when
    the type is not registered.
    """
    from mmsemsyn.registry import DATASETS
    while isinstance(dataset_cfg.get('dataset'), dict):
        dataset_cfg = dataset_cfg['dataset']
    name = dataset_cfg.get('type')
    cls = name if inspect.isclass(name) else DATASETS.get(name) \
        if isinstance(name, str) else None
    meta = dict(getattr(cls, 'METAINFO', None) or {})
    meta.update(dataset_cfg.get('metainfo') or {})
    return getattr(cls, '__name__', str(name)), meta


def _remaps_ids(dataset_cfg: dict) -> bool:
    """Whether the loading pipeline changes label ids (an id map, reduced
    zero label, colour or sketch decoding): the dataset's class list then
    does not give the model's num_classes."""
    while isinstance(dataset_cfg.get('dataset'), dict):
        if dataset_cfg.get('pipeline'):
            break
        dataset_cfg = dataset_cfg['dataset']
    for step in dataset_cfg.get('pipeline') or ():
        if not isinstance(step, dict):
            return True
        if step.get('label_map') or step.get('reduce_zero_label') or \
                step.get('color_palette') or step.get('type') in _DECODERS:
            return True
    return False


def _check_num_classes(cfg, dp: dict, config_path: str) -> None:
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        dataset_cfg = loader.get('dataset') if isinstance(loader, dict) \
            else None
        if not isinstance(dataset_cfg, dict) or _remaps_ids(dataset_cfg):
            continue
        name, meta = dataset_metainfo(dataset_cfg)
        classes = meta.get('classes') or ()
        if not classes:
            continue
        if dp.get('num_classes') is None:
            dp['num_classes'] = len(classes)
        elif dp['num_classes'] != len(classes):
            raise ChannelMismatchError(
                f'{config_path}: model.data_preprocessor.num_classes='
                f'{dp["num_classes"]} but {split}_dataloader.dataset '
                f'({name}) has {len(classes)} classes (its METAINFO '
                "'classes'). Fix: set model.data_preprocessor.num_classes="
                f'{len(classes)} (or remove it: it is taken from the '
                'dataset), or give the dataset metainfo=dict(classes=...) '
                'for a different class list.')


def _check_instance_maps(cfg, dp: dict, config_path: str) -> None:
    """``use_instance_edges`` needs instance maps in the samples: a loading
    pipeline that reads files but no instance map (or a dataset told
    ``with_instances=False``) cannot give them. Datasets that render their
    samples (no loading step, e.g. the synthetic scenes) are trusted."""
    if not dp.get('use_instance_edges'):
        return
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        dataset_cfg = loader.get('dataset') if isinstance(loader, dict) \
            else None
        if not isinstance(dataset_cfg, dict):
            continue
        while isinstance(dataset_cfg.get('dataset'), dict) and \
                not dataset_cfg.get('pipeline'):
            dataset_cfg = dataset_cfg['dataset']
        loads = [str(step.get('type', '')) for step in
                 dataset_cfg.get('pipeline') or () if isinstance(step, dict)
                 and str(step.get('type', '')).startswith('Load')]
        if dataset_cfg.get('with_instances') is False or (
                loads and not any('Instance' in t for t in loads)):
            name, _ = dataset_metainfo(dataset_cfg)
            raise ChannelMismatchError(
                f'{config_path}: model.data_preprocessor.use_instance_edges'
                f'=True but {split}_dataloader.dataset ({name}) gives no '
                f'instance maps (its loading steps: {loads}'
                + (', with_instances=False' if dataset_cfg.get(
                    'with_instances') is False else '') + '). Fix: load them '
                "(dict(type='LoadInstanceMap') in the pipeline, "
                'with_instances=True) or set use_instance_edges=False (one '
                'label channel fewer).')


def _rules_for(model_type) -> Optional[Dict[str, ChannelRule]]:
    from mmsemsyn.registry import MODELS
    cls = model_type if inspect.isclass(model_type) else \
        MODELS.get(model_type) if isinstance(model_type, str) else None
    if cls is None:
        return None
    for klass in cls.__mro__:
        own = vars(klass).get('CHANNEL_RULES')
        if own is not None:
            return own
        if klass.__name__ in CHANNEL_RULES:
            return CHANNEL_RULES[klass.__name__]
    return None


def _accepted(net_cfg: dict) -> Optional[List[str]]:
    from mmsemsyn.config_check import _init_arguments, _resolve_type
    cls = _resolve_type(net_cfg.get('type'), ['model'])
    return None if cls is None else _init_arguments(cls)


def _channel_key(net_cfg: dict, names) -> Tuple[dict, Optional[str], str]:
    """(dict holding the argument, argument name or None, dotted suffix)."""
    suffix = ''
    # a wrapper that takes the channels itself (the multi-scale and
    # hierarchical discriminators) holds them; otherwise look inside its
    # per-scale 'discriminator' dict
    while isinstance(net_cfg.get('discriminator'), dict) and not any(
            net_cfg.get(name) is not None
            or name in (_accepted(net_cfg) or ()) for name in names):
        net_cfg = net_cfg['discriminator']
        suffix += '.discriminator'
    for name in names:
        if net_cfg.get(name) is not None:
            return net_cfg, name, f'{suffix}.{name}'
    accepted = _accepted(net_cfg) or ()
    for name in names:
        if name in accepted:
            return net_cfg, name, f'{suffix}.{name}'
    return net_cfg, None, suffix


def _feature_channels(model: dict) -> int:
    encoder = model.get('encoder')
    if not isinstance(encoder, dict):
        return 0
    if encoder.get('feat_num') is not None:
        return int(encoder['feat_num'])
    from mmsemsyn.config_check import _resolve_type
    cls = _resolve_type(encoder.get('type'), ['model'])
    if cls is None:
        return 0
    param = inspect.signature(cls.__init__).parameters.get('feat_num')
    return 0 if param is None or param.default is param.empty else \
        int(param.default)


def _describe(pre) -> str:
    parts = [f'{pre.num_classes} classes']
    for flag, text in (
            (getattr(pre, 'dontcare_label', None) is not None, 'dontcare'),
            (getattr(pre, 'use_instance_edges', False), 'instance edges'),
            (getattr(pre, 'class_noise', None) is not None, 'class noise'),
            (getattr(pre, 'thing_instance', None) is not None,
             'thing instances')):
        if flag:
            parts.append(f'1 {text}')
    return ' + '.join(parts)


def resolve_channels(cfg, config_path: str = '<config>') -> Dict[str, int]:
    """Fill unset and check set class/channel counts of ``cfg.model``.

    Args:
        cfg: an mmengine ``Config`` (or dict) with ``model`` and the
            dataloaders; changed in place where a value is unset.
        config_path: named in errors.

    Returns:
        ``{dotted config key: value}`` for every key checked or filled.

    Raises:
        ChannelMismatchError: a set value disagrees with the data (the
            message names the key, both values and the fix).
    """
    from mmsemsyn.registry import MODELS
    model = cfg.get('model') if hasattr(cfg, 'get') else None
    if not isinstance(model, dict):
        return {}
    dp = model.get('data_preprocessor')
    if not isinstance(dp, dict):
        return {}
    _check_num_classes(cfg, dp, config_path)
    _check_instance_maps(cfg, dp, config_path)
    if dp.get('num_classes') is None:
        return {}
    rules = _rules_for(model.get('type'))
    resolved = {'model.data_preprocessor.num_classes': dp['num_classes']}
    if not rules:
        return resolved
    pre = MODELS.build(dict(dp))
    S = getattr(pre, 'semantic_nc', None)
    if S is None:
        return resolved
    C, F = dp['num_classes'], _feature_channels(model)
    method = model['type'] if isinstance(model['type'], str) else \
        getattr(model['type'], '__name__', model['type'])
    for role, rule in rules.items():
        name, _, end = role.partition('.')
        net = model.get(name)
        if not isinstance(net, dict):
            continue
        holder, arg, suffix = _channel_key(
            net, _OUTPUT_ARGS if end == 'out' else _INPUT_ARGS)
        if arg is None:
            continue
        key = f'model.{name}{suffix}'
        want = rule(S, C, F)
        have = holder.get(arg)
        if have is None:
            holder[arg] = want
        elif have != want:
            source = (f'semantic_nc {S} = {_describe(pre)} from '
                      'model.data_preprocessor')
            if F:
                source += f', + {F} instance-feature channels (encoder)'
            raise ChannelMismatchError(
                f'{config_path}: {key}={have} but the data gives {want} '
                f'({method} {role}: {source}). Fix: set {key}={want}, or remove it '
                '(it is derived from the dataset and the data '
                'preprocessor); if the dataset changed, change '
                'model.data_preprocessor (num_classes, dontcare_label, '
                'use_instance_edges) instead.')
        resolved[key] = want
    return resolved
