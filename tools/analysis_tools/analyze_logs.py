"""Plot loss curves and validation metrics from mmengine's JSON logs, or
report the training speed (mmseg's/mmdet's ``analyze_logs.py``)::

    python tools/analysis_tools/analyze_logs.py plot_curve \\
        work_dirs/x/20261129_120000/vis_data/scalars.json \\
        --keys loss_gen loss_disc --out losses.png
    python tools/analysis_tools/analyze_logs.py plot_curve LOG.json \\
        --keys FID/fid --out fid.png
    python tools/analysis_tools/analyze_logs.py cal_train_time LOG.json

The logs are the JSON lines mmengine's ``LocalVisBackend`` writes
(``<work_dir>/<timestamp>/vis_data/scalars.json`` or
``<timestamp>.json``): one record per logging step with its ``step``.
Training records carry the losses, validation records the metrics (e.g.
``FID/fid``, ``pixel/PSNR``), each plotted against its step; several logs
are drawn in one figure (``--legend`` names them). The PNG is written
atomically; no window opens (Agg backend).
"""
import argparse
import json
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Tuple

Series = Dict[str, List[Tuple[float, float]]]


def load_json_log(path: str) -> Series:
    """``{key: [(step, value), ...]}`` of every numeric key of a JSON-lines
    log (``step``/``iter``/``epoch`` themselves excluded; the ``time`` /
    ``data_time`` of validation records, which have no ``iter``, become
    ``val/time`` / ``val/data_time``)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'Log file not found: {path!r}')
    series = defaultdict(list)
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}:{n} is not a JSON line ({err}); '
                                 'give the vis_data/*.json log of mmengine '
                                 '(not the .log text).') from err
            step = record.get('step', record.get('iter'))
            if step is None:
                continue
            # mmengine writes training records with ``iter``; validation
            # records carry only ``step`` but also their own ``time`` and
            # ``data_time`` (seconds per *validation* batch): keep those
            # apart as ``val/time`` / ``val/data_time`` so that they do not
            # mix into the training speed or the training time curve.
            val_record = 'iter' not in record
            for key, value in record.items():
                if key in ('step', 'iter', 'epoch') or isinstance(
                        value, bool) or not isinstance(value, (int, float)):
                    continue
                if val_record and key in ('time', 'data_time'):
                    key = f'val/{key}'
                series[key].append((float(step), float(value)))
    return dict(series)


def plot_curve(logs: List[Series], keys: List[str], legend: List[str],
               out: str, title: str = '') -> str:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for series, name in zip(logs, legend):
        for key in keys:
            if key not in series:
                raise KeyError(
                    f'{key!r} is not in log {name!r}; it has '
                    f'{sorted(series)}.')
            steps, values = zip(*series[key])
            label = key if len(logs) == 1 else f'{name}: {key}'
            ax.plot(steps, values, label=label,
                    marker='o' if len(steps) < 30 else None)
    ax.set_xlabel('iteration')
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    stem, ext = osp.splitext(out)
    tmp = f'{stem}.{os.getpid()}.tmp{ext or ".png"}'
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, out)
    return out


def cal_train_time(series: Series) -> dict:
    """Seconds per iteration (mean, slowest, fastest) from ``time``."""
    if 'time' not in series:
        raise KeyError('the log has no "time" entries (training records)')
    times = [v for _, v in series['time']]
    return dict(mean=sum(times) / len(times), slowest=max(times),
                fastest=min(times), records=len(times))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Analyze JSON logs')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='plot keys against steps')
    plot.add_argument('json_logs', nargs='+', help='JSON-lines log files')
    plot.add_argument('--keys', nargs='+', default=['loss_gen'],
                      help='keys to plot (default loss_gen)')
    plot.add_argument('--legend', nargs='+',
                      help='one name per log (default: the file paths)')
    plot.add_argument('--title', default='', help='figure title')
    plot.add_argument('--out', required=True, help='output PNG')
    speed = sub.add_parser('cal_train_time', help='seconds per iteration')
    speed.add_argument('json_logs', nargs='+', help='JSON-lines log files')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logs = [load_json_log(p) for p in args.json_logs]
    if args.task == 'plot_curve':
        legend = args.legend or args.json_logs
        if len(legend) != len(logs):
            raise ValueError(f'--legend needs {len(logs)} names, got '
                             f'{len(legend)}')
        out = plot_curve(logs, args.keys, legend, args.out, args.title)
        print(f'wrote {out}')
        return out
    results = []
    for path, series in zip(args.json_logs, logs):
        r = cal_train_time(series)
        print(f'{path}: {r["mean"]:.4f} s/iter on average, slowest '
              f'{r["slowest"]:.4f}, fastest {r["fastest"]:.4f} '
              f'({r["records"]} records)')
        results.append(r)
    return results


if __name__ == '__main__':
    main()
