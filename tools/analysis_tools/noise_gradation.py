"""Gradation strips of the diversity loss's per-class noise (Yang et al.,
TIP 2019, Fig. 2-3): one class's n^c swept from -1 to 1 in K steps, the
other classes fixed, as one PNG (one row per swept class, the colourised
layout first).

It also measures the *class locality* of each sweep: the mean absolute
change (0..255 scale) between the n^c = -1 and n^c = +1 images on the
pixels of class c, divided by the same on all other pixels. A model whose
noise is linked to the segments (the paper's claim) has a ratio well above
1.

Usage::

    python tools/analysis_tools/noise_gradation.py CONFIG CHECKPOINT LABEL \\
        --classes road car --steps 7 --out strip.png \\
        [--inst INST] [--seed S] [--size config|keep|HxW] [--device cpu]

``--seed`` draws the fixed values of the other classes (the config's
sampler); without it they are 0. ``--size`` is the inferencer's: by default
the config's test size (what the model was trained at). Prints one JSON line per swept class:
``{"class", "id", "inside", "outside", "ratio"}``.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from mmsemsyn.apis import SynthesisInferencer  # noqa: E402
from mmsemsyn.models.data_preprocessors.class_noise import (  # noqa: E402
    class_noise_vector,
    sample_class_noise,
)


def sweep_values(steps: int) -> List[float]:
    """K values from -1 to 1 (inclusive). Raises ValueError for K < 2."""
    if steps < 2:
        raise ValueError(f'--steps must be >= 2 (a sweep from -1 to 1 needs '
                         f'both ends), got {steps}.')
    return np.linspace(-1.0, 1.0, steps).tolist()


def class_index(inferencer: SynthesisInferencer, cls) -> int:
    """A class name or id (int or digit string) → its id; errors name the
    known classes."""
    vec = class_noise_vector({cls: 1.0}, inferencer.metainfo.get('classes'),
                             inferencer.model.data_preprocessor.num_classes)
    return int(vec.argmax())


def label_ids(inferencer: SynthesisInferencer, label: str,
              inst: Optional[str] = None) -> torch.Tensor:
    """The (H, W) ids of ``label`` as the model reads them (the config's
    test pipeline's loader: palette decoding, ``label_map``), at the label
    map's own size."""
    ids, _ = inferencer.read_maps(label, inst)
    return torch.from_numpy(ids).long()


def gradation(inferencer: SynthesisInferencer, label: str, class_id: int,
              steps: int, base: torch.Tensor,
              inst: Optional[str] = None) -> Tuple[List[np.ndarray],
                                                   List[float]]:
    """Images of ``label`` with n^{class_id} swept over ``sweep_values``
    and the other classes at ``base`` (C,). Returns ((H, W, 3) uint8 RGB
    images, the swept values)."""
    values = sweep_values(steps)
    images = []
    for value in values:
        vec = base.clone()
        vec[class_id] = value
        images += inferencer([label], None if inst is None else [inst],
                             class_noise=vec)
    return images, values


def class_locality(first: np.ndarray, last: np.ndarray,
                   ids: torch.Tensor, class_id: int) -> dict:
    """Mean |last - first| (0..255, over RGB) on the pixels of ``class_id``
    (``inside``) and on the others (``outside``); ``ratio`` = inside /
    outside (inf when nothing outside changed, None when the class is
    absent)."""
    diff = np.abs(last.astype(np.float64) - first.astype(np.float64)).mean(2)
    mask = (ids == class_id).cpu().numpy()
    if mask.shape != diff.shape:
        # the inferencer may return images at another size than the
        # model's input (its ``size`` option): compare at the image size
        import cv2
        mask = cv2.resize(mask.astype(np.uint8), diff.shape[::-1],
                          interpolation=cv2.INTER_NEAREST).astype(bool)
    if not mask.any():
        return dict(inside=None, outside=float(diff.mean()), ratio=None)
    inside = float(diff[mask].mean())
    outside = float(diff[~mask].mean()) if (~mask).any() else 0.0
    ratio = inside / outside if outside > 0 else float('inf')
    return dict(inside=inside, outside=outside, ratio=ratio)


def strip_image(rows: Sequence[Sequence[np.ndarray]],
                label_rgb: Optional[np.ndarray] = None,
                gap: int = 2) -> np.ndarray:
    """Rows of equally sized (H, W, 3) images → one (H', W', 3) uint8 image,
    white gaps, the colourised layout at the start of every row."""
    rows = [([label_rgb] if label_rgb is not None else []) + list(r)
            for r in rows]
    h, w = rows[0][0].shape[:2]
    cols = max(len(r) for r in rows)
    out = np.full((len(rows) * (h + gap) - gap, cols * (w + gap) - gap, 3),
                  255, np.uint8)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            out[i * (h + gap):i * (h + gap) + h,
                j * (w + gap):j * (w + gap) + w] = img
    return out


def write_png(path: str, image: np.ndarray) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    from PIL import Image
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.{os.getpid()}.part')
    try:
        Image.fromarray(image).save(tmp, 'PNG')
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def run(config, checkpoint: Optional[str], label: str,
        classes: Sequence, steps: int, out: str,
        inst: Optional[str] = None, seed: Optional[int] = None,
        device: str = 'cpu', size='config') -> List[dict]:
    """Write the strip PNG to ``out``; return one locality dict per class."""
    from mmsemsyn.visualization.colorize import colorize_label
    if not classes:
        raise ValueError('Name at least one class to sweep (--classes).')
    sweep_values(steps)  # fail before building the model
    if not osp.isfile(label):
        raise FileNotFoundError(f'Label map not found: {label!r}')
    inferencer = SynthesisInferencer(config, checkpoint, device=device,
                                     size=size)
    pre = inferencer.model.data_preprocessor
    if getattr(pre, 'class_noise', None) is None:
        inferencer.class_noise_vector({})  # raises the clear error
    num_classes = pre.num_classes
    if seed is None:
        base = torch.zeros(num_classes)
    else:
        base = sample_class_noise(
            1, num_classes, pre.class_noise.sampler,
            generator=torch.Generator().manual_seed(seed))[0]
    ids = label_ids(inferencer, label, inst)
    rows, report = [], []
    for cls in classes:
        cid = class_index(inferencer, cls)
        images, _ = gradation(inferencer, label, cid, steps, base, inst)
        rows.append(images)
        names = inferencer.metainfo.get('classes') or ()
        entry = dict(cls=names[cid] if cid < len(names) else str(cid),
                     id=cid)
        entry.update(class_locality(images[0], images[-1], ids, cid))
        report.append(entry)
    label_rgb = colorize_label(ids, inferencer.metainfo.get('palette'))
    if label_rgb.shape[:2] != rows[0][0].shape[:2]:
        import cv2
        label_rgb = cv2.resize(label_rgb, rows[0][0].shape[1::-1],
                               interpolation=cv2.INTER_NEAREST)
    write_png(out, strip_image(rows, label_rgb))
    return report


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Gradation strip of one class noise n^c swept -1..1')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('label', help='one label map file')
    parser.add_argument('--classes', nargs='+', required=True,
                        help='class names or ids to sweep (one row each)')
    parser.add_argument('--steps', type=int, default=7,
                        help='K images per row (>= 2)')
    parser.add_argument('--out', required=True, help='the PNG to write')
    parser.add_argument('--inst', default=None, help='instance map')
    parser.add_argument('--seed', type=int, default=None,
                        help='draw the fixed other-class values (else 0)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--size', default='config',
        help="generation size: 'config' (the config's test size, default), "
        "'keep' (the label map's) or HxW")
    args = parser.parse_args(argv)
    if args.size not in ('config', 'keep'):
        try:
            h, w = (int(v) for v in args.size.lower().split('x'))
        except ValueError:
            parser.error(f"--size must be 'config', 'keep' or HxW, got "
                         f'{args.size!r}')
        args.size = (h, w)
    return args


def main(argv=None):
    args = parse_args(argv)
    report = run(args.config, args.checkpoint, args.label, args.classes,
                 args.steps, args.out, inst=args.inst, seed=args.seed,
                 device=args.device, size=args.size)
    for entry in report:
        print(json.dumps(entry))
    print(args.out)
    return report


if __name__ == '__main__':
    main()
