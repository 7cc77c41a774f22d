"""How far bf16 autocast training drifts from float32 (issue 14 item 5).

::

    python tools/analysis_tools/precision_drift.py CONFIG [--iters 100]
        [--size 64x64] [--batch-size 1] [--cfg-options ...]

Builds the config's model twice from the same seed (random weights, no
downloads), trains both on the same random synthetic batches (ids in
``[0, num_classes)``, see ``benchmark.py``) -- one with the config's
optimizer wrappers, one with every wrapper an ``AutocastOptimWrapper``
(bfloat16, no loss scaling) -- and prints every logged loss averaged over
the last 10 iterations for both, with the relative difference, plus how
far the generator's total weight update (end - init) differs, relative.
"""
import argparse
import copy
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='fp32 vs bf16 training')
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=100)
    parser.add_argument('--size', default='64x64')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--cfg-options', nargs='+', default=None)
    args = parser.parse_args(argv)
    args.hw = tuple(int(v) for v in args.size.lower().split('x'))
    args.mode = 'train'
    return args


def train(args, tokens):
    import torch
    from benchmark import _batch, _build
    from mmengine.logging import MessageHub
    torch.manual_seed(args.seed)
    model, optim, num_classes = _build(args, tokens, 'cpu')
    hub = MessageHub.get_current_instance()
    init = torch.cat([p.detach().flatten().clone()
                      for p in model.generator.parameters()])
    history = []
    torch.manual_seed(args.seed + 1)  # noise inputs / dropout: same stream
    for it in range(args.iters):
        hub.update_info('iter', it)
        batch_args = copy.copy(args)
        batch_args.seed = args.seed + it
        log = model.train_step(_batch(batch_args, num_classes), optim)
        history.append({k: float(v.detach()) for k, v in log.items()})
    weights = torch.cat([p.detach().flatten()
                         for p in model.generator.parameters()])
    return history, weights - init


def main(argv=None):
    import logging

    import torch
    from mmengine.logging import MMLogger
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    fp32, w32 = train(args, ['fp32'])
    bf16, w16 = train(args, ['bf16'])
    tail = min(10, args.iters)
    print(f'config: {args.config}; {args.iters} iterations at '
          f'{args.hw[0]}x{args.hw[1]}, batch {args.batch_size}; mean of '
          f'the last {tail}')
    print(f'{"loss":<24} {"fp32":>12} {"bf16":>12} {"rel diff":>9}')
    rows = {}
    for key in fp32[-1]:
        a = sum(h[key] for h in fp32[-tail:]) / tail
        b = sum(h[key] for h in bf16[-tail:]) / tail
        rel = abs(a - b) / max(abs(a), 1e-12)
        rows[key] = (a, b, rel)
        print(f'{key:<24} {a:>12.5f} {b:>12.5f} {100 * rel:>8.2f}%')
    wdiff = float((w32 - w16).norm() / w32.norm())
    print(f'generator weight updates (end - init): |bf16 - fp32| / |fp32| '
          f'= {wdiff:.3f}')
    return rows, wdiff


if __name__ == '__main__':
    main()
