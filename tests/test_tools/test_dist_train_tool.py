"""tools/dist_train.sh: 2 CPU processes (gloo) end with identical weights
and identical BatchNorm buffers."""
import os
import os.path as osp
import shutil
import subprocess

import pytest
import torch
import torch.distributed as dist
from tiny_train_configs import REPO, write_tiny_config

import mmsemsyn  # noqa: F401  (checkpoint allow-list)

DUMP_HOOK = '''
import os.path as osp
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class RankStateDumpTestHook(Hook):
    """Each rank writes its own model state after training."""

    def after_run(self, runner):
        torch.save(runner.model.state_dict(),
                   osp.join(runner.work_dir, f'rank{runner.rank}.pth'))
'''


@pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')
@pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(),
                    reason='torch.distributed with the gloo backend is '
                    'not available in this torch build')
def test_dist_train_two_cpu_processes(tmp_path, free_port):
    (tmp_path / 'rank_dump_test_hook.py').write_text(DUMP_HOOK)
    cfg = write_tiny_config(
        tmp_path, size=32, iters=3,
        extra="custom_imports = dict(imports=['rank_dump_test_hook'], "
        "allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='RankStateDumpTestHook')]\n")
    work = tmp_path / 'work'
    env = dict(os.environ, PORT=str(free_port), OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join(
                   [str(tmp_path), os.environ.get('PYTHONPATH', '')]))
    env.pop('CUDA_VISIBLE_DEVICES', None)
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), cfg, '2',
         '--work-dir', str(work)],
        cwd=str(tmp_path), env=env, capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 and 'torch.distributed.run' in proc.stderr and \
            'No module named' in proc.stderr:
        pytest.skip('torch.distributed.run (torchrun) is unavailable')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.isfile(work / 'iter_3.pth')
    rank0 = torch.load(work / 'rank0.pth')
    rank1 = torch.load(work / 'rank1.pth')
    assert rank0.keys() == rank1.keys()
    buffers = [k for k in rank0 if 'running_' in k]
    assert buffers
    differ = [k for k in rank0 if not torch.equal(rank0[k], rank1[k])]
    assert not differ, differ[:5]
    # The checkpoint (rank 0) loads into a single-process model as is.
    state = torch.load(work / 'iter_3.pth')['state_dict']
    assert not any('.module.' in k for k in state)
