"""tools/test.py --num-samples K scores the segmentation of all K samples
per label map (Table II of the diversity paper), for a multi-output
generator (CRN, its n outputs) and a noise-driven one (CRN + the per-class
noise channel, K noise draws): the reported scores equal those of the K
saved sample PNGs per layout scored one by one."""
import os.path as osp
import sys
import uuid

import numpy as np
import pytest
import torch
from PIL import Image
from tiny_train_configs import REPO, load_tool

sys.path.insert(0, osp.join(REPO, 'tests', 'test_evaluation'))
from tiny_segmenter import tiny_segmenter_cfg  # noqa: E402

test_tool = load_tool('test')

CONFIG = '''
_base_ = [{base!r}]
experiment_name = 'segk_{tag}'
visualizer = dict(name='visualizer_{tag}')
test_dataloader = dict(batch_size=2, dataset=dict(num_samples=3,
                                                  img_size=(32, 32)))
model = dict(generator=dict(channels=(8, 8, 8, 4){outputs}))
test_evaluator = [dict(type='SegmentationScore', seg_config={seg_cfg!r},
                       seg_checkpoint={seg_ckpt!r}, device='cpu')]
'''


@pytest.fixture(scope='module')
def segmenter(tmp_path_factory):
    from mmsemsyn.models.pretrained.segmenter import build_mmseg_segmenter
    tmp = tmp_path_factory.mktemp('segk')
    torch.manual_seed(0)
    seg = build_mmseg_segmenter(tiny_segmenter_cfg(6), frozen=False)
    torch.save({'state_dict': seg.state_dict()}, tmp / 'seg.pth')
    return str(tmp / 'seg.pth')


def _setup(tmp_path, base, outputs, seg_ckpt):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmsemsyn.registry import MODELS
    from mmsemsyn.utils import register_all_modules
    cfg_path = tmp_path / 'cfg.py'
    cfg_path.write_text(CONFIG.format(
        base=osp.join(REPO, base), tag=uuid.uuid4().hex[:8],
        outputs=outputs, seg_cfg=tiny_segmenter_cfg(6), seg_ckpt=seg_ckpt))
    register_all_modules(init_default_scope=False)
    torch.manual_seed(1)
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        model = MODELS.build(Config.fromfile(str(cfg_path)).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}},
               tmp_path / 'model.pth')
    return str(cfg_path), str(tmp_path / 'model.pth')


def _score_saved(save, k, seg_ckpt):
    """The K sample PNGs of every layout, scored as separate images."""
    from mmsemsyn.evaluation.metrics.segmentation_score import (
        SegmentationScore,
    )
    ref = SegmentationScore(tiny_segmenter_cfg(6), seg_checkpoint=seg_ckpt,
                            device='cpu')
    names = sorted(p.stem for p in (save / 'label').iterdir())
    samples = []
    for i, name in enumerate(names):
        label = torch.from_numpy(np.array(Image.open(
            save / 'label' / f'{name}.png')).astype(np.int64))[None]
        for j in range(k):
            img = np.array(Image.open(save / 'fake_samples' /
                                      f'{name}_{j}.png'))
            samples.append(dict(
                fake_img=torch.from_numpy(img).permute(2, 0, 1),
                gt_label=label, sample_idx=i * k + j))
    ref.process(None, samples)
    return ref.compute_metrics(ref.results), len(names)


@pytest.mark.parametrize('base, outputs', [
    ('configs/crn/crn_synthetic.py', ', num_outputs=3'),
    ('configs/diversity/crn-div_synthetic.py', ''),
])
def test_segmentation_scores_all_samples(base, outputs, segmenter, tmp_path):
    cfg, ckpt = _setup(tmp_path, base, outputs, segmenter)
    save = tmp_path / 'out'
    metrics = test_tool.main([cfg, ckpt, '--num-samples', '3',
                              '--save-dir', str(save)])
    expected, layouts = _score_saved(save, 3, segmenter)
    assert layouts == 3
    assert {k: metrics[f'seg/{k}'] for k in expected} == expected
    # The K samples really differ (else the test would not tell K from 1).
    a, b = (np.array(Image.open(next((save / 'fake_samples').glob(
        f'*_{j}.png')))) for j in (0, 1))
    assert not np.array_equal(a, b)
