"""See how a config reads its data: ``python tools/analysis_tools/
browse_dataset.py CONFIG [--phase train] [-n 8] [--output-dir DIR]``.

Writes ``<output-dir>/<config>_<phase>.png``: one row per sample (the first
``-n`` of the phase's dataset, through its pipeline, random flips and
crops included), columns label (colourised with the dataset's palette) |
instance edges (the boundary map the model gets; blank without instance
maps) | photo | any further images the pipeline packs (cross-view
source images, ...). The fastest check that labels, instances and photos
are read, aligned and coloured right before training on them.
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
from mmengine.config import DictAction

PHASES = dict(train='train_dataloader', val='val_dataloader',
              test='test_dataloader')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write label | instance edges | photo grids of the '
        'first samples of a config\'s dataset')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--phase', choices=sorted(PHASES), default='train',
                        help='which dataloader\'s dataset (default train)')
    parser.add_argument('-n', '--num', type=int, default=8,
                        help='number of samples (default 8)')
    parser.add_argument('--output-dir', default='work_dirs/browse_dataset',
                        help='where the grid PNG goes')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings, e.g. '
                        'train_dataloader.dataset.data_root=/data/x')
    return parser.parse_args(argv)


def sample_row(packed: dict, palette) -> tuple:
    """(tiles, titles) of one packed sample: label | instance edges | photo
    | further images, each (H, W, 3) uint8."""
    import torch

    from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
        instance_edge_map,
    )
    from mmsemsyn.visualization.colorize import colorize_label, to_hwc_uint8
    inputs = packed['inputs']
    label = inputs['label']
    h, w = label.shape[-2:]
    tiles = [colorize_label(label, palette)]
    titles = ['label']
    if 'inst' in inputs:
        edges = instance_edge_map(torch.as_tensor(inputs['inst'])[None])
        tiles.append(np.repeat(
            (edges[0, 0].numpy() * 255).astype(np.uint8)[..., None], 3, -1))
    else:
        tiles.append(np.full((h, w, 3), 128, np.uint8))
    titles.append('instance edges')
    for key, value in inputs.items():
        if key in ('label', 'inst') or getattr(value, 'ndim', 0) != 3:
            continue
        tiles.append(to_hwc_uint8(value))
        titles.append('photo' if key == 'img' else key)
    return tiles, titles


def main(argv=None) -> str:
    args = parse_args(argv)
    import cv2

    import mmsemsyn  # noqa: F401  (stack compat fixes)
    from mmsemsyn.engine.launch import load_config
    from mmsemsyn.registry import DATASETS
    from mmsemsyn.utils import register_all_modules
    from mmsemsyn.visualization.colorize import make_grid
    if args.num < 1:
        raise ValueError(f'-n/--num must be >= 1, got {args.num}')
    register_all_modules()
    # Checked --cfg-options (a typo'd key stops with the nearest names).
    cfg = load_config(args.config, args.cfg_options)
    loader = cfg.get(PHASES[args.phase])
    if not loader or not loader.get('dataset'):
        raise KeyError(f'{args.config} has no {PHASES[args.phase]}; '
                       f'choose another --phase.')
    dataset = DATASETS.build(loader['dataset'])
    palette = (getattr(dataset, 'metainfo', None) or {}).get('palette')
    rows, titles = [], []
    for i in range(min(args.num, len(dataset))):
        tiles, row_titles = sample_row(dataset[i], palette)
        rows.append(tiles)
        if len(row_titles) > len(titles):
            titles = row_titles
    grid = make_grid(rows, titles=titles)
    os.makedirs(args.output_dir, exist_ok=True)
    name = osp.splitext(osp.basename(args.config))[0]
    path = osp.join(args.output_dir, f'{name}_{args.phase}.png')
    tmp = osp.join(args.output_dir, f'.{name}_{args.phase}.{os.getpid()}.png')
    if not cv2.imwrite(tmp, grid[..., ::-1]):
        raise OSError(f'could not write {tmp}')
    os.replace(tmp, path)
    print(f'{len(rows)} samples of {PHASES[args.phase]} -> {path}',
          file=sys.stderr)
    return path


if __name__ == '__main__':
    main()
