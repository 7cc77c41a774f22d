"""What every tool does to a config before it builds a runner or a model.

``tools/train.py``, ``tools/test.py``, ``tools/infer.py`` and
``tools/editor.py`` parse their own arguments (before torch is imported, so
``--help`` answers at once) and then call these functions; nothing here is
tool-specific:

- :func:`load_config`: read a config file and apply ``--cfg-options``
  after checking that every key names something
  (:func:`mmsemsyn.config_check.check_cfg_options`);
- :func:`set_work_dir`: ``--work-dir``, or ``./work_dirs/<config stem>``;
- :func:`cap_dataloader_workers`: no more loader workers than CPUs;
- :func:`enable_amp`: the ``--amp`` switch of every optimizer wrapper;
- :func:`setup_cpu_distributed`, :func:`init_cpu_process_group`,
  :func:`close_process_group`: several CPU processes (gloo) without a GPU.
"""
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config

__all__ = [
    'load_config', 'check_cfg_options', 'set_work_dir',
    'cap_dataloader_workers', 'optim_wrapper_cfgs', 'enable_amp',
    'setup_cpu_distributed', 'init_cpu_process_group', 'close_process_group'
]


def check_cfg_options(cfg: Config, options: dict, config_path: str) -> None:
    """Stop on any ``--cfg-options`` key that names nothing, at any depth,
    before anything is built (see :mod:`mmsemsyn.config_check`).

    Raises:
        KeyError: a key that matches no config entry or constructor
            argument; the message names the key, the config and the
            nearest valid names.
    """
    from mmsemsyn.config_check import check_cfg_options as check
    from mmsemsyn.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    check(cfg, options, config_path)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """The config of ``path`` with the checked ``cfg_options`` merged.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        KeyError: see :func:`check_cfg_options`.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file not found: {path!r}')
    cfg = Config.fromfile(path)
    if cfg_options:
        check_cfg_options(cfg, cfg_options, path)
        cfg.merge_from_dict(cfg_options)
    return cfg


def set_work_dir(cfg: Config, work_dir: Optional[str],
                 config_path: str) -> None:
    """``work_dir`` when given, else the config's own, else
    ``./work_dirs/<config file stem>`` (OpenMMLab's convention)."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])


def cap_dataloader_workers(cfg: Config) -> None:
    """More data-loading workers than CPUs only add processes that compete
    for the same cores (and a PyTorch warning): cap every dataloader's
    ``num_workers`` at the CPUs this process may use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if not isinstance(loader, dict):
            continue
        workers = loader.get('num_workers', 0) or 0
        if workers > cpus:
            print(f'[mmsemsyn] {key}.num_workers={workers} capped at {cpus} '
                  f'(the CPUs available here).', flush=True)
            loader['num_workers'] = cpus


def optim_wrapper_cfgs(cfg: Config) -> list:
    """The per-network optimizer wrapper configs (or the single one)."""
    wrappers = cfg.optim_wrapper
    if 'optimizer' in wrappers:
        return [wrappers]
    return [v for v in wrappers.values()
            if isinstance(v, dict) and 'optimizer' in v]


def enable_amp(cfg: Config, dtype: Optional[str] = None) -> None:
    """Switch every per-network optimizer wrapper to mixed precision.

    ``dtype`` 'bfloat16' (also 'bf16'): :class:`AutocastOptimWrapper` --
    autocast without loss scaling, which bfloat16 does not need (float32's
    exponent range), on CUDA and on the CPU. 'float16' ('fp16'): mmengine's
    ``AmpOptimWrapper`` with dynamic loss scaling; it runs only on
    CUDA/NPU/MLU/MUSA devices, so on a CPU-only machine this fails here
    with a clear message instead of an assertion deep inside the runner.
    None / 'auto': bfloat16, unless the GPU does not support it.

    Raises:
        RuntimeError: float16 asked for on a machine without a GPU.
    """
    import torch
    dtype = {'bf16': 'bfloat16', 'fp16': 'float16', 'auto': None}.get(
        dtype, dtype)
    cuda = torch.cuda.is_available()
    if dtype is None:
        dtype = 'float16' if cuda and not torch.cuda.is_bf16_supported() \
            else 'bfloat16'
    if dtype == 'float16' and not cuda:
        raise RuntimeError(
            '--amp fp16 needs a GPU: mmengine\'s AmpOptimWrapper supports '
            'only CUDA/NPU/MLU/MUSA devices and this machine has none. Use '
            '--amp bf16 (autocast on the CPU) or drop --amp to train in '
            'float32.')
    for sub in optim_wrapper_cfgs(cfg):
        if dtype == 'bfloat16':
            if sub.get('type', 'OptimWrapper') in ('OptimWrapper',
                                                   'AmpOptimWrapper'):
                sub['type'] = 'AutocastOptimWrapper'
                sub.pop('loss_scale', None)
        elif sub.get('type', 'OptimWrapper') != 'AmpOptimWrapper':
            sub['type'] = 'AmpOptimWrapper'
            sub.setdefault('loss_scale', 'dynamic')
        sub['dtype'] = dtype


def setup_cpu_distributed(cfg: Config) -> None:
    """CPU processes: gloo backend, DDP gets no ``device_ids`` (they are for
    GPU modules only), and no SyncBatchNorm (CUDA only: BN statistics stay
    per process, as on one GPU each)."""
    if cfg.get('sync_bn'):
        print(f'[mmsemsyn] sync_bn={cfg.sync_bn!r} ignored: SyncBatchNorm '
              'runs on CUDA only; CPU processes keep per-process BatchNorm '
              'statistics.', flush=True)
        cfg.sync_bn = None
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    if cfg.get('model_wrapper_cfg') is not None:
        cfg.model_wrapper_cfg.device_ids = None
    else:
        cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                                     device_ids=None)


def init_cpu_process_group(cfg: Config) -> None:
    """mmengine's pytorch launcher calls ``torch.cuda.set_device`` before it
    creates the process group, which fails without a GPU; so the group is
    created here and the Runner uses it as it is."""
    import torch.distributed as dist
    if cfg.launcher == 'pytorch' and not dist.is_initialized():
        dist.init_process_group(backend=cfg.env_cfg.dist_cfg.backend)


def close_process_group() -> None:
    """Wait for every rank, then tear the process group down explicitly.

    Left to interpreter exit, a rank that finishes first can destroy its gloo
    group while a peer still talks to it, and the C++ side aborts ("terminate
    called without an active exception", SIGABRT) after all work is done.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
