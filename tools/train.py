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


def build_cfg(args) -> Config:
    """The config of ``args``: ``--cfg-options`` checked and merged, work
    dir, ``--amp``, ``--resume`` / ``--load-from``, worker cap and the CPU
    distributed set-up (:mod:`mmsemsyn.engine.launch`)."""
    import torch

    from mmsemsyn.engine.launch import (
        cap_dataloader_workers,
        enable_amp,
        load_config,
        set_work_dir,
        setup_cpu_distributed,
    )
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.work_dir, args.config)
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


def main(argv=None):
    args = parse_args(argv)
    # Heavy imports only after the arguments are known to be fine.
    import torch

    import mmsemsyn  # noqa: F401  (applies the stack compat fixes)
    from mmsemsyn.engine.launch import (
        close_process_group,
        init_cpu_process_group,
    )
    from mmsemsyn.engine.runner.synthesis_runner import SynthesisRunner
    from mmsemsyn.models.pretrained.weights_error import (
        PretrainedWeightsError,
        locate_in_evaluators,
    )
    from mmsemsyn.utils import register_all_modules
    from mmsemsyn.work_dir_lock import acquire_work_dir
    register_all_modules(init_default_scope=False)
    cfg = build_cfg(args)
    if args.load_from:
        # Checked on the file the Runner reads (read once): a warm start
        # may load a part of the generator, but not nothing.
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [dict(
            type='CheckpointFitHook', config=args.config, partial=True)]
    # Loop/sampler/scheduler units that disagree train forever or never
    # decay the lr, without any error: stop before anything is built.
    from mmsemsyn.engine.train_checks import check_train_schedule
    check_train_schedule(cfg, args.config)
    # Class and channel counts agree with the data (filled where unset).
    from mmsemsyn.dataset_facts import resolve_channels
    resolve_channels(cfg, args.config)
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
