"""Aten operators dispatched per training step / generator inference.

::

    python tools/analysis_tools/op_count.py CONFIG [--variant fp32
        --variant bf16 ...] [--mode train|infer|both] [--size HxW]
        [--batch-size N] [--device cpu|cuda|fake-cuda] [--top N]
        [--out FILE.json] [--cfg-options ...]

Why: a step that reaches a few percent of a GPU's peak is bound by kernel
launches and host work, and every operator that reaches the backend
(below autograd and autocast) is one dispatcher round trip on the host and,
unless it is a view, at least one kernel launch on a GPU. The count is
device independent, so it is measured on the CPU and explains launch-bound
GPU steps; ``bf16`` autocast adds its casts (``aten._to_copy``) to it.

How: a ``torch.utils._python_dispatch.TorchDispatchMode`` counts every
operator overload it sees, after autocast has inserted its casts and
autograd has recorded the graph, so the backward's and the optimizer's
operators are counted too. One untimed step runs first (optimizer state,
lazy buffers), then one counted step. The model, optimizer and synthetic
batch are ``benchmark.py``'s (``_build``/``_batch``: random weights,
nothing downloaded, blocky random label maps).

Reported per variant and mode: all dispatched operators, the ones that
launch work (``kernels``: neither a view nor an allocation), the casts
(``aten._to_copy``), and a top-``--top`` table of operator names (with the
difference against the first variant), then the casts grouped by the
module whose forward dispatched them (``Conv2d[sn]`` = a spectral-norm
conv; its ``W / sigma`` is recomputed in a forward pre-hook, so its
operators count under it; ``-`` = outside every module: the backward
pass, the optimizer, the losses' glue code).

Variants: ``+``-joined tokens ``fp32`` (default), ``bf16`` (autocast
bfloat16: ``AutocastOptimWrapper`` for train, ``torch.autocast`` for
infer), ``cl`` / ``channels-last``, ``single-tensor`` (Adam without
foreach/fused). ``compile`` is refused: compiled graphs are not eager
operator streams (use ``benchmark.py --variant compile``).

Devices: ``cpu`` (default without a GPU) uses the CPU autocast policy;
``cuda`` a real GPU; ``fake-cuda`` runs on ``FakeTensor`` s that claim to
be on CUDA, so the *CUDA* autocast policy decides the casts (it lowers more
operators than the CPU one, e.g. ``mv``, which spectral norm uses) without
a GPU. The autograd engine needs a real GPU, so on ``fake-cuda`` a training
step runs without its backward (``loss.backward()`` is skipped, the
optimizers see no gradients): its count is the forward passes and losses.
"""
import argparse
import collections
import json
import os
import os.path as osp
import sys
import time
from contextlib import ExitStack, contextmanager
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark import _batch, _build  # noqa: E402

TOKENS = ('fp32', 'bf16', 'cl', 'channels-last', 'single-tensor')
CAST_OPS = ('aten._to_copy.default',)
# ops that allocate or only describe memory: no kernel of their own
NO_KERNEL_PREFIXES = ('aten.empty', 'aten.empty_strided', 'aten.new_empty',
                      'aten.lift_fresh', 'aten._local_scalar_dense')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Aten operators dispatched per training step / '
        'generator inference, by name and by module, per variant')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--variant', action='append', default=None,
                        help='fp32, bf16, cl, single-tensor (+-joined); '
                        'repeat for a comparison against the first')
    parser.add_argument('--mode', choices=['train', 'infer', 'both'],
                        default='both')
    parser.add_argument('--size', default='64x128',
                        help='input size HxW (default 64x128)')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--device', default=None,
                        choices=['cpu', 'cuda', 'fake-cuda'],
                        help='default: cuda when available, else cpu')
    parser.add_argument('--top', type=int, default=15,
                        help='rows of the by-name table (default 15)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=None,
                        help='write the counts as JSON to this file')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='override config settings (key=value)')
    args = parser.parse_args(argv)
    try:
        h, w = (int(v) for v in args.size.lower().split('x'))
    except ValueError:
        parser.error(f'--size must be HxW, e.g. 64x128, got {args.size!r}')
    args.hw = (h, w)
    if args.batch_size < 1 or args.top < 1:
        parser.error('--batch-size and --top must be >= 1')
    args.variant = args.variant or ['fp32']
    for spec in args.variant:
        tokens = spec.split('+')
        if 'compile' in tokens:
            parser.error(f'variant {spec!r}: compiled graphs are not eager '
                         'operator streams; measure them with benchmark.py '
                         '--variant compile')
        bad = [t for t in tokens if t not in TOKENS]
        if bad:
            parser.error(f'variant {spec!r}: unknown token(s) {bad}; '
                         f'tokens are {TOKENS}')
    return args


# ---- counting ------------------------------------------------------------
def _counter_mode():
    from torch.utils._python_dispatch import TorchDispatchMode

    class OpCounter(TorchDispatchMode):
        """Counts every operator overload by name and by the innermost
        module whose forward is running (``stack``, kept by global module
        hooks)."""

        def __init__(self, stack: List[str]):
            super().__init__()
            self.stack = stack
            self.by_name = collections.Counter()
            self.casts_by_module = collections.Counter()
            self.by_module = collections.Counter()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = str(func)
            # prim.device / sym_* are FakeTensor metadata queries
            if not name.startswith(('prim.', 'aten.sym_')):
                self.by_name[name] += 1
                where = self.stack[-1] if self.stack else '-'
                self.by_module[where] += 1
                if name in CAST_OPS:
                    self.casts_by_module[where] += 1
            return func(*args, **(kwargs or {}))

    return OpCounter


def _module_label(module) -> str:
    from torch.nn.utils.spectral_norm import SpectralNorm
    sn = any(isinstance(h, SpectralNorm)
             for h in module._forward_pre_hooks.values())
    return type(module).__name__ + ('[sn]' if sn else '')


@contextmanager
def _module_stack(stack: List[str]):
    """Global forward hooks that keep ``stack`` = the labels of the modules
    whose forward is running, innermost last. The pre-hook runs before a
    module's own pre-hooks (spectral norm's ``W / sigma``)."""
    from torch.nn.modules.module import (
        register_module_forward_hook,
        register_module_forward_pre_hook,
    )

    def pre(module, args):
        stack.append(_module_label(module))

    def post(module, args, output):
        if stack:
            stack.pop()

    handles = [register_module_forward_pre_hook(pre),
               register_module_forward_hook(post, always_call=True)]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def is_view(name: str) -> bool:
    import torch
    ns, op, overload = (name.split('.') + ['default'])[:3]
    try:
        packet = getattr(getattr(torch.ops, ns), op)
        return bool(getattr(packet, overload).is_view)
    except (AttributeError, RuntimeError):
        return False


def summarise(by_name: Dict[str, int]) -> dict:
    views = sum(n for k, n in by_name.items() if is_view(k))
    no_kernel = sum(n for k, n in by_name.items()
                    if k.startswith(NO_KERNEL_PREFIXES))
    total = sum(by_name.values())
    return dict(total=total, views=views, allocations=no_kernel,
                kernels=total - views - no_kernel,
                casts=sum(by_name.get(k, 0) for k in CAST_OPS))


# ---- fake CUDA -------------------------------------------------------------
def _to_fake_cuda(model, data, fake_mode):
    """Parameters, buffers and the batch's tensors become FakeTensors on
    CUDA (shapes and dtypes only: no GPU needed)."""
    import torch
    with fake_mode:
        for m in model.modules():
            for n, p in list(m._parameters.items()):
                if p is not None:
                    m._parameters[n] = torch.nn.Parameter(
                        fake_mode.from_tensor(p.detach()).to('cuda'),
                        requires_grad=p.requires_grad)
            for n, b in list(m._buffers.items()):
                if b is not None:
                    m._buffers[n] = fake_mode.from_tensor(b).to('cuda')
    for m in model.modules():
        if hasattr(m, '_device'):  # mmengine's data preprocessor
            m._device = torch.device('cuda')
    inputs = data['inputs']
    if isinstance(inputs, dict):
        data['inputs'] = {k: [fake_mode.from_tensor(t) for t in v]
                          for k, v in inputs.items()}
    else:
        data['inputs'] = [{k: fake_mode.from_tensor(t) for k, t in d.items()}
                          for d in inputs]
    return data


@contextmanager
def _cuda_autocast_without_gpu():
    """``torch.autocast('cuda')`` disables itself when no GPU is present;
    its dispatch keys work on FakeTensors, so let it on. ``backward`` is
    skipped: the autograd engine needs a real CUDA device."""
    from unittest import mock
    with mock.patch('torch.cuda.is_available', lambda: True), \
            mock.patch('torch.cuda.is_bf16_supported',
                       lambda *a, **k: True), \
            mock.patch('torch.Tensor.backward', lambda *a, **k: None):
        yield


# ---- one variant -----------------------------------------------------------
def count_variant(args, spec: str, mode: str) -> dict:
    """Count the operators of one step of ``mode`` ('train'/'infer') for
    variant ``spec``; returns the summary, by-name and by-module counts."""
    import logging

    import torch
    from mmengine.logging import MessageHub, MMLogger

    MMLogger.get_current_instance().setLevel(logging.WARNING)
    tokens = spec.split('+')
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    fake = device == 'fake-cuda'
    ns = argparse.Namespace(config=args.config, cfg_options=args.cfg_options,
                            hw=args.hw, seed=args.seed, mode=mode,
                            batch_size=args.batch_size)
    t0 = time.perf_counter()
    model, optim, num_classes = _build(ns, tokens, 'cpu' if fake else device)
    data = _batch(ns, num_classes)
    bf16 = 'bf16' in tokens
    stack: List[str] = []
    counter = _counter_mode()(stack)
    hub = MessageHub.get_current_instance()
    fake_mode = None
    if fake:
        from torch._subclasses.fake_tensor import FakeTensorMode
        fake_mode = FakeTensorMode(allow_non_fake_inputs=True)
        data = _to_fake_cuda(model, data, fake_mode)
    dev_type = 'cuda' if fake else device.split(':')[0]

    def step(i, count):
        hub.update_info('iter', i)
        with ExitStack() as ctx:
            if fake:
                ctx.enter_context(_cuda_autocast_without_gpu())
                ctx.enter_context(fake_mode)
            if count:
                ctx.enter_context(_module_stack(stack))
                ctx.enter_context(counter)
            if mode == 'train':
                model.train()
                model.train_step(data, optim)
            else:
                model.eval()
                ctx.enter_context(torch.no_grad())
                ctx.enter_context(torch.autocast(
                    device_type=dev_type, dtype=torch.bfloat16,
                    enabled=bf16))
                model.test_step(data)

    step(0, False)  # optimizer state, lazy buffers
    step(1, True)
    by_name = dict(counter.by_name)
    return dict(variant=spec, mode=mode, device=device,
                backward_counted=not fake,
                batch_size=args.batch_size, size=list(args.hw),
                seconds=time.perf_counter() - t0, **summarise(by_name),
                by_name=dict(sorted(by_name.items(), key=lambda kv: -kv[1])),
                by_module=dict(counter.by_module.most_common()),
                casts_by_module=dict(counter.casts_by_module.most_common()))


# ---- tables ----------------------------------------------------------------
def format_tables(results: List[dict], top: int) -> str:
    """Summary, top-``top`` operators by name (the first variant's order,
    then any op another variant adds) and casts by module, per mode."""
    lines = [f'{r["mode"]} {r["variant"]}: FAILED: {r["error"]}'
             for r in results if 'error' in r]
    for mode in ('train', 'infer'):
        rs = [r for r in results if r['mode'] == mode and 'error' not in r]
        if not rs:
            continue
        first = rs[0]
        what = ('one generator inference' if mode == 'infer' else
                'one training step (forward, backward, optimizer)'
                if first['backward_counted'] else
                'one training step WITHOUT its backward (fake-cuda)')
        lines.append(f'== {what}: batch {first["batch_size"]}, size '
                     f'{first["size"][0]}x{first["size"][1]}, device '
                     f'{first["device"]}')
        head = (f'{"variant":<20} {"dispatched":>10} {"kernels":>8} '
                f'{"views":>7} {"allocs":>7} {"casts":>7} {"vs first":>9}')
        lines += [head, '-' * len(head)]
        for r in rs:
            lines.append(
                f'{r["variant"]:<20} {r["total"]:>10,} {r["kernels"]:>8,} '
                f'{r["views"]:>7,} {r["allocations"]:>7,} {r["casts"]:>7,} '
                f'{r["total"] / first["total"]:>8.2f}x')
        names = list(first['by_name'])[:top]
        for r in rs[1:]:  # ops a variant adds or changes most
            extra = sorted(r['by_name'], key=lambda k: -abs(
                r['by_name'][k] - first['by_name'].get(k, 0)))
            names += [k for k in extra[:3] if k not in names and
                      r['by_name'][k] != first['by_name'].get(k, 0)]
        w = max(len(n) for n in names) if names else 10
        head = f'{"operator":<{w}} ' + ' '.join(
            f'{r["variant"]:>14}' for r in rs)
        lines += ['', head, '-' * len(head)]
        for n in names:
            cells = []
            for r in rs:
                c = r['by_name'].get(n, 0)
                d = c - first['by_name'].get(n, 0)
                cells.append(f'{c:>8,}' + (f' {d:+5,}' if r is not first
                                           and d else ' ' * 6))
            lines.append(f'{n:<{w}} ' + ' '.join(cells))
        mods = []
        for r in rs:
            mods += [m for m in r['casts_by_module'] if m not in mods]
        if mods:
            head = f'{"casts (_to_copy) in":<{w}} ' + ' '.join(
                f'{r["variant"]:>14}' for r in rs)
            lines += ['', head, '-' * len(head)]
            for m in mods[:top]:
                lines.append(f'{m:<{w}} ' + ' '.join(
                    f'{r["casts_by_module"].get(m, 0):>14,}' for r in rs))
        lines.append('')
    lines.append('dispatched = every aten operator below autograd/autocast '
                 '(one host dispatch each); kernels = dispatched minus views '
                 'and allocations (each launches at least one kernel on a '
                 'GPU); casts = aten._to_copy; "-" = outside every module '
                 '(backward, optimizer, glue).')
    return '\n'.join(lines)


def main(argv=None) -> List[dict]:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'Config file not found: {args.config!r}')
    modes = ['train', 'infer'] if args.mode == 'both' else [args.mode]
    results = []
    for mode in modes:
        for spec in args.variant:
            print(f'[op_count] {args.config} {mode} variant {spec} ...',
                  flush=True)
            try:
                r = count_variant(args, spec, mode)
            except Exception as exc:  # report it and count the others
                hint = (' (fake-cuda runs on shapes only: code that reads '
                        'tensor values or makes real CUDA tensors cannot run '
                        'there; count this one with --device cpu)'
                        if args.device == 'fake-cuda' else '')
                r = dict(variant=spec, mode=mode,
                         error=f'{type(exc).__name__}: {exc}{hint}')
                print(f'[op_count]   FAILED: {r["error"]}', flush=True)
            else:
                print(f'[op_count]   {r["total"]:,} operators '
                      f'({r["casts"]:,} casts) in {r["seconds"]:.1f} s',
                      flush=True)
            results.append(r)
    print(f'config: {args.config}')
    print(format_tables(results, args.top))
    if args.out:
        tmp = args.out + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(dict(config=args.config, results=results), f, indent=1)
        os.replace(tmp, args.out)
    return results


if __name__ == '__main__':
    main()
