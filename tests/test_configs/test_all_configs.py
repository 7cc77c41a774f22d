"""Every config in configs/ parses and names only registered components."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import DATASETS, HOOKS, METRICS, MODELS
from mmsemsyn.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


def _types(cfg):
    """(registry, type) pairs of a config's top-level components."""
    model = cfg.model
    yield MODELS, model.type
    for key in ('generator', 'discriminator', 'data_preprocessor'):
        if isinstance(model.get(key), dict) and 'type' in model[key]:
            yield MODELS, model[key].type
    for role, loss in (model.get('losses') or {}).items():
        if loss is not None:
            yield MODELS, loss.type
    for dl in ('train_dataloader', 'test_dataloader'):
        if cfg.get(dl):
            yield DATASETS, cfg[dl].dataset.type
    for metric in cfg.get('test_evaluator') or []:
        yield METRICS, metric.type
    for hook in cfg.get('custom_hooks') or []:
        yield HOOKS, hook.type


def test_configs_found():
    assert len(CONFIGS) > 40


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_parses_and_names_registered_types(path):
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmsemsyn'
    for registry, name in _types(cfg):
        if '.' in name or isinstance(name, type):
            continue  # another package's scope
        assert registry.get(name) is not None, (
            f'{osp.relpath(path, REPO)}: {name!r} is not registered in '
            f'{registry.name}')
