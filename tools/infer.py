"""Generate photos from label maps with a trained model.

    python tools/infer.py CONFIG CHECKPOINT LABEL [LABEL ...] --out-dir D \
        [--inst INST [INST ...]] [--device cpu]

Label maps are read as the config's test pipeline reads them (palette
colours, reduce_zero_label, label_map) and resized to its test size; one
``<label stem>.png`` (uint8 RGB) per label map is written to ``--out-dir``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmsemsyn.apis import SynthesisInferencer  # noqa: E402


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
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument(
        '--style-seed', type=int, default=None,
        help='pix2pixHD instance styles: seed of the random cluster centre '
        'picked per instance (one label map, several seeds = several '
        'styles)')
    parser.add_argument(
        '--style-indices', default=None,
        help='pix2pixHD instance styles: a centre index for every '
        'instance, or JSON {"<class or instance id>": index}')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for path in args.labels + (args.inst or []):
        if not osp.isfile(path):
            raise FileNotFoundError(f'Input file not found: {path!r}')
    inferencer = SynthesisInferencer(args.config, args.checkpoint,
                                     device=args.device)
    extra = {}
    if args.style_seed is not None:
        extra['style_seed'] = args.style_seed
    if args.style_indices is not None:
        import json
        extra['style_indices'] = json.loads(args.style_indices)
    images = inferencer(args.labels, args.inst, batch_size=args.batch_size,
                        extra_inputs=extra or None)
    paths = inferencer.write(images, args.labels, args.out_dir)
    for path in paths:
        print(path)
    return paths


if __name__ == '__main__':
    main()
