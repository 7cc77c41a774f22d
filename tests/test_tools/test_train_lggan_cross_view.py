"""End to end: a few LGGAN cross-view iterations through tools/train.py on
six-panel files written to tmp_path; every loss is logged by name."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/lggan/lggan_dayton-a2g_tiny-demo.py')
LOSSES = ('loss_d_image_real', 'loss_d_image_fake', 'loss_d_semantic_real',
          'loss_d_semantic_fake', 'loss_disc', 'loss_gan_image',
          'loss_gan_semantic', 'loss_l1', 'loss_l1_local', 'loss_vgg',
          'loss_tv', 'loss_gen')


def write_panels(folder, n=3, size=32):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        photos = [rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                  for _ in range(4)]
        ids = np.kron(rng.integers(0, 6, (4, 4)),
                      np.ones((size // 4, size // 4), int))
        grey = np.repeat((10 * (ids + 1)).astype(np.uint8)[..., None], 3, -1)
        cv2.imwrite(osp.join(folder, f'{i:03d}.png'),
                    np.concatenate(photos + [grey, grey], 1))


def test_train_tool_logs_every_loss(tmp_path):
    data_root = tmp_path / 'dayton'
    write_panels(str(data_root / 'train'))
    work_dir = tmp_path / 'work'
    cmd = [
        sys.executable, osp.join(REPO, 'tools/train.py'), CONFIG,
        '--work-dir', str(work_dir), '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        'model.generator.ngf=8', 'model.generator.n_blocks=1',
        'model.discriminator.image.ndf=8',
        'model.discriminator.semantic.ndf=8',
        'train_cfg.max_iters=3', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=3',
    ]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    logs = list(work_dir.glob('*/vis_data/scalars.json'))
    assert logs, 'no scalars.json written'
    records = [json.loads(line) for line in logs[0].read_text().splitlines()]
    assert [r['step'] for r in records] == [1, 2, 3]
    for name in LOSSES:
        assert all(np.isfinite(r[name]) for r in records), name
    assert (work_dir / 'iter_3.pth').exists()
    assert (work_dir / 'vis' / 'iter_0000003.png').exists()
