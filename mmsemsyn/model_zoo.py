"""The model zoo's metadata: ``model-index.yml`` and the per-method
``configs/<method>/metafile.yml`` files (OpenMMLab's format, read by
``mim``, by the test that checks them and by the inferencer's model names,
:func:`find_model`), and parameter counts of a config's networks without
building them in memory."""
import copy
import os.path as osp
from typing import Dict, List, Optional, Union

import torch
from mmengine.config import Config

#: Networks of a synthesizer config whose sizes the metafiles record.
NETWORKS = ('generator', 'discriminator', 'encoder')
#: Keys that make a network load pretrained weights while it is built.
_PRETRAINED_KEYS = ('pretrained', 'vgg_pretrained')


def _without_pretrained(cfg):
    """A copy with every pretrained-weight switch off: counting needs the
    architecture only, and builds must not download."""
    if isinstance(cfg, dict):
        return {k: (None if k in _PRETRAINED_KEYS else _without_pretrained(v))
                for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_without_pretrained(v) for v in cfg)
    return cfg


def count_network_parameters(config: Union[str, Config]) -> Dict[str, int]:
    """``{network: number of parameters}`` for the generator, discriminator
    and encoder of a config (those it has), all parameters counted --
    frozen parts too (e.g. Lab2Pix's VGG-16 in the discriminator).

    The networks are built on PyTorch's ``meta`` device: shapes only, no
    memory and no initialisation, so even the 180M-parameter pix2pixHD
    generator counts in well under a second.
    """
    from mmsemsyn.registry import MODELS
    from mmsemsyn.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    counts = {}
    for name in NETWORKS:
        net_cfg = cfg.model.get(name)
        if not net_cfg:
            continue
        net_cfg = _without_pretrained(copy.deepcopy(net_cfg.to_dict()
                                      if hasattr(net_cfg, 'to_dict')
                                      else dict(net_cfg)))
        with torch.device('meta'):
            net = MODELS.build(net_cfg)
        counts[name] = sum(p.numel() for p in net.parameters())
    return counts


def load_model_index(root: str) -> List[dict]:
    """Every model entry of ``<root>/model-index.yml`` (the metafiles it
    imports), each with ``_metafile`` set to the file it came from."""
    import yaml
    with open(osp.join(root, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    models = []
    for rel in index.get('Import', []):
        path = osp.join(root, rel)
        with open(path) as f:
            meta = yaml.safe_load(f) or {}
        for model in meta.get('Models', []):
            models.append(dict(model, _metafile=rel))
    return models


def find_model(name: str, root: Optional[str] = None) -> dict:
    """A model-zoo name → its config file and weights.

    Args:
        name: the ``Name`` (or an ``Alias``) of a metafile entry, case
            insensitive (``'spade_cityscapes'``).
        root: the folder of ``model-index.yml``; None: mmsemsyn's (the
            repository root, or the package's ``.mim`` folder in a wheel).

    Returns:
        ``dict(name=..., config=<absolute config path>, weights=<the
        entry's first Weights (a URL or a path relative to root), or None
        where the zoo lists none>)``.

    Raises:
        ValueError: no entry of that name; the message lists the closest
            names and how to pass a config file instead.
    """
    import difflib
    if root is None:
        root = osp.dirname(osp.dirname(osp.abspath(__file__)))
        if not osp.isfile(osp.join(root, 'model-index.yml')):
            root = osp.join(osp.dirname(osp.abspath(__file__)), '.mim')
    models = load_model_index(root)
    wanted = name.lower()
    for model in models:
        aliases = model.get('Alias') or []
        aliases = [aliases] if isinstance(aliases, str) else aliases
        if wanted in [model['Name'].lower()] + [a.lower() for a in aliases]:
            weights = model.get('Weights')
            if isinstance(weights, (list, tuple)):
                weights = weights[0] if weights else None
            if weights and '://' not in weights and not osp.isabs(weights):
                weights = osp.join(root, weights)
            return dict(name=model['Name'],
                        config=osp.join(root, model['Config']),
                        weights=weights or None)
    names = [m['Name'] for m in models]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    raise ValueError(
        f'{name!r} is neither a config file nor a model of the model zoo '
        f'({osp.join(root, "model-index.yml")}, {len(names)} models)'
        f'{"; did you mean " + ", ".join(close) if close else ""}. Give a '
        'config file path, or a name listed by `mim search mmsemsyn`.')
