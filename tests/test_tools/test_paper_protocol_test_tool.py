"""tools/test.py with the Cityscapes paper-protocol evaluator, end to end.

A tiny pix2pix trained two iterations on the built-in synthetic scenes;
test_evaluator from ``configs/_base_/evaluators/paper_protocol_cityscapes.py``
unchanged except through the override keys a user without internet sets:
the segmenter weights (a DRN in the *release's* file layout, random, few
layers) and the Inception file. The protocol's resize (up to 1024x2048) runs.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from test_test_tool import _write_inception_file  # noqa: E402

CONFIG = """
_base_ = [{models!r}, {schedule!r}, {runtime!r}, {protocol!r}]
num_classes = 35
model = dict(generator=dict(in_channels=num_classes, num_downs=5, ngf=4),
             discriminator=dict(in_channels=num_classes + 3, ndf=4))
# The scenes' ids 0-5 read as Cityscapes ids: the dataset says it has the
# 35 classes the protocol's segmenter scores (the class count check).
synthetic = dict(type='SyntheticScenesDataset', img_size=(32, 64),
                 metainfo=dict(classes=tuple(map(str, range(num_classes)))),
                 pipeline=[dict(type='PackSynInputs')])
train_dataloader = dict(batch_size=2, num_workers=0,
                        sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=dict(synthetic, num_samples=4, seed=0))
test_dataloader = dict(batch_size=2, num_workers=0,
                       sampler=dict(type='DefaultSampler', shuffle=False),
                       dataset=dict(synthetic, num_samples=4, seed=1))
train_cfg = dict(max_iters=2, val_interval=10**9)
val_dataloader = None
val_cfg = None
val_evaluator = None
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, save_best=None))
"""

# Few, narrow DRN levels: the release's key layout at a fraction of the
# compute, so the 1024x2048 protocol resize stays cheap on a CPU.
TINY_DRN = dict(layers=(1, 1, 1, 1, 1, 1, 1, 1),
                channels=(4, 4, 4, 4, 4, 4, 8, 8))


def _run(args, timeout=600):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_test_tool_with_paper_protocol_cityscapes(tmp_path):
    from mmsemsyn.models.pretrained.paper_segmenters import mmseg_to_official
    from mmsemsyn.models.pretrained.segmenter import build_mmseg_segmenter
    base = REPO / 'configs' / '_base_'
    cfg = tmp_path / 'paper_protocol_tiny.py'
    cfg.write_text(CONFIG.format(
        models=str(base / 'models/pix2pix_unet.py'),
        schedule=str(base / 'schedules/pix2pix_iter.py'),
        runtime=str(base / 'default_runtime.py'),
        protocol=str(base / 'evaluators/paper_protocol_cityscapes.py')))
    # A random DRN saved as the release is (official keys), read through
    # the override key and converted on load.
    from mmengine.config import Config
    seg_cfg = Config.fromfile(str(cfg)).test_evaluator[1].seg_config
    seg_cfg.backbone.update(TINY_DRN)
    seg_cfg.decode_head.update(in_channels=8, channels=8)
    torch.manual_seed(0)
    drn = build_mmseg_segmenter(seg_cfg, None)
    torch.save(mmseg_to_official(drn.state_dict(), 'drn_d_105_cityscapes'),
               tmp_path / 'drn-d-105_ms_cityscapes.pth')
    _write_inception_file(tmp_path / 'inception.pth')

    r = _run([sys.executable, 'tools/train.py', str(cfg), '--work-dir',
              str(tmp_path / 'train')])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    ckpt = tmp_path / 'train' / 'iter_2.pth'
    assert ckpt.exists()

    out = tmp_path / 'scores.json'
    overrides = [
        f'test_evaluator.1.seg_checkpoint={tmp_path}/'
        'drn-d-105_ms_cityscapes.pth',
        f'test_evaluator.0.inception_path={tmp_path}/inception.pth',
        'test_evaluator.0.dims=64', 'test_evaluator.0.device=cpu',
        'test_evaluator.1.device=cpu',
        # the synthetic scenes' ids 0..5 stand for train ids (the protocol
        # maps Cityscapes labelIds, which they are not)
        'test_evaluator.1.label_map=None',
        'test_evaluator.1.seg_config.backbone.layers=[1,1,1,1,1,1,1,1]',
        'test_evaluator.1.seg_config.backbone.channels=[4,4,4,4,4,4,8,8]',
        'test_evaluator.1.seg_config.decode_head.in_channels=8',
        'test_evaluator.1.seg_config.decode_head.channels=8',
    ]
    r = _run([sys.executable, 'tools/test.py', str(cfg), str(ckpt),
              '--work-dir', str(tmp_path / 'test'), '--out', str(out),
              '--cfg-options', *overrides])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    scores = json.loads(out.read_text())
    assert {'FID/fid', 'seg/mIoU', 'seg/aAcc', 'seg/mAcc', 'pixel/PSNR'} \
        <= set(scores)
    assert 0 <= scores['seg/aAcc'] <= 100 and scores['FID/fid'] >= 0
    printed = r.stdout + r.stderr
    for key in ('FID/fid', 'seg/mIoU', 'seg/aAcc'):
        assert key in printed
    # The per-class table names the protocol's resize and the weights.
    assert '1024, 2048' in printed and 'drn-d-105_ms_cityscapes' in printed
