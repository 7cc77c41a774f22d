"""Every config's geometric pipeline gives the pixels it gave before the
transforms were rebuilt (issue 9 item 7).

The golden outputs in ``tests/data/transform_golden.json`` were recorded
with the transforms as they were before the rebuild (``cv2.resize`` and
Python's ``random``), by running this file as a script::

    python tests/test_datasets/test_transforms/test_pipeline_golden.py --record

For each train/val/test pipeline of every config that defines one, the
loading transforms are replaced by tiny arrays this file makes itself
(label ids, 16-bit-range instance ids, RGB photos, the cross-view images),
three samples go through the remaining transforms after mmengine seeds
everything with 0, and the SHA-256 of every packed tensor plus the flip /
crop decisions are compared. Resizes, crops and flips must be
pixel-identical, and under mmengine's seed the random decisions as well.
"""
import glob
import hashlib
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
GOLDEN = osp.join(ROOT, 'tests', 'data', 'transform_golden.json')
# Transforms that read files; the test feeds arrays instead.
LOADERS = {'LoadLabelMap', 'LoadInstanceMap', 'LoadSynImage',
           'LoadCrossViewPanels', 'LoadSketchLabel'}
NUM_SAMPLES = 3
SIZE = (37, 53)  # (h, w): odd, so rounding in the resizes shows


def _config_files():
    files = sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                             recursive=True))
    return [f for f in files if 'pipeline' in open(f).read()]


def _pipelines_of(cfg):
    """(name, pipeline list) of every dataloader's dataset (and wrapped
    dataset) of a config."""
    found = []
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        dataset = loader.get('dataset') if loader else None
        depth = 0
        while dataset is not None and depth < 4:
            if dataset.get('pipeline'):
                found.append((f'{split}{"/inner" * depth}',
                              dataset['pipeline']))
            dataset = dataset.get('dataset')
            depth += 1
    return found


def _inputs(loaders, idx: int) -> dict:
    rng = np.random.default_rng([7, idx])
    h, w = SIZE
    results = dict(sample_idx=idx, img_path=f'img_{idx}.png',
                   label_path=f'label_{idx}.png', ori_shape=(h, w),
                   img_shape=(h, w))
    results['gt_label'] = rng.integers(0, 40, (h, w)).astype(np.int64)
    if 'LoadInstanceMap' in loaders:
        results['gt_inst'] = rng.integers(0, 34000, (h, w)).astype(np.int64)
        results['inst_path'] = f'inst_{idx}.png'
    if loaders & {'LoadSynImage', 'LoadCrossViewPanels'}:
        results['gt_img'] = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if 'LoadCrossViewPanels' in loaders:
        results['source_img'] = rng.integers(0, 256, (h, w, 3),
                                             dtype=np.uint8)
        results['target_semantic'] = rng.integers(0, 256, (h, w, 3),
                                                  dtype=np.uint8)
    return results


def _digest(array) -> str:
    array = np.ascontiguousarray(array)
    return (f'{array.dtype}{list(array.shape)}:'
            + hashlib.sha256(array.tobytes()).hexdigest()[:32])


def run_pipeline(pipeline) -> list:
    """Outputs (digests and decisions) of NUM_SAMPLES samples."""
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    from mmengine.runner import set_random_seed

    import mmsemsyn  # noqa: F401
    init_default_scope('mmsemsyn')
    loaders = {t['type'] for t in pipeline if t['type'] in LOADERS}
    rest = [dict(t) for t in pipeline if t['type'] not in LOADERS]
    set_random_seed(0)
    compose = Compose(rest)
    outputs = []
    for idx in range(NUM_SAMPLES):
        packed = compose(_inputs(loaders, idx))
        sample = packed['data_samples']
        out = {k: _digest(v.numpy()) for k, v in
               sorted(packed['inputs'].items())}
        for key in ('flip', 'crop_bbox', 'img_shape'):
            if key in sample.metainfo:
                value = sample.metainfo[key]
                out[key] = list(value) if isinstance(value, tuple) else value
        outputs.append(out)
    return outputs


def collect() -> dict:
    from mmengine.config import Config
    golden = {}
    for path in _config_files():
        cfg = Config.fromfile(path)
        for name, pipeline in _pipelines_of(cfg):
            golden[f'{osp.relpath(path, ROOT)}::{name}'] = run_pipeline(
                pipeline)
    return golden


def _cases():
    if not osp.exists(GOLDEN):  # while recording
        return {}
    with open(GOLDEN) as f:
        return json.load(f)


def test_golden_covers_every_config_pipeline():
    """Every config that defines a pipeline was recorded (a new config
    with a pipeline must be recorded: run this file with --record)."""
    from mmengine.config import Config
    recorded = {k.split('::')[0] for k in _cases()}
    for path in _config_files():
        rel = osp.relpath(path, ROOT)
        if _pipelines_of(Config.fromfile(path)):
            assert rel in recorded, f'{rel} has no golden outputs'


@pytest.mark.parametrize('case', sorted(_cases()))
def test_pipeline_matches_golden(case):
    from mmengine.config import Config
    path, name = case.split('::')
    pipelines = dict(_pipelines_of(Config.fromfile(osp.join(ROOT, path))))
    assert name in pipelines, f'{case}: pipeline gone from the config'
    assert run_pipeline(pipelines[name]) == _cases()[case]


if __name__ == '__main__':
    if sys.argv[1:] != ['--record']:
        sys.exit('usage: test_pipeline_golden.py --record')
    data = collect()
    tmp = GOLDEN + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, GOLDEN)
    print(f'{len(data)} pipelines recorded in {GOLDEN}')
