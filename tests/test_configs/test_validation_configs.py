"""Validation during training: every config validates on a fixed subset of
its own test set, with metrics that include the best-checkpoint key."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

import mmsemsyn  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)
# Metric types -> the keys they log (prefix/name).
METRIC_KEYS = {
    'FrechetInceptionDistance': ['FID/fid'],
    'FID': ['FID/fid'],
    'PixelMetrics': ['pixel/PSNR', 'pixel/SSIM', 'pixel/MSE', 'pixel/RMSE'],
    'SegmentationScore': ['seg/mIoU', 'seg/aAcc', 'seg/mAcc'],
}


def _strip_indices(dataset: dict) -> dict:
    dataset = dict(dataset)
    dataset.pop('indices', None)
    return dataset


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_validation_matches_test_set(path):
    cfg = Config.fromfile(path)
    parts = [cfg.get(k) for k in ('val_dataloader', 'val_cfg',
                                  'val_evaluator')]
    if all(p is None for p in parts):
        # No validation (no real images to compare with): nothing to keep.
        assert not cfg.default_hooks.checkpoint.get('save_best') or \
            cfg.train_cfg.get('val_interval', 1) >= 10**9 or \
            cfg.get('val_cfg') is None
        return
    assert all(p is not None for p in parts), (
        f'{path}: val_dataloader, val_cfg and val_evaluator must all be set '
        '(or all None)')
    # The validation set is the test set, or a fixed prefix of it.
    val, test = cfg.val_dataloader, cfg.test_dataloader
    assert _strip_indices(val.dataset) == _strip_indices(test.dataset)
    assert val.sampler.get('shuffle') is False
    indices = val.dataset.get('indices')
    assert indices is None or (isinstance(indices, int) and indices > 0)
    assert cfg.train_cfg.get('val_interval') is not None
    # Every validation metric is also a test metric, and one of them
    # logs the key the best checkpoint is chosen by.
    test_types = {m['type'] for m in cfg.test_evaluator}
    val_types = [m['type'] for m in cfg.val_evaluator]
    assert val_types and set(val_types) <= test_types
    best = cfg.default_hooks.checkpoint.get('save_best')
    assert best, f'{path}: no save_best'
    logged = [k for t in val_types for k in METRIC_KEYS.get(t, [])]
    assert best in logged, (best, logged)
    rule = cfg.default_hooks.checkpoint.get('rule')
    assert rule == ('less' if best == 'FID/fid' else 'greater')


def test_real_dataset_configs_keep_best_fid():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'spade',
                                   'spade_cityscapes.py'))
    assert cfg.default_hooks.checkpoint.save_best == 'FID/fid'
    assert cfg.default_hooks.checkpoint.rule == 'less'
    assert cfg.val_dataloader.dataset.indices == 500
    assert [m['type'] for m in cfg.val_evaluator] == [
        'FrechetInceptionDistance', 'SegmentationScore']
