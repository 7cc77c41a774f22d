"""The model zoo's metadata: ``model-index.yml`` and the per-method
``configs/<method>/metafile.yml`` files (OpenMMLab's format, read by
``mim`` and by the test that checks them), and parameter counts of a
config's networks without building them in memory."""
import copy
import os.path as osp
from typing import Dict, List, Union

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
