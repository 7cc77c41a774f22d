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
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for path in args.labels + (args.inst or []):
        if not osp.isfile(path):
            raise FileNotFoundError(f'Input file not found: {path!r}')
    inferencer = SynthesisInferencer(args.config, args.checkpoint,
                                     device=args.device)
    images = inferencer(args.labels, args.inst, batch_size=args.batch_size)
    paths = inferencer.write(images, args.labels, args.out_dir)
    for path in paths:
        print(path)
    return paths


if __name__ == '__main__':
    main()
