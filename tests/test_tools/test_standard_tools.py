"""The OpenMMLab-standard tools: print_config, browse_dataset, get_flops,
analyze_logs; and TensorBoard logging through mmengine's backend."""
import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from tiny_train_configs import load_tool, write_tiny_config

import mmsemsyn  # noqa: F401


def _tool(name):
    return load_tool(name)


def test_print_config_resolves_and_saves(tmp_path, capsys):
    tool = _tool('misc/print_config')
    cfg = write_tiny_config(tmp_path)
    out = tmp_path / 'resolved.py'
    text = tool.main([cfg, '--cfg-options', 'model.generator.ngf=6',
                      '--save-path', str(out)])
    assert 'ngf=6' in text and "type='Pix2Pix'" in text
    assert 'ngf=6' in capsys.readouterr().out
    saved = Config.fromfile(str(out))  # loads by itself, no _base_
    assert saved.model.generator.ngf == 6
    assert saved.train_cfg.val_interval == 250
    with pytest.raises(FileNotFoundError, match='nope.py'):
        tool.main([str(tmp_path / 'nope.py')])
    # A package reference, as the tool's help and the README offer.
    text = tool.main(['mmsemsyn::pix2pix/pix2pix_synthetic.py'])
    assert "type='Pix2Pix'" in text and 'num_downs=7' in text


def test_browse_dataset_writes_label_edges_photo_rows(tmp_path):
    tool = _tool('analysis_tools/browse_dataset')
    cfg = write_tiny_config(tmp_path, size=32)
    path = tool.main([cfg, '-n', '5', '--phase', 'test',
                      '--output-dir', str(tmp_path / 'browse')])
    grid = cv2.imread(path)[..., ::-1]
    # The test set's 2 samples (-n 5 asks for more): 2 rows x 3 columns
    # of 32 px tiles, 2 px padding, a title band on top.
    assert grid.shape[1] == 3 * 34 + 2
    top = grid.shape[0] - (2 * 34 + 2)
    assert 12 <= top <= 24

    from mmsemsyn.registry import DATASETS
    built = Config.fromfile(cfg)
    dataset = DATASETS.build(built.test_dataloader.dataset)
    sample = dataset[1]['inputs']
    palette = np.asarray(dataset.metainfo['palette'], np.uint8)
    y, x = top + 2 + 34, 2
    label_tile = grid[y:y + 32, x:x + 32]
    assert np.array_equal(label_tile, palette[sample['label'][0].numpy()])
    edges = grid[y:y + 32, x + 34:x + 66, 0] > 127
    inst = sample['inst'][0].numpy()
    change = np.zeros_like(edges)
    change[:, 1:] |= inst[:, 1:] != inst[:, :-1]
    change[:, :-1] |= inst[:, 1:] != inst[:, :-1]
    change[1:] |= inst[1:] != inst[:-1]
    change[:-1] |= inst[1:] != inst[:-1]
    assert np.array_equal(edges, change) and edges.any()
    photo = grid[y:y + 32, x + 68:x + 100]
    assert np.array_equal(photo, sample['img'].numpy().transpose(1, 2, 0))


def test_get_flops_scales_with_area_and_counts_parameters(tmp_path, capfd):
    tool = _tool('analysis_tools/get_flops')
    cfg = write_tiny_config(tmp_path)
    capfd.readouterr()
    small = tool.main([cfg, '--shape', '32', '32'])
    # The table, without the counter's per-op / uncalled-module warnings.
    out = ''.join(capfd.readouterr())
    assert 'generator' in out and 'Unsupported operator' not in out
    assert 'never called' not in out
    large = tool.main([cfg, '--shape', '64', '64'])
    from mmsemsyn.model_zoo import count_network_parameters
    counts = count_network_parameters(cfg)
    for net in ('generator', 'discriminator'):
        assert small[net]['params'] == counts[net]
        assert large[net]['flops'] > small[net]['flops'] > 0
    # The U-Net halves the size exactly at every level: 4x the pixels,
    # exactly 4x the multiply-adds (the PatchGAN's unpadded last convs
    # do not scale exactly).
    assert large['generator']['flops'] == 4 * small['generator']['flops']


def test_get_flops_fills_channels_from_the_data(tmp_path, monkeypatch):
    """A config that leaves its channel counts to the data (the example
    project's) is counted, as tools/train.py would build it."""
    from tiny_train_configs import REPO
    monkeypatch.syspath_prepend(REPO)
    tool = _tool('analysis_tools/get_flops')
    cfg = osp.join(REPO, 'projects', 'example_coarse_to_fine', 'configs',
                   'coarse-to-fine_synthetic.py')
    out = tool.main([cfg, '--shape', '32', '32'])
    # 6 classes + instance edges; D sees the label and the RGB photo
    assert out['generator']['input'].endswith('(1, 7, 32, 32)')
    assert out['discriminator']['input'] == '(1, 10, 32, 32)'


def test_analyze_logs_plots_and_times(tmp_path, capsys):
    tool = _tool('analysis_tools/analyze_logs')
    log = tmp_path / 'scalars.json'
    records = [dict(loss_gen=2.0 - 0.1 * i, time=0.5 + 0.1 * i, iter=i,
                    step=i) for i in range(1, 6)]
    # A validation record as mmengine writes it: no ``iter``, its own
    # seconds per validation batch, which must not count as training speed.
    records.append({'pixel/PSNR': 12.5, 'time': 30.0, 'data_time': 2.0,
                    'step': 5})
    log.write_text('\n'.join(json.dumps(r) for r in records) + '\n')
    series = tool.load_json_log(str(log))
    assert series['pixel/PSNR'] == [(5.0, 12.5)]
    assert series['val/time'] == [(5.0, 30.0)] and len(series['time']) == 5
    assert len(series['loss_gen']) == 5
    out = tmp_path / 'plots' / 'curve.png'
    tool.main(['plot_curve', str(log), '--keys', 'loss_gen', 'pixel/PSNR',
               '--out', str(out)])
    img = cv2.imread(str(out))
    assert img is not None and img.shape[0] > 100
    times = tool.main(['cal_train_time', str(log)])
    assert times[0]['mean'] == pytest.approx(0.8)  # 0.6 .. 1.0
    assert 's/iter' in capsys.readouterr().out
    with pytest.raises(KeyError, match='no_such_key'):
        tool.main(['plot_curve', str(log), '--keys', 'no_such_key',
                   '--out', str(out)])


def test_tensorboard_backend_gets_losses_metrics_and_grids(tmp_path):
    """TensorBoard as documented in the README: add mmengine's
    TensorboardVisBackend to vis_backends; the event file then holds the
    loss curves, the validation metrics and the sample grids."""
    pytest.importorskip('tensorboard')
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )
    train = load_tool('train')
    cfg = write_tiny_config(tmp_path, iters=2, extra=(
        "visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), "
        "dict(type='TensorboardVisBackend')])\n"))
    work = tmp_path / 'work'
    train.main([cfg, '--work-dir', str(work)])
    events = glob.glob(str(work / '*' / 'vis_data' / 'events.out.*'))
    assert events, 'no TensorBoard event file'
    acc = EventAccumulator(osp.dirname(events[0]))
    acc.Reload()
    scalars = acc.Tags()['scalars']
    assert 'loss_gen' in scalars and 'loss_disc' in scalars
    assert 'pixel/PSNR' in scalars  # validation at the last iteration
    assert 'samples' in acc.Tags()['images']
    # The JSON log next to it plots with analyze_logs.
    logs = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    series = _tool('analysis_tools/analyze_logs').load_json_log(logs[0])
    assert 'loss_gen' in series and 'pixel/PSNR' in series
