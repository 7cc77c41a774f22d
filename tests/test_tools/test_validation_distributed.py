"""Validation on 2 processes (torchrun, gloo) gives the numbers of 1."""
import json
import os
import socket
import subprocess
import sys

import pytest
import torch.distributed as dist
from tiny_train_configs import REPO, write_tiny_config

# Runs runner.val() on the config's validation set and writes the metrics
# (rank 0). The weights are the seeded initialisation, equal on every rank.
SCRIPT = '''
import json, os, sys
from mmengine.config import Config
from mmengine.runner import Runner
import mmsemsyn
from mmsemsyn.engine.launch import (close_process_group,
                                    init_cpu_process_group,
                                    setup_cpu_distributed)
from mmsemsyn.utils import register_all_modules


def main():
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(sys.argv[1])
    cfg.work_dir = sys.argv[2]
    # Outside training there is no best checkpoint to keep.
    cfg.default_hooks.checkpoint.save_best = None
    cfg.launcher = 'pytorch' if 'RANK' in os.environ else 'none'
    if cfg.launcher != 'none':
        setup_cpu_distributed(cfg)
        init_cpu_process_group(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.val()
    if runner.rank == 0:
        with open(sys.argv[3], 'w') as f:
            json.dump(metrics, f)
    close_process_group()


# In a function, as in tools/test.py, so the runner (and the DDP wrapper that
# holds the gloo group) is freed when main() returns; then leave without the
# interpreter's teardown, where gloo's threads can still abort a rank
# ("terminate called without an active exception") after all work is done.
main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
'''

# 5 validation samples in batches of 2: 2 processes pad the last batch
# with a repeated sample, which the metrics must count once.
VAL = '''
val_dataloader = dict(batch_size=2, dataset=dict(
    num_samples=7, img_size=(32, 32), indices=5))
val_evaluator = [
    dict(type='PixelMetrics'),
    dict(type='FrechetInceptionDistance', allow_random=True, dims=64,
         device='cpu'),
]
'''


@pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(),
                    reason='needs torch.distributed with gloo')
def test_validation_two_processes_equal_one(tmp_path, free_port):
    cfg = write_tiny_config(tmp_path, extra=VAL)
    script = tmp_path / 'val.py'
    script.write_text(SCRIPT.format(repo=REPO))
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('CUDA_VISIBLE_DEVICES', None)
    one, two = tmp_path / 'one.json', tmp_path / 'two.json'
    run = dict(cwd=str(tmp_path), env=env, capture_output=True, text=True,
               timeout=300, stdin=subprocess.DEVNULL)
    proc = subprocess.run([sys.executable, str(script), cfg,
                           str(tmp_path / 'w1'), str(one)], **run)
    assert proc.returncode == 0, proc.stderr[-3000:]
    port = free_port
    for attempt in range(2):
        proc = subprocess.run(
            [sys.executable, '-m', 'torch.distributed.run',
             '--nproc_per_node=2', f'--master_port={port}', str(script), cfg,
             str(tmp_path / f'w2_{attempt}'), str(two)], **run)
        # gloo on a loaded 2-core CI machine has aborted a rank with this
        # C++ message (2 of 5 runs); it is no metric difference, so the
        # launch is retried once on a fresh port, and only for it.
        if proc.returncode == 0 or 'terminate called without an active ' \
                'exception' not in proc.stderr:
            break
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
    assert proc.returncode == 0, proc.stderr[-3000:]
    m1, m2 = json.loads(one.read_text()), json.loads(two.read_text())
    assert set(m1) == {'pixel/PSNR', 'pixel/SSIM', 'pixel/MSE', 'pixel/RMSE',
                       'FID/fid'}
    assert m1.keys() == m2.keys()
    for key in m1:
        assert m2[key] == pytest.approx(m1[key], rel=1e-6, abs=1e-6), key
