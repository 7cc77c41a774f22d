"""FLOPs and parameters of a config's networks at an input size:
``python tools/analysis_tools/get_flops.py CONFIG --shape 256 512``.

Counted with mmengine's ``get_model_complexity_info`` (fvcore's counter,
ported): one multiply-add counts as one FLOP, as in fvcore, mmseg and
mmdet tables. The generator runs through the synthesizer's own
``forward_generator`` on a zero label map (plus instance map and photo,
so optional inputs such as the SPADE VAE encoder are counted), so every
method is measured as it runs at test time; the discriminator is fed one
(label + photo) tensor where it takes one. Weights are random and nothing
is downloaded (pretrained switches are turned off: they do not change the
architecture). Parameters are those of the whole network, frozen parts
included, as in the metafiles.
"""
import argparse
from typing import Dict, List, Optional

# mmengine.config imports no torch; torch and mmsemsyn are imported where
# they are used, so that ``--help`` answers at once.
from mmengine.config import Config, DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='FLOPs and parameters per network')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', type=int, nargs='+', default=[256, 512],
                        help='input size H W (one value: square); '
                        'default 256 512')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings, e.g. model.generator.ngf=32')
    return parser.parse_args(argv)


def _generator_forward(synthesizer, keys: List[str], extras: dict):
    """The synthesizer's ``forward_generator`` as a module that takes the
    tensors as positional arguments (the FLOP counter traces the module
    with a tuple)."""
    import torch.nn as nn

    class _GeneratorForward(nn.Module):

        def __init__(self):
            super().__init__()
            self.synthesizer = synthesizer

        def forward(self, *tensors):
            inputs = dict(zip(keys, tensors), **extras)
            return self.synthesizer.forward_generator(inputs)['fake_img']

    return _GeneratorForward()


def _fmt(n: Optional[float]) -> str:
    if n is None:
        return 'n/a'
    for unit, div in (('T', 1e12), ('G', 1e9), ('M', 1e6), ('K', 1e3)):
        if n >= div:
            return f'{n / div:.2f}{unit}'
    return str(int(n))


def _flops(module, inputs: tuple) -> Optional[int]:
    """Multiply-adds of ``module(*inputs)`` (an nn.Module).

    mmengine's ``FlopAnalyzer`` itself (the count that
    ``get_model_complexity_info`` reports), without that function's second
    trace for activations and without the analyzer's warnings: one line per
    element-wise op that is not counted (by the multiply-add convention)
    and a list of every sub-module not called (the discriminator while the
    generator is counted), thousands of characters around the table."""
    from mmengine.analysis import FlopAnalyzer
    analyzer = FlopAnalyzer(module, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer.total()


def complexity(cfg: Config, shape) -> Dict[str, dict]:
    """``{network: dict(flops=..., params=..., input=...)}``."""
    import torch
    import torch.nn as nn
    from mmengine.dataset import pseudo_collate

    from mmsemsyn.dataset_facts import resolve_channels
    from mmsemsyn.model_zoo import _without_pretrained
    from mmsemsyn.registry import MODELS
    from mmsemsyn.structures import SynDataSample
    h, w = shape
    # Channel counts a config leaves to the data, as tools/train.py does.
    resolve_channels(cfg, cfg.filename or '<config>')
    model_cfg = _without_pretrained(cfg.model.to_dict())
    # Losses (VGG, ...) take no part in the forward pass being counted.
    model_cfg['losses'] = {k: None for k in model_cfg.get('losses') or {}}
    model = MODELS.build(model_cfg).eval()
    batch = pseudo_collate([dict(
        inputs=dict(label=torch.zeros(1, h, w, dtype=torch.long),
                    inst=torch.zeros(1, h, w, dtype=torch.long),
                    img=torch.zeros(3, h, w, dtype=torch.uint8)),
        data_samples=SynDataSample())])
    inputs = model.data_preprocessor(batch, False)['inputs']
    keys = sorted(k for k, v in inputs.items()
                  if isinstance(v, torch.Tensor))
    extras = {k: v for k, v in inputs.items() if k not in keys}
    results = {}
    gen = _generator_forward(model, keys, extras)
    with torch.no_grad():
        flops = _flops(gen, tuple(inputs[k] for k in keys))
    results['generator'] = dict(
        flops=flops, input=f'semantics {tuple(inputs["semantics"].shape)}',
        params=sum(p.numel() for p in model.generator.parameters()))
    encoder = getattr(model, 'encoder', None)
    if isinstance(encoder, nn.Module):
        results['encoder'] = dict(
            flops=None, input='(counted in the generator)',
            params=sum(p.numel() for p in encoder.parameters()))
    disc = getattr(model, 'discriminator', None)
    if isinstance(disc, nn.Module):
        first = next((m for m in disc.modules()
                      if isinstance(m, nn.Conv2d)), None)
        entry = dict(flops=None, input='n/a (not a single tensor input)',
                     params=sum(p.numel() for p in disc.parameters()))
        if first is not None:
            x = torch.zeros(1, first.in_channels, h, w)
            try:
                with torch.no_grad():
                    entry['flops'] = _flops(disc, (x, ))
                entry['input'] = str(tuple(x.shape))
            except Exception:  # D with another call signature (Lab2Pix)
                pass
        results['discriminator'] = entry
    return results


def format_table(results: Dict[str, dict], shape, config: str) -> str:
    lines = [f'config: {config}', f'input shape: {shape[0]}x{shape[1]}',
             f'{"network":<14} {"FLOPs":>9} {"params":>9}  input',
             '-' * 60]
    for name, r in results.items():
        lines.append(f'{name:<14} {_fmt(r["flops"]):>9} '
                     f'{_fmt(r["params"]):>9}  {r["input"]}')
    lines.append('FLOPs: multiply-adds (fvcore convention, mmengine '
                 'counter); params: all, frozen included.')
    return '\n'.join(lines)


def main(argv=None) -> Dict[str, dict]:
    args = parse_args(argv)
    import mmsemsyn  # noqa: F401  (stack compat fixes)
    from mmsemsyn.engine.launch import load_config
    from mmsemsyn.utils import register_all_modules
    if len(args.shape) == 1:
        shape = (args.shape[0], args.shape[0])
    elif len(args.shape) == 2:
        shape = tuple(args.shape)
    else:
        raise ValueError(f'--shape takes H W or one size, got {args.shape}')
    register_all_modules()
    # Checked --cfg-options (a typo'd key stops with the nearest names).
    cfg = load_config(args.config, args.cfg_options)
    results = complexity(cfg, shape)
    print(format_table(results, shape, args.config))
    return results


if __name__ == '__main__':
    main()
