"""Train a synthesis model: ``python tools/train.py CONFIG [options]``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmsemsyn  # noqa: F401  (applies the stack compat fixes)
from mmsemsyn.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(description='Train a synthesis model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the latest checkpoint in the work dir, or from '
        'the given checkpoint file')
    parser.add_argument('--load-from', help='initialise weights from a '
                        'checkpoint (no optimizer/iteration state)')
    parser.add_argument('--amp', action='store_true',
                        help='mixed-precision training (every network)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=10')
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_amp(cfg):
    """Switch every per-network optimizer wrapper to AmpOptimWrapper."""
    wrappers = cfg.optim_wrapper
    subs = [v for v in wrappers.values() if isinstance(v, dict)
            and 'optimizer' in v] if 'optimizer' not in wrappers else [
                wrappers]
    for sub in subs:
        if sub.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            continue
        sub['type'] = 'AmpOptimWrapper'
        sub.setdefault('loss_scale', 'dynamic')


def build_cfg(args) -> Config:
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.load_from:
        cfg.load_from = args.load_from
    return cfg


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = build_cfg(args)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
