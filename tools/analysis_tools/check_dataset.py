"""Check a dataset before training: decode every file and check it against
the config.

    python tools/analysis_tools/check_dataset.py CONFIG [--split train]
        [--limit N] [--num-workers N] [--cfg-options k=v ...]

Every sample of ``{split}_dataloader.dataset`` goes through the config's own
loading pipeline (the reader training uses), then its label ids are checked
against ``model.data_preprocessor`` (num_classes / dontcare_label), its
photo, label and instance map against each other's size, and the instance
map against ``use_instance_edges``. Lossy id/instance maps, foreign colour
palettes, missing, truncated and corrupt files are reported too. A progress
bar runs while it decodes; a table sums up the problems (kind | samples |
first file | message).

Exit status: 0 when every sample is fine, 1 when any is not, 2 for a usage
error. ``tools/train.py --check-data`` runs the same check first.
"""
import argparse
import os.path as osp
import sys

# Parse before torch/mmsemsyn load, so --help answers at once.
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Decode every file of a dataset and check it against '
        'the config (exit status 1 on any problem).')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--split', default='train',
                        choices=['train', 'val', 'test'],
                        help='which {split}_dataloader.dataset to check '
                        '(default: train)')
    parser.add_argument('--limit', type=int, default=None,
                        help='check only the first N samples')
    parser.add_argument('--num-workers', type=int, default=0,
                        help='processes decoding in parallel (default 0: '
                        'this process)')
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar (logs)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. '
                        'train_dataloader.dataset.data_root=data/cs')
    return parser.parse_args(argv)


def run(cfg, split: str = 'train', limit=None, num_workers: int = 0,
        progress: bool = True, log=print) -> int:
    """Check ``split`` of ``cfg``; print the tables; 0 if all fine else 1."""
    from mmsemsyn.datasets.dataset_check import check_dataset
    reports = check_dataset(cfg, split, limit=limit,
                            num_workers=num_workers, progress=progress)
    for report in reports:
        log(report.table())
    return 0 if all(r.ok for r in reports) else 1


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.config import Config

    import mmsemsyn  # noqa: F401  (applies the stack compat fixes)
    if not osp.isfile(args.config):
        print(f'Config file not found: {args.config!r}', file=sys.stderr)
        return 2
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        # A typo'd key stops here with the nearest valid names, as in
        # tools/train.py, instead of being merged and silently ignored.
        from mmsemsyn.engine.launch import check_cfg_options
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)
    try:
        return run(cfg, args.split, args.limit, args.num_workers,
                   not args.no_progress)
    except (KeyError, ValueError) as err:  # no such split in the config
        print(str(err).strip('"'), file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
