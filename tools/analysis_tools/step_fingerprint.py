"""Fingerprint the first training steps of configs: losses and a weight hash.

A refactor that claims "behaviour unchanged" runs this before and after on
the same configs and compares the two JSON files (``--compare``)::

    python tools/analysis_tools/step_fingerprint.py configs/*/*_synthetic.py \
        --out before.json
    # ... change the code ...
    python tools/analysis_tools/step_fingerprint.py configs/*/*_synthetic.py \
        --out after.json --compare before.json

Each config is built with mmengine's ``Runner`` (seed 0, deterministic),
its first ``--steps`` training batches go through ``model.train_step`` and
the logged losses (floats) plus a SHA-256 of all generator and
discriminator weights after the steps are stored. ``--compare`` prints one
row per config with the largest absolute loss difference and whether the
weights are bit-identical; it exits 1 when any config differs by more than
``--atol``.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import sys
import tempfile


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--out', required=True, help='JSON file to write')
    parser.add_argument('--steps', type=int, default=2,
                        help='training steps per config (default 2)')
    parser.add_argument('--compare', help='JSON of an earlier run')
    parser.add_argument('--runner-init', action='store_true',
                        help="call the Runner's model.init_weights() first, "
                        'as Runner.train() does (the weights training '
                        'really starts from)')
    parser.add_argument('--atol', type=float, default=0.0,
                        help='largest loss difference that still counts '
                        'as equal (default 0: identical)')
    return parser.parse_args(argv)


def weight_hash(module) -> str:
    """SHA-256 over the names and bytes of every parameter and buffer."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def fingerprint(config: str, steps: int, runner_init: bool = False) -> dict:
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmsemsyn  # noqa: F401  (registers everything)
    cfg = Config.fromfile(config)
    cfg.work_dir = tempfile.mkdtemp(prefix='fingerprint_')
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.experiment_name = 'fp_' + osp.splitext(osp.basename(config))[0]
    cfg.visualizer = dict(type='Visualizer',
                          name='fp_vis_' + cfg.experiment_name)
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg.pop(key, None)
    cfg.custom_hooks = []
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    if runner_init:
        # what Runner.train() does before the first iteration
        runner._init_model_weights()
    model = runner.model
    model.train()
    losses = []
    loader = iter(runner.train_dataloader)
    from mmengine.optim import build_optim_wrapper
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    for step in range(steps):
        runner.message_hub.update_info('iter', step)
        data = next(loader)
        log_vars = model.train_step(data, optim_wrapper)
        losses.append({k: float(torch.as_tensor(v).detach())
                       for k, v in sorted(log_vars.items())})
    return dict(losses=losses, weights=weight_hash(model))


def compare(before: dict, after: dict, atol: float) -> int:
    failed = 0
    print(f'{"config":55s} {"losses":>7s} {"max |diff|":>11s} weights')
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            print(f'{name:55s} only in {"after" if name in after else "before"}')
            failed += 1
            continue
        a, b = before[name], after[name]
        diff, missing = 0.0, set()
        for step_a, step_b in zip(a['losses'], b['losses']):
            missing |= set(step_a) ^ set(step_b)
            for key in set(step_a) & set(step_b):
                diff = max(diff, abs(step_a[key] - step_b[key]))
        same_w = a['weights'] == b['weights']
        n = sum(len(s) for s in a['losses'])
        print(f'{name:55s} {n:7d} {diff:11.3g} '
              f'{"identical" if same_w else "DIFFER"}'
              + (f'  keys differ: {sorted(missing)}' if missing else ''))
        failed += diff > atol or bool(missing) or (not same_w and atol == 0)
    return 1 if failed else 0


def main(argv=None):
    args = parse_args(argv)
    results = {}
    for config in args.configs:
        name = osp.relpath(config)
        try:
            results[name] = fingerprint(config, args.steps,
                                        args.runner_init)
        except Exception as exc:  # report and go on with the next config
            results[name] = dict(error=f'{type(exc).__name__}: {exc}')
            print(f'{name}: {results[name]["error"]}', file=sys.stderr)
        else:
            print(f'{name}: ' + ', '.join(
                f'{k}={v:.6g}' for k, v in results[name]['losses'][-1].items()))
    tmp = args.out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
    os.replace(tmp, args.out)
    if args.compare:
        with open(args.compare) as f:
            before = json.load(f)
        ok_before = {k: v for k, v in before.items() if 'error' not in v}
        ok_after = {k: v for k, v in results.items() if 'error' not in v}
        return compare(ok_before, ok_after, args.atol)
    return 0


if __name__ == '__main__':
    sys.exit(main())
