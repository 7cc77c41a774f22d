"""Train a synthesis model.

Single process::

    python tools/train.py CONFIG [--work-dir D] [--cfg-options k=v ...]

Several processes (one per GPU, or CPU processes with the gloo backend)::

    bash tools/dist_train.sh CONFIG NPROC [options]

Arguments are parsed before torch, mmengine's runner and mmsemsyn are
imported, so ``--help`` and argument errors answer at once.
"""
import argparse
import os
import os.path as osp
import sys

# mmengine.config imports neither torch nor mmseg (~0.2 s).
from mmengine.config import Config, DictAction

# tools/ is not a package; make ``import mmsemsyn`` work from a fresh clone
# without ``pip install -e .`` too.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


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
        '--amp', nargs='?', const='auto', default=None,
        choices=['auto', 'bf16', 'fp16'],
        help='mixed-precision training. bf16: autocast to bfloat16 without '
        'loss scaling (AutocastOptimWrapper), on a GPU or the CPU; fp16: '
        "mmengine's AmpOptimWrapper with dynamic loss scaling (GPU only); "
        'plain --amp: bf16 unless the GPU lacks it')
    parser.add_argument(
        '--amp-dtype', choices=['bfloat16', 'float16'], default=None,
        help='the same as --amp bf16 / --amp fp16 (older spelling)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=10')
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument(
        '--overwrite-work-dir', action='store_true',
        help='start even though the work dir holds checkpoints of a run of '
        'another config (they are overwritten)')
    parser.add_argument(
        '--check-data', action='store_true',
        help='first decode every file of the train (and val) set and check '
        'it against the config (tools/analysis_tools/check_dataset.py); '
        'stop with a table of the problems if there are any')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        help='set by the launcher (torch.distributed)')
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
    """Switch every per-network optimizer wrapper to mixed precision.

    ``dtype`` 'bfloat16' (also 'bf16'): :class:`AutocastOptimWrapper` --
    autocast without loss scaling, which bfloat16 does not need (float32's
    exponent range), on CUDA and on the CPU. 'float16' ('fp16'): mmengine's
    ``AmpOptimWrapper`` with dynamic loss scaling; it runs only on
    CUDA/NPU/MLU/MUSA devices, so on a CPU-only machine this fails here
    with a clear message instead of an assertion deep inside the runner.
    None / 'auto': bfloat16, unless the GPU does not support it.
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


def check_cfg_options(cfg, options: dict, config_path: str) -> None:
    """Stop on any ``--cfg-options`` key that names nothing, at any depth,
    before anything is built (see :mod:`mmsemsyn.config_check`)."""
    import mmsemsyn  # noqa: F401  (applies the stack compat fixes)
    from mmsemsyn.config_check import check_cfg_options as check
    from mmsemsyn.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    check(cfg, options, config_path)


def cap_dataloader_workers(cfg) -> None:
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


def build_cfg(args) -> Config:
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'Config file not found: {args.config!r}')
    import torch
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp or args.amp_dtype:
        enable_amp(cfg, args.amp_dtype or args.amp)
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
    cap_dataloader_workers(cfg)
    if args.launcher != 'none' and not torch.cuda.is_available():
        setup_cpu_distributed(cfg)
    return cfg


def check_data(cfg) -> None:
    """``--check-data``: decode and check the train (and val) set first;
    ``SystemExit(1)`` with the problem tables when any sample is bad."""
    from mmsemsyn.datasets.dataset_check import check_dataset
    failed = False
    for split in ('train', 'val'):
        if not (cfg.get(f'{split}_dataloader') or {}).get('dataset'):
            continue
        for report in check_dataset(cfg, split):
            print(report.table(), flush=True)
            failed |= not report.ok
    if failed:
        raise SystemExit(
            '--check-data: the dataset has problems (tables above); fix '
            'them, or train without --check-data to meet them one by one.')


def check_load_from(model, checkpoint: str, config: str) -> int:
    """``--load-from`` initialises non-strictly (on purpose: CRN's 512p
    stage reuses the 256p modules and skips the output conv), so a file
    that shares no generator weight with the config's model -- a checkpoint
    of another method -- would silently train from random weights (mmengine
    only logs the missing keys). Stop in that case; return the number of
    generator tensors that will load (same name and shape)."""
    from mmengine.model import is_model_wrapper

    from mmsemsyn.fileio import load_checkpoint_file
    ckpt = load_checkpoint_file(checkpoint)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'--load-from {checkpoint!r} holds no state dict.')
    model = model.module if is_model_wrapper(model) else model
    own = {f'generator.{k}': tuple(v.shape)
           for k, v in model.generator.state_dict().items()}
    # Files of a distributed run may carry DDP's 'generator.module.' infix
    # (PlainCheckpointKeysHook removes it when loading).
    matched = sum(
        own.get(k.replace('generator.module.', 'generator.', 1)) == tuple(
            getattr(v, 'shape', ())) for k, v in state.items())
    if not matched:
        raise ValueError(
            f'--load-from {checkpoint!r} shares no generator weight (name '
            f'and shape) with the model of {config!r} '
            f'({type(model).__name__}, {type(model.generator).__name__}): '
            'it is a checkpoint of another method or generator size, and '
            'training would start from random weights. Give a checkpoint '
            'of this config (or of its previous stage, e.g. the CRN 256p '
            'file for crn_512p), or convert an official checkpoint with '
            'tools/model_converters/official_to_mmsemsyn.py.')
    return matched


def main(argv=None):
    args = parse_args(argv)
    # Heavy imports only after the arguments are known to be fine.
    import torch

    import mmsemsyn  # noqa: F401  (applies the stack compat fixes)
    from mmsemsyn.engine.runner.synthesis_runner import SynthesisRunner
    from mmsemsyn.models.pretrained.weights_error import (
        PretrainedWeightsError,
        locate_in_evaluators,
    )
    from mmsemsyn.utils import register_all_modules
    from mmsemsyn.work_dir_lock import acquire_work_dir
    register_all_modules(init_default_scope=False)
    cfg = build_cfg(args)
    # Loop/sampler/scheduler units that disagree train forever or never
    # decay the lr, without any error: stop before anything is built.
    from mmsemsyn.engine.train_checks import check_train_schedule
    check_train_schedule(cfg, args.config)
    if args.check_data:
        check_data(cfg)
    # One process per work dir takes the lock (rank 0 of a distributed run).
    lock = None
    if int(os.environ.get('RANK', '0')) == 0:
        lock = acquire_work_dir(cfg.work_dir, args.config,
                                resume=bool(cfg.get('resume')),
                                overwrite=args.overwrite_work_dir)
    try:
        if cfg.launcher != 'none' and not torch.cuda.is_available():
            init_cpu_process_group(cfg)
        runner = SynthesisRunner.from_cfg(cfg)
        if args.load_from:
            check_load_from(runner.model, args.load_from, args.config)
        runner.train()
        close_process_group()
    except PretrainedWeightsError as err:
        if lock is not None:
            lock.release('failed')
        # A metric's weights: name its key in this config's evaluators.
        raise locate_in_evaluators(err, cfg) from err.__cause__
    except BaseException:
        if lock is not None:
            lock.release('failed')
        raise
    if lock is not None:
        lock.release('finished')
    return runner


if __name__ == '__main__':
    main()
