"""Training-step / inference speed of a config on synthetic inputs.

::

    python tools/analysis_tools/benchmark.py CONFIG [--mode train|infer]
        [--amp bf16] [--compile] [--channels-last] [--batch-size N]
        [--size HxW] [--iters N] [--warmup N]
        [--variant SPEC ...] [--baseline-tree DIR] [--official-root DIR]
        [--cfg-options ...]

Each variant runs in its own Python process (so the CPU peak RSS is that
variant's own, and one variant's compiled graphs or allocator cache do not
help the next): ``--warmup`` untimed steps, one step under
``torch.utils.flop_counter.FlopCounterMode`` (eager, so compiled variants
are counted too), then ``--iters`` timed steps. Reported per variant:
median step time and its spread (interquartile range, min, max), images/s
(batch size / median), peak memory (CUDA ``max_memory_allocated``; on the
CPU the process's peak RSS), FLOPs per step (``FlopCounterMode``: one
multiply-add = 2 FLOPs; forward + backward + optimizer of one train step)
and the achieved TFLOP/s (against ``--peak-tflops`` when given). With
several variants a ratio table against the first follows.

A variant is ``+``-joined tokens: ``fp32`` (default), ``bf16`` (autocast
bfloat16 without loss scaling, :class:`AutocastOptimWrapper`), ``compile``
(``model.compile_networks``: torch.compile of G, D and the losses),
``cl`` / ``channels-last`` (``model.channels_last``), ``single-tensor``
(Adam without foreach/fused, the pre-issue-14 optimizer), ``before`` (the
same settings with the ``mmsemsyn`` package of ``--baseline-tree``, e.g. a
``git worktree`` of an older commit -- ``fp32`` only), ``official`` (the
method's official implementation from ``--official-root DIR``, the
repository root of that code, put first on ``sys.path`` of its worker
process only; ``cfg.model.type`` picks the adapter in
``official_runners/``; stands alone, fp32). Without ``--variant`` the flags
``--amp/--compile/--channels-last`` make the one variant.

Every variant also reports its parameter counts per network (G, D, E); a
table with an ``official`` variant warns when the official and our counts
differ (the architectures are then not equal and the ratio compares
different networks).

Inputs are random label maps (ids in ``[0, num_classes)``), instance maps
and photos of ``--size``; weights are random and nothing is downloaded
(every ``pretrained`` switch is off). Generators whose latent size is fixed
by ``crop_size`` / ``aspect_ratio`` are set to ``--size``. The same command
runs on the CPU and on a GPU (``--device`` defaults to CUDA when present).
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time
from typing import List, Optional

_REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOKENS = ('fp32', 'bf16', 'compile', 'cl', 'channels-last', 'single-tensor',
          'before', 'official')
# Network attributes of our synthesizers -> the parameter-count keys (the
# same keys the official adapters report).
NET_KEYS = (('G', 'generator'), ('D', 'discriminator'), ('E', 'encoder'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Step time, images/s, peak memory and FLOPs of a config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--mode', choices=['train', 'infer'], default='train')
    parser.add_argument('--amp', choices=['bf16'], default=None,
                        help='bfloat16 autocast without loss scaling')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile G, D and the losses')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--size', default='256x512',
                        help='input size HxW (default 256x512)')
    parser.add_argument('--iters', type=int, default=10,
                        help='timed steps (default 10)')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed steps first (default 3)')
    parser.add_argument('--variant', action='append', default=None,
                        help='a variant, e.g. fp32, bf16+compile, before; '
                        'repeat for a ratio table against the first')
    parser.add_argument('--baseline-tree', default=None,
                        help='repository root whose mmsemsyn the "before" '
                        'variant imports (e.g. a git worktree)')
    parser.add_argument('--official-root', default=None,
                        help='repository root of the official code of the '
                        "config's method, for the \"official\" variant (its "
                        'top-level models/, options/ ... packages)')
    parser.add_argument('--device', default=None,
                        help='cuda or cpu (default: cuda when available)')
    parser.add_argument('--threads', type=int, default=None,
                        help='CPU threads (torch.set_num_threads)')
    parser.add_argument('--peak-tflops', type=float, default=None,
                        help="the device's peak TFLOP/s, to report the "
                        'achieved fraction')
    parser.add_argument('--no-flops', action='store_true',
                        help='skip the FLOP count')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--clock', choices=['wall', 'cpu'], default='wall',
                        help='what the speed-up column compares: wall time '
                        '(default) or the process CPU time per step (less '
                        'sensitive to other load on a shared CPU machine; '
                        'use with --threads 1)')
    parser.add_argument('--timeout', type=float, default=None,
                        help='seconds per variant process (a variant past '
                        'it is reported as failed)')
    parser.add_argument('--out', default=None,
                        help='write the results as JSON to this file')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='override config settings (key=value), '
                        'e.g. model.generator.ngf=16')
    parser.add_argument('--_worker', default=None, help=argparse.SUPPRESS)
    parser.add_argument('--_result', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        h, w = (int(v) for v in args.size.lower().split('x'))
    except ValueError:
        parser.error(f'--size must be HxW, e.g. 256x512, got {args.size!r}')
    args.hw = (h, w)
    if args.batch_size < 1 or args.iters < 1 or args.warmup < 0:
        parser.error('--batch-size and --iters must be >= 1, --warmup >= 0')
    if args.variant is None:
        tokens = ['bf16' if args.amp else 'fp32']
        if args.compile:
            tokens.append('compile')
        if args.channels_last:
            tokens.append('cl')
        args.variant = ['+'.join(tokens)]
    for spec in args.variant:
        bad = [t for t in spec.split('+') if t not in TOKENS]
        if bad:
            parser.error(f'variant {spec!r}: unknown token(s) {bad}; '
                         f'tokens are {TOKENS}')
        if 'before' in spec.split('+'):
            if not args.baseline_tree or not osp.isdir(
                    osp.join(args.baseline_tree, 'mmsemsyn')):
                parser.error('variant "before" needs --baseline-tree DIR, '
                             'a repository root with an mmsemsyn package')
        if 'official' in spec.split('+'):
            if spec != 'official':
                parser.error(f'variant {spec!r}: "official" stands alone '
                             '(the official code runs as it is, fp32)')
            root = args.official_root
            if not root:
                parser.error('variant "official" needs --official-root DIR, '
                             "the repository root of the method's official "
                             'code (e.g. a clone of NVlabs/SPADE)')
            if not osp.isdir(root):
                parser.error(f'--official-root {root!r} is not a directory; '
                             "pass the repository root of the method's "
                             'official code')
            if not osp.isdir(osp.join(root, 'models')):
                parser.error(
                    f'--official-root {root!r} has no models/ package; pass '
                    "the repository root of the method's official code (the "
                    'folder whose train.py imports models/ and options/ '
                    'from its top level, e.g. a clone of NVlabs/SPADE or '
                    'NVIDIA/pix2pixHD)')
    return args


# ---- one variant, in this process ---------------------------------------
def _set_size(cfg, h: int, w: int, registry=None):
    """Generators/encoders with a latent size fixed by ``crop_size`` /
    ``aspect_ratio`` (SPADE, LGGAN, Lab2Pix-V2) get ``--size``; a module
    that takes ``crop_size`` alone (SPADE's VAE encoder: its depth) gets the
    width, as the official ``--crop_size``."""
    import inspect
    if isinstance(cfg, dict):
        if cfg.get('crop_size') is not None:
            cfg['crop_size'] = w
            params = {}
            cls = registry.get(cfg['type']) if registry is not None and \
                isinstance(cfg.get('type'), str) else None
            if cls is not None:
                try:
                    params = inspect.signature(cls).parameters
                except (TypeError, ValueError):
                    params = {}
            if 'aspect_ratio' in cfg or 'aspect_ratio' in params:
                cfg['aspect_ratio'] = w / h
        for v in cfg.values():
            _set_size(v, h, w, registry)
    elif isinstance(cfg, (list, tuple)):
        for v in cfg:
            _set_size(v, h, w, registry)


def _no_download(cfg, registry):
    """Every registered module whose constructor takes a ``pretrained`` /
    ``vgg_pretrained`` switch gets None (random weights), also where the
    config leaves the (downloading) default."""
    import inspect
    if isinstance(cfg, dict):
        cls = registry.get(cfg['type']) if isinstance(
            cfg.get('type'), str) else None
        if cls is not None:
            try:
                params = inspect.signature(cls).parameters
            except (TypeError, ValueError):
                params = {}
            for key in ('pretrained', 'vgg_pretrained'):
                if key in params:
                    cfg[key] = None
            if 'allow_random_perceptual_branch' in params:
                # timing only: Lab2Pix's D may train on a random VGG branch
                cfg['allow_random_perceptual_branch'] = True
        for v in cfg.values():
            _no_download(v, registry)
    elif isinstance(cfg, (list, tuple)):
        for v in cfg:
            _no_download(v, registry)


def _load_cfg(args, tokens):
    """The config with ``--cfg-options`` merged and the channel counts a
    config leaves to the data filled (as tools/train.py does)."""
    from mmengine.config import Config, DictAction

    import mmsemsyn  # noqa: F401  (stack compat fixes)
    config = args.config
    if 'before' in tokens:
        # The "before" tree's own copy of the config, when it has one: option
        # names may have changed between the two trees.
        rel = osp.relpath(osp.abspath(args.config), _REPO)
        own = osp.join(args.baseline_tree, rel)
        if not rel.startswith('..') and osp.isfile(own):
            config = own
    cfg = Config.fromfile(config)
    if args.cfg_options:
        opts = argparse.Namespace()
        DictAction(option_strings=[], dest='o')(None, opts, args.cfg_options)
        cfg.merge_from_dict(opts.o)
    # Channel counts a config leaves to the data, as tools/train.py does.
    try:
        from mmsemsyn.dataset_facts import resolve_channels
    except ImportError:  # a "before" tree older than dataset_facts
        resolve_channels = None
    if resolve_channels is not None:
        resolve_channels(cfg, config)
    return cfg


def _build(args, tokens, device):
    import torch
    from mmengine.optim import build_optim_wrapper

    from mmsemsyn.model_zoo import _without_pretrained
    from mmsemsyn.registry import MODELS
    from mmsemsyn.utils import register_all_modules
    register_all_modules()
    cfg = _load_cfg(args, tokens)
    # cuDNN autotuning as the Runner sets it from the config (off in our
    # configs; the official pix2pixHD turns it on in its own process):
    # --cfg-options env_cfg.cudnn_benchmark=True for a like-for-like run.
    torch.backends.cudnn.benchmark = bool(
        cfg.get('env_cfg', {}).get('cudnn_benchmark', False))
    model_cfg = _without_pretrained(cfg.model.to_dict())
    if model_cfg.get('pretrained_global'):
        model_cfg['pretrained_global'] = None
    _no_download(model_cfg, MODELS)
    _set_size(model_cfg, *args.hw, MODELS)
    if 'compile' in tokens:
        model_cfg['compile_networks'] = True
    if 'cl' in tokens or 'channels-last' in tokens:
        model_cfg['channels_last'] = True
    torch.manual_seed(args.seed)
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.to(device)
    optim = None
    if args.mode == 'train':
        ow_cfg = cfg.optim_wrapper.to_dict()
        subs = [ow_cfg] if 'optimizer' in ow_cfg else [
            v for v in ow_cfg.values()
            if isinstance(v, dict) and 'optimizer' in v]
        for sub in subs:
            if 'bf16' in tokens:
                sub['type'] = 'AutocastOptimWrapper'
                sub['dtype'] = 'bfloat16'
            if 'single-tensor' in tokens:
                sub['optimizer']['foreach'] = False
                sub['optimizer']['fused'] = False
        optim = build_optim_wrapper(model, ow_cfg)
    return model, optim, model.data_preprocessor.num_classes


def _batch(args, num_classes: int):
    import torch
    from mmengine.dataset import pseudo_collate

    from mmsemsyn.structures import SynDataSample
    h, w = args.hw
    gen = torch.Generator().manual_seed(args.seed)
    samples = []
    for i in range(args.batch_size):
        # Blocky layouts (16x16 cells) like real label maps, not noise.
        lab = torch.randint(0, num_classes, (1, h // 16 + 1, w // 16 + 1),
                            generator=gen)
        lab = lab.repeat_interleave(16, 1).repeat_interleave(16, 2)
        lab = lab[:, :h, :w].contiguous()
        inst = lab * 1000 + (torch.arange(w) // 64)
        img = torch.randint(0, 256, (3, h, w), generator=gen,
                            dtype=torch.uint8)
        sample = SynDataSample(metainfo=dict(label_path=f'synthetic_{i}'))
        samples.append(dict(inputs=dict(label=lab, inst=inst, img=img),
                            data_samples=sample))
    return pseudo_collate(samples)


def _eager(model):
    """Context: compiled modules run eagerly (for the FLOP counter).
    ``model``: a module or a list of modules."""
    from contextlib import contextmanager
    roots = model if isinstance(model, (list, tuple)) else [model]

    @contextmanager
    def ctx():
        saved = []
        for m in (sub for r in roots for sub in r.modules()):
            impl = getattr(m, '_compiled_call_impl', None)
            if impl is not None:
                saved.append((m, impl))
                m._compiled_call_impl = None
        try:
            yield
        finally:
            for m, impl in saved:
                m._compiled_call_impl = impl
    return ctx()


def run_variant(args, spec: str) -> dict:
    """Benchmark one variant in this process; returns its figures."""
    import logging
    import resource

    import torch
    from mmengine.logging import MessageHub, MMLogger

    # init_weights logs one line per parameter at INFO.
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    tokens = spec.split('+')
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if args.threads:
        torch.set_num_threads(args.threads)
    if 'official' in tokens:
        official = _build_official(args, device)
        step, flop_modules = official.step, official.modules
        num_params = dict(official.num_params)
    else:
        model, optim, num_classes = _build(args, tokens, device)
        data = _batch(args, num_classes)
        hub = MessageHub.get_current_instance()
        it = [0]
        bf16 = 'bf16' in tokens
        flop_modules = model
        num_params = _num_params(model)

        def step():
            hub.update_info('iter', it[0])
            it[0] += 1
            if args.mode == 'train':
                model.train()
                model.train_step(data, optim)
            else:
                model.eval()
                with torch.no_grad(), torch.autocast(
                        device_type=device.split(':')[0],
                        dtype=torch.bfloat16, enabled=bf16):
                    model.test_step(data)

    def sync():
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    t0 = time.perf_counter()
    for _ in range(args.warmup):
        step()
    sync()
    warmup_s = time.perf_counter() - t0
    flops = None
    if not args.no_flops:
        from torch.utils.flop_counter import FlopCounterMode
        counter = FlopCounterMode(display=False)
        with _eager(flop_modules), counter:
            step()
        flops = counter.get_total_flops()
    sync()
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    times, cpu_times = [], []
    for _ in range(args.iters):
        sync()
        t, c = time.perf_counter(), time.process_time()
        step()
        sync()
        times.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - c)
    if device.startswith('cuda'):
        peak = torch.cuda.max_memory_allocated()
        peak_kind = 'cuda max_memory_allocated'
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        peak_kind = 'peak RSS'
    med = statistics.median(times)
    q = statistics.quantiles(times, n=4) if len(times) > 1 else [med] * 3
    return dict(
        variant=spec, device=device,
        device_name=(torch.cuda.get_device_name(device)
                     if device.startswith('cuda') else 'cpu'),
        threads=torch.get_num_threads(), mode=args.mode,
        batch_size=args.batch_size, size=list(args.hw),
        warmup_s=warmup_s, times_s=times, median_s=med,
        iqr_s=q[2] - q[0], min_s=min(times), max_s=max(times),
        cpu_median_s=statistics.median(cpu_times), cpu_times_s=cpu_times,
        images_per_s=args.batch_size / med, peak_bytes=peak,
        peak_kind=peak_kind, flops_per_step=flops,
        tflops_per_s=None if flops is None else flops / med / 1e12,
        num_params=num_params)


def _num_params(model) -> dict:
    """Parameter counts of our networks (keys G, D, E as the official
    adapters; ``<key>_trainable`` where frozen parameters exist)."""
    import torch.nn as nn
    out = {}
    for key, attr in NET_KEYS:
        net = getattr(model, attr, None)
        if not isinstance(net, nn.Module):
            continue
        params = list(net.parameters())
        out[key] = sum(p.numel() for p in params)
        trainable = sum(p.numel() for p in params if p.requires_grad)
        if trainable != out[key]:
            out[f'{key}_trainable'] = trainable
    return out


def _build_official(args, device):
    """The ``official`` variant: ``cfg.model.type`` -> the adapter in
    ``official_runners/`` -> its :class:`OfficialRun` (built from
    ``--official-root``, first on ``sys.path`` of this process only)."""
    import torch
    here = osp.dirname(osp.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    from official_runners import build_official
    cfg = _load_cfg(args, ['official'])
    root = osp.abspath(args.official_root)
    sys.path.insert(0, root)
    torch.manual_seed(args.seed)
    # The official builders print every option and network; keep the
    # worker's output to the benchmark's own lines (errors still raise).
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        return build_official(root, cfg, args, device)


# ---- several variants, one process each ---------------------------------
def _worker_cmd(args, argv: List[str], spec: str, result: str) -> List[str]:
    return [sys.executable, osp.abspath(__file__)] + argv + [
        '--_worker', spec, '--_result', result]


def _strip_variants(argv: List[str]) -> List[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == '--variant':
            skip = True
            continue
        if a.startswith('--variant='):
            continue
        out.append(a)
    return out


def _mb(n):
    return f'{n / 2**20:,.0f} MiB'


def format_table(results: List[dict], peak_tflops: Optional[float],
                 clock: str = 'wall') -> str:
    first = results[0]
    key = 'median_s' if clock == 'wall' else 'cpu_median_s'
    r0 = first.get(key)
    head = (f'{"variant":<24} {"median ms":>10} {"CPU ms":>8} {"IQR ms":>8} '
            f'{"min-max ms":>15} {"img/s":>8} {"peak mem":>12} '
            f'{"GFLOP/step":>11} {"TFLOP/s":>8} {"speed-up":>9}')
    lines = [f'mode {first["mode"]}, batch {first["batch_size"]}, size '
             f'{first["size"][0]}x{first["size"][1]}, device '
             f'{first["device_name"]} ({first["threads"]} threads), peak '
             f'memory = {first["peak_kind"]}', head, '-' * len(head)]
    for r in results:
        if 'error' in r:
            lines.append(f'{r["variant"]:<24} FAILED: {r["error"]}')
            continue
        tf = r['tflops_per_s']
        tf_s = 'n/a' if tf is None else f'{tf:.3f}'
        if tf is not None and peak_tflops:
            tf_s += f' ({100 * tf / peak_tflops:.0f}%)'
        gf = 'n/a' if r['flops_per_step'] is None else \
            f'{r["flops_per_step"] / 1e9:,.1f}'
        ratio = f'{r0 / r[key]:.2f}x' if r0 else 'n/a'
        lines.append(
            f'{r["variant"]:<24} {1e3 * r["median_s"]:>10.1f} '
            f'{1e3 * r["cpu_median_s"]:>8.1f} '
            f'{1e3 * r["iqr_s"]:>8.1f} '
            f'{1e3 * r["min_s"]:>7.0f}-{1e3 * r["max_s"]:<7.0f} '
            f'{r["images_per_s"]:>8.2f} {_mb(r["peak_bytes"]):>12} '
            f'{gf:>11} {tf_s:>8} {ratio:>9}')
    lines.append(f'speed-up = median {clock} time per step of the first '
                 'variant / this one (>1: faster); CPU ms = process CPU time '
                 'per step (all threads); FLOPs: torch.utils.flop_counter '
                 '(2 per multiply-add).')
    lines += params_lines(results)
    return '\n'.join(lines)


def params_lines(results: List[dict]) -> List[str]:
    """One line of parameter counts per variant (G, D, E), and a WARNING
    line for each network whose count differs between an ``official``
    variant and ours (then the ratio compares different networks)."""
    ok = [r for r in results if r.get('num_params')]
    if not ok:
        return []
    lines = ['parameters:']
    for r in ok:
        counts = ', '.join(f'{k} {v:,}' for k, v in r['num_params'].items())
        lines.append(f'  {r["variant"]:<22} {counts}')
    official = [r for r in ok if r['variant'] == 'official']
    ours = [r for r in ok if r['variant'] != 'official']
    if official and ours:
        off, our = official[0]['num_params'], ours[0]['num_params']
        same = True
        for k in sorted(set(off) & set(our)):
            if off[k] != our[k]:
                same = False
                lines.append(
                    f'WARNING: {k} has {off[k]:,} parameters in the official '
                    f'code and {our[k]:,} in ours ({ours[0]["variant"]}): '
                    'the architectures differ, so the ratio compares '
                    'different networks')
        for k in sorted(set(off) ^ set(our)):
            if not k.endswith('_trainable'):
                same = False
                lines.append(f'WARNING: network {k} only in '
                             f'{"the official code" if k in off else "ours"}')
        if same:
            lines.append('official and ours: equal parameter counts')
    return lines


def main(argv=None) -> List[dict]:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'Config file not found: {args.config!r}')
    if args._worker is not None:
        result = run_variant(args, args._worker)
        tmp = args._result + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(result, f)
        os.replace(tmp, args._result)
        return [result]
    base = _strip_variants(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmpdir:
        for i, spec in enumerate(args.variant):
            path = osp.join(tmpdir, f'{i}.json')
            env = dict(os.environ)
            if 'before' in spec.split('+'):
                env['PYTHONPATH'] = osp.abspath(args.baseline_tree) + (
                    os.pathsep + env['PYTHONPATH']
                    if env.get('PYTHONPATH') else '')
            print(f'[benchmark] {args.config} variant {spec} ...',
                  flush=True)
            try:
                proc = subprocess.run(_worker_cmd(args, base, spec, path),
                                      env=env, timeout=args.timeout)
                code = proc.returncode
            except subprocess.TimeoutExpired:
                code = f'timeout after {args.timeout:.0f} s'
            if code != 0 or not osp.isfile(path):
                results.append(dict(variant=spec, error=f'exit code '
                                    f'{code} (see above)'))
                continue
            with open(path) as f:
                results.append(json.load(f))
    ok = [r for r in results if 'error' not in r]
    if ok:
        # The ratio column is against the first variant that ran.
        order = ok + [r for r in results if 'error' in r]
        print(f'config: {args.config}')
        print(format_table(order, args.peak_tflops, args.clock))
    if args.out:
        tmp = args.out + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(dict(config=args.config, results=results), f, indent=1)
        os.replace(tmp, args.out)
    return results


if __name__ == '__main__':
    main()
