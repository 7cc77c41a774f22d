"""Generate photos from label maps with a trained model.

    python tools/infer.py CONFIG CHECKPOINT LABEL [LABEL ...] --out-dir D \
        [--inst INST [INST ...]] [--size keep|config|HxW] [--device cuda:0] \
        [--all-outputs] [--cfg-options k=v ...]

Label maps are read as the config's test pipeline reads them (palette
colours, reduce_zero_label, label_map). By default every output keeps its
label map's size and aspect (generated at the nearest size the generator
accepts, then resized back; a line says what was done). One
``<input stem>.png`` (uint8 RGB; role suffixes such as ``_label`` dropped)
per label map is written to ``--out-dir``; with ``--all-outputs`` a
multi-output generator (CRN, ``num_outputs`` n > 1) writes all n images of
each label map as ``<stem>_<k>.png``, k = 0 .. n-1. Models that use
instance edges fall back to the label map's edges when no ``--inst`` is
given (a notice names the quality cost). Arguments are parsed before torch loads.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_size(text: str):
    """``keep`` / ``config`` / ``HxW`` (e.g. ``256x512``)."""
    if text in ('keep', 'config'):
        return text
    h, sep, w = text.lower().partition('x')
    if not sep or not h.isdigit() or not w.isdigit() or not int(h) or \
            not int(w):
        raise argparse.ArgumentTypeError(
            f'--size {text!r}: use keep, config or HxW (e.g. 256x512).')
    return int(h), int(w)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate photos from label maps')
    parser.add_argument('config', help='the model config file')
    parser.add_argument('checkpoint', help='the trained checkpoint (.pth)')
    parser.add_argument('labels', nargs='+', help='label map file(s)')
    parser.add_argument('--inst', nargs='+', default=None,
                        help='instance map file(s), one per label map')
    parser.add_argument('--out-dir', required=True,
                        help='folder for the generated PNGs')
    parser.add_argument(
        '--device', default=None,
        help='e.g. cpu, cuda:0 (default: cuda when available, else cpu)')
    parser.add_argument('--batch-size', type=int, default=1,
                        help='label maps per forward pass')
    parser.add_argument(
        '--size', type=parse_size, default='keep',
        help="output size: keep (default: each label map's own size and "
        "aspect), config (the config's test size) or HxW")
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. '
        'model.data_preprocessor.use_instance_edges=False')
    parser.add_argument(
        '--style-seed', type=int, default=None,
        help='pix2pixHD instance styles: seed of the random cluster centre '
        'picked per instance (one label map, several seeds = several '
        'styles)')
    parser.add_argument(
        '--style-indices', default=None,
        help='pix2pixHD instance styles: a centre index for every '
        'instance, or JSON {"<class or instance id>": index}')
    parser.add_argument(
        '--class-noise', default=None, metavar='VALUES',
        help='diversity-loss models: per-class noise values n^c in [-1, 1] '
        'as JSON {"<class name or id>": value} or name=value,...; classes '
        'not named get 0 (configs/diversity/README.md)')
    parser.add_argument(
        '--all-outputs', action='store_true',
        help='multi-output generators (CRN with num_outputs n > 1): write '
        'all n images of each label map as <stem>_<k>.png, k = 0..n-1, '
        'instead of image 0 as <stem>.png')
    return parser.parse_args(argv)


def parse_class_noise(text: str) -> dict:
    """``'{"road": 0.5}'`` or ``'road=0.5,3=-1'`` → ``{class: value}``."""
    import json
    text = text.strip()
    if text.startswith('{'):
        try:
            values = json.loads(text)
        except json.JSONDecodeError as err:
            raise SystemExit(f'--class-noise is not valid JSON ({err}): '
                             f'{text!r}') from None
        if not isinstance(values, dict):
            raise SystemExit('--class-noise JSON must be an object '
                             '{"<class>": value}.')
        return values
    values = {}
    for item in filter(None, text.split(',')):
        key, sep, value = item.partition('=')
        if not sep:
            raise SystemExit(f'--class-noise item {item!r} is not '
                             'name=value (e.g. road=0.5,car=-1).')
        values[key.strip()] = value.strip()
    return values


def main(argv=None):
    args = parse_args(argv)
    for path in args.labels + (args.inst or []):
        if not osp.isfile(path):
            raise FileNotFoundError(f'Input file not found: {path!r}')
    from mmsemsyn.apis import SynthesisInferencer
    from mmsemsyn.engine.launch import load_config
    cfg = load_config(args.config, args.cfg_options)
    inferencer = SynthesisInferencer(cfg, args.checkpoint,
                                     device=args.device, size=args.size)
    extra = {}
    if args.style_seed is not None:
        extra['style_seed'] = args.style_seed
    if args.style_indices is not None:
        import json
        extra['style_indices'] = json.loads(args.style_indices)
    class_noise = None if args.class_noise is None else \
        parse_class_noise(args.class_noise)
    images = inferencer(args.labels, args.inst, batch_size=args.batch_size,
                        extra_inputs=extra or None, class_noise=class_noise,
                        all_outputs=args.all_outputs)
    write = inferencer.write_outputs if args.all_outputs else \
        inferencer.write
    paths = write(images, args.labels, args.out_dir)
    for path in paths:
        print(path)
    return paths


if __name__ == '__main__':
    main()
