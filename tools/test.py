"""Evaluate a synthesis model: ``python tools/test.py CONFIG CHECKPOINT``.

Runs every metric of the config's ``test_evaluator`` and prints a table.

  --out FILE.json      also write the metrics as JSON, and as a Markdown
                       table next to it (FILE.md)
  --save-dir DIR       write the generated images (``fake/``), the real ones
                       (``real/``), the label ids (``label/``) and the colourised labels
                       (``label_color/``)
                       as PNGs, e.g. to re-score them with pytorch-fid
  --num-samples K      K samples per label map: K generator runs (noise-
                       driven models) or the first K of a multi-output
                       generator's images (CRN); LPIPS diversity compares
                       them and SegmentationScore scores all K (the
                       diversity paper's Table II); adds ``fake_samples/``
                       to --save-dir

Outputs appear only when the run succeeds: files are written under a
temporary name and renamed at the end. Several processes: see
``tools/dist_test.sh`` (the numbers equal the single-process ones).
Arguments are parsed before torch and mmsemsyn are imported (fast
``--help``).
"""
import argparse
import json
import math
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction

# The repository root: ``import mmsemsyn`` from a fresh clone, and project
# configs' custom_imports resolve.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Evaluate a synthesis model on its test set')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for the test logs')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument('--save-dir',
                        help='write generated/real/label PNGs here')
    parser.add_argument('--num-samples', type=int, default=1,
                        help='generated samples per label map (LPIPS '
                        'diversity; SegmentationScore scores all of them)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the extra samples (--num-samples)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=2')
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        help='set by the launcher (torch.distributed)')
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_cfg(args) -> Config:
    """The config of ``args`` for evaluation: ``--cfg-options`` checked and
    merged, the checkpoint as ``load_from`` with the fit check
    (:class:`~mmsemsyn.engine.checkpoint.CheckpointFitHook`, on the file
    the Runner reads: read once), the test loop's options, training-only
    parts removed (:mod:`mmsemsyn.engine.launch` for the shared steps)."""
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'Config file not found: {args.config!r}')
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'Checkpoint not found: {args.checkpoint!r}')
    if args.num_samples < 1:
        raise ValueError(f'--num-samples must be >= 1: {args.num_samples}')
    import torch

    from mmsemsyn.engine.checkpoint import TRAINING_ONLY
    from mmsemsyn.engine.launch import (
        cap_dataloader_workers,
        load_config,
        set_work_dir,
        setup_cpu_distributed,
    )
    cfg = load_config(args.config, args.cfg_options)
    if not cfg.get('test_evaluator'):
        raise KeyError(f'{args.config} defines no test_evaluator: nothing '
                       'to evaluate.')
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.work_dir, args.config)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    test_cfg = dict(cfg.get('test_cfg') or {})
    if test_cfg.get('type', 'SynthesisTestLoop') in ('TestLoop',
                                                     'SynthesisTestLoop'):
        test_cfg['type'] = 'SynthesisTestLoop'
        test_cfg.update(num_samples=args.num_samples, seed=args.seed,
                        save_dir=args.save_dir and osp.abspath(
                            args.save_dir))
    elif args.num_samples > 1 or args.save_dir:
        raise ValueError(f'--num-samples/--save-dir need the default test '
                         f'loop, but the config sets {test_cfg["type"]}.')
    cfg.test_cfg = test_cfg
    # Training-only parts are not needed to evaluate.
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler', 'val_dataloader', 'val_cfg',
                'val_evaluator'):
        cfg.pop(key, None)
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                        if h.get('type') != 'SynthesisVisualizationHook']
    # A checkpoint of another model, width or number of classes stops
    # before inference (mmengine would load it partly, with a warning, and
    # evaluate random weights); the discriminator and losses are not used.
    cfg.custom_hooks.append(dict(type='CheckpointFitHook',
                                 config=args.config, skip=TRAINING_ONLY))
    cap_dataloader_workers(cfg)
    if args.launcher != 'none' and not torch.cuda.is_available():
        setup_cpu_distributed(cfg)
    return cfg


def format_value(value) -> str:
    """A metric as printed: floats with 4 decimals (nan/inf as such)."""
    if isinstance(value, float):
        return f'{value:.4f}' if math.isfinite(value) else str(value)
    return str(value)


def format_table(metrics: dict) -> str:
    width = max([len(k) for k in metrics] + [6])
    lines = [f'{"metric":<{width}}  value', '-' * (width + 14)]
    lines += [f'{key:<{width}}  {format_value(value)}'
              for key, value in metrics.items()]
    return '\n'.join(lines)


def format_markdown(metrics: dict, title: str = '') -> str:
    """The metric table as GitHub Markdown (``| metric | value |``), to
    paste into a README or an issue."""
    lines = [f'### {title}', ''] if title else []
    lines += ['| metric | value |', '|---|---:|']
    lines += [f'| {key} | {format_value(value)} |'
              for key, value in metrics.items()]
    return '\n'.join(lines) + '\n'


def write_markdown(metrics: dict, path: str, title: str = '') -> None:
    """Write :func:`format_markdown` atomically."""
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'w') as f:
        f.write(format_markdown(metrics, title))
    os.replace(tmp, path)


def write_json(metrics: dict, path: str) -> None:
    """Write atomically: a crash never leaves a truncated file. The same
    table goes, as Markdown, next to it (``metrics.json`` ->
    ``metrics.md``; ``x.md`` -> ``x.md.md``)."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = f'{path}.{os.getpid()}.tmp'
    clean = {k: (float(v) if hasattr(v, '__float__') and not isinstance(
        v, (int, bool)) else v) for k, v in metrics.items()}
    with open(tmp, 'w') as f:
        json.dump(clean, f, indent=2, allow_nan=True)
    os.replace(tmp, path)
    md = osp.splitext(path)[0] + '.md'
    if osp.abspath(md) == osp.abspath(path):
        # ``--out metrics.md``: the table must not replace the JSON.
        md = path + '.md'
    write_markdown(clean, md, title=osp.splitext(osp.basename(path))[0])


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
    from mmsemsyn.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = build_cfg(args)
    # Class and channel counts agree with the data (filled where unset).
    from mmsemsyn.dataset_facts import resolve_channels
    resolve_channels(cfg, args.config)
    if cfg.launcher != 'none' and not torch.cuda.is_available():
        init_cpu_process_group(cfg)
    from mmsemsyn.models.pretrained.weights_error import (
        PretrainedWeightsError,
        locate_in_evaluators,
    )
    try:
        runner = SynthesisRunner.from_cfg(cfg)
        metrics = runner.test()
    except PretrainedWeightsError as err:
        # A metric's weights: name its key in this config's evaluators.
        raise locate_in_evaluators(err, cfg) from err.__cause__
    from mmengine.dist import is_main_process
    if is_main_process():
        print(format_table(metrics), flush=True)
        if args.out:
            write_json(metrics, args.out)
    close_process_group()
    return metrics


if __name__ == '__main__':
    main()
