"""Benchmark LGGAN's class-specific branch: the per-class loop of the
official code (K convs over K masked copies of the feature) against our
two batched formulations -- 'label' (one-hot masks: each pixel multiplied
by its own class's kernel only, then one scatter-add; the default) and
'grouped' (one grouped conv over the K masked copies) -- in the same run,
with the same weights.

    python tools/analysis_tools/benchmark_lggan_local_branch.py \
        [--classes 35] [--channels 64] [--height 128] [--width 256] \
        [--batch 1] [--repeats 3] [--backward] [--device cpu]

Prints each formulation's max |fast - loop| difference, median times and
speed-up (loop / fast). Official Cityscapes size: 35 classes, 64 channels,
256x512.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from mmsemsyn.models.generators.lggan import ClassSpecificLocalGenerator


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--classes', type=int, default=35)
    p.add_argument('--channels', type=int, default=64)
    p.add_argument('--height', type=int, default=128)
    p.add_argument('--width', type=int, default=256)
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--backward', action='store_true',
                   help='time forward + backward')
    p.add_argument('--device', default='cpu')
    return p.parse_args()


def timed(fn, repeats, device):
    times = []
    for _ in range(repeats + 1):  # the first run warms up
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:])


def main():
    args = parse_args()
    torch.manual_seed(0)
    branch = ClassSpecificLocalGenerator(
        args.classes, ngf=args.channels, n_blocks=0).to(args.device)
    feat = torch.randn(args.batch, args.channels, args.height, args.width,
                       device=args.device, requires_grad=args.backward)
    ids = torch.randint(0, args.classes,
                        (args.batch, args.height // 8, args.width // 8),
                        device=args.device)
    ids = F.interpolate(ids[:, None].float(), size=(args.height, args.width))
    masks = F.one_hot(ids[:, 0].long(), args.classes).permute(0, 3, 1,
                                                              2).float()

    def run(fn):
        def step():
            with torch.set_grad_enabled(args.backward):
                out = fn(feat, masks)
                if args.backward:
                    out.sum().backward()
            return out
        return step

    mode = 'forward+backward' if args.backward else 'forward'
    print(f'K={args.classes} C={args.channels} {args.batch}x{args.height}x'
          f'{args.width} {mode} on {args.device}')
    t_loop = timed(run(branch.class_images_loop), args.repeats, args.device)
    print(f'loop     {t_loop * 1e3:9.1f} ms')
    for impl in ('label', 'grouped'):
        fast = getattr(branch, f'class_images_{impl}')
        with torch.no_grad():
            diff = (fast(feat, masks) - branch.class_images_loop(
                feat, masks)).abs().max().item()
        t_fast = timed(run(fast), args.repeats, args.device)
        print(f'{impl:8s} {t_fast * 1e3:9.1f} ms  speed-up (loop / {impl}) '
              f'= {t_loop / t_fast:.2f}x  max |{impl} - loop| = {diff:.2e}')

if __name__ == '__main__':
    main()
