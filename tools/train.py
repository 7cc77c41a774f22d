"""Train a synthesis model.

Single process::

    python tools/train.py CONFIG [--work-dir D] [--cfg-options k=v ...]

Several processes (one per GPU, or CPU processes with the gloo backend)::

    bash tools/dist_train.sh CONFIG NPROC [options]
"""
import argparse
import inspect
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

# tools/ is not a package; make ``import mmsemsyn`` work from a fresh clone
# without ``pip install -e .`` too.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmsemsyn  # noqa: E402,F401  (applies the stack compat fixes)
from mmsemsyn.utils import register_all_modules  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a synthesis model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the latest checkpoint in the work dir, or from '
        'the given checkpoint file')
    parser.add_argument('--load-from', help='initialise weights from a '
                        'checkpoint (no optimizer/iteration state)')
    parser.add_argument(
        '--amp', action='store_true',
        help='mixed-precision training: every per-network optimizer wrapper '
        'becomes an AmpOptimWrapper (needs a GPU)')
    parser.add_argument(
        '--amp-dtype', choices=['bfloat16', 'float16'], default=None,
        help='autocast dtype for --amp (default: bfloat16 where the GPU '
        'supports it, else float16)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=10')
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def optim_wrapper_cfgs(cfg) -> list:
    """The per-network optimizer wrapper configs (or the single one)."""
    wrappers = cfg.optim_wrapper
    if 'optimizer' in wrappers:
        return [wrappers]
    return [v for v in wrappers.values()
            if isinstance(v, dict) and 'optimizer' in v]


def enable_amp(cfg, dtype=None) -> None:
    """Switch every per-network optimizer wrapper to ``AmpOptimWrapper``.

    mmengine's ``AmpOptimWrapper`` only runs on CUDA/NPU/MLU/MUSA devices, so
    on a CPU-only machine this fails here with a clear message instead of
    an assertion deep inside the runner.
    """
    if not torch.cuda.is_available():
        raise RuntimeError(
            '--amp needs a GPU: mmengine\'s AmpOptimWrapper supports only '
            'CUDA/NPU/MLU/MUSA devices and this machine has none. Drop --amp '
            'to train in float32 on the CPU.')
    if dtype is None:
        # bf16 needs no loss scaling and is the safer choice for GANs.
        dtype = 'bfloat16' if torch.cuda.is_bf16_supported() else 'float16'
    for sub in optim_wrapper_cfgs(cfg):
        if sub.get('type', 'OptimWrapper') != 'AmpOptimWrapper':
            sub['type'] = 'AmpOptimWrapper'
            sub.setdefault('loss_scale', 'dynamic')
        sub.setdefault('dtype', dtype)


def setup_cpu_distributed(cfg) -> None:
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


def init_cpu_process_group(cfg) -> None:
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


def _registered_class(type_name):
    """The class a config ``type`` names in any mmsemsyn registry."""
    from mmsemsyn import registry
    if not isinstance(type_name, str):
        return type_name if inspect.isclass(type_name) else None
    for reg in (registry.MODELS, registry.DATASETS, registry.TRANSFORMS,
                registry.HOOKS, registry.METRICS, registry.OPTIMIZERS,
                registry.PARAM_SCHEDULERS, registry.VISUALIZERS):
        try:
            cls = reg.get(type_name)
        except Exception:  # noqa: BLE001 (scope prefixes of other packages)
            cls = None
        if cls is not None:
            return cls
    return None


def check_cfg_options(cfg, options: dict, config_path: str) -> None:
    """Reject ``--cfg-options`` keys that the target class cannot accept.

    mmengine merges any key silently, so a typo (``model.generator.ngff=8``)
    would otherwise surface later as a bare ``TypeError``. A key is checked
    when its parent config has a ``type`` and the key is new there.
    """
    for full_key in options:
        parts = full_key.split('.')
        parent = cfg._cfg_dict
        for part in parts[:-1]:
            if isinstance(parent, dict) and part in parent:
                parent = parent[part]
            elif isinstance(parent, (list, tuple)) and part.isdigit() and \
                    int(part) < len(parent):
                parent = parent[int(part)]
            else:
                parent = None
                break
        if not isinstance(parent, dict) or parts[-1] in parent or \
                'type' not in parent:
            continue
        cls = _registered_class(parent['type'])
        if cls is None:
            continue
        params = inspect.signature(cls.__init__).parameters
        if parts[-1] in params or any(
                p.kind == p.VAR_KEYWORD for p in params.values()):
            continue
        valid = sorted(n for n in params if n != 'self')
        raise KeyError(
            f'--cfg-options {full_key}: {cls.__name__} (type of '
            f'{".".join(parts[:-1])} in {config_path}) has no argument '
            f'{parts[-1]!r}. Valid arguments: {valid}.')


def build_cfg(args) -> Config:
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'Config file not found: {args.config!r}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        register_all_modules(init_default_scope=False)
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        enable_amp(cfg, args.amp_dtype)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint not found: {args.resume!r}')
        cfg.resume = True
        cfg.load_from = args.resume
    if args.load_from:
        if not osp.isfile(args.load_from):
            raise FileNotFoundError(
                f'--load-from checkpoint not found: {args.load_from!r}')
        cfg.load_from = args.load_from
    if args.launcher != 'none' and not torch.cuda.is_available():
        setup_cpu_distributed(cfg)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = build_cfg(args)
    if cfg.launcher != 'none' and not torch.cuda.is_available():
        init_cpu_process_group(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    close_process_group()
    return runner


if __name__ == '__main__':
    main()
