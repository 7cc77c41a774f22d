"""NYU Depth v2 labelled frames -> the denoising GAN's five-class layouts.

Reads the standard ``nyu_depth_v2_labeled.mat`` (MATLAB v7.3 / HDF5: needs
``pip install h5py``; older v5 files are read with scipy) and Gupta et
al.'s ``classMapping40.mat`` (field ``mapClass``: 894 NYU classes -> 40),
maps the 40 classes to the structure classes furniture / structure / prop /
floor (``mmsemsyn.datasets.nyu_depth_v2.NYU40_TO_STRUCTURE``), draws the
fifth class, boundary lines, where neighbouring pixels belong to different
objects, and writes ``images/``, ``labels/``, ``instances/`` PNGs for
``NYUDepthV2FiveClassDataset``::

    python tools/dataset_converters/nyu_depth_v2.py \\
        nyu_depth_v2_labeled.mat classMapping40.mat --splits splits.mat \\
        --out data/nyu_five_class

``--splits splits.mat`` (the official split file) keeps its 795
``trainNdxs`` frames, the set the paper splits 700 / 95. Files are written
atomically; unlabelled pixels (class 0) get 255.
"""
import argparse
import json
import os
import os.path as osp
import sys

import numpy as np

REQUIRED = ('images', 'labels', 'instances')


def load_mat(path: str, fields) -> dict:
    """The named arrays of a .mat file in MATLAB's axis order.

    v5 files through scipy.io.loadmat; v7.3 (HDF5) through h5py, whose
    arrays come with the axes reversed -- transposed back here.

    Raises:
        FileNotFoundError: no such file.
        KeyError: a field is missing (named, with the fields present).
        ImportError: a v7.3 file and no h5py.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path!r} does not exist.')
    try:
        from scipy.io import loadmat, whosmat
        present = set(name for name, _, _ in whosmat(path))
        data = loadmat(path, variable_names=[f for f in fields
                                             if f in present])
        get = data.__getitem__
        reverse = False
    except NotImplementedError:  # MATLAB v7.3 = HDF5
        try:
            import h5py
        except ImportError as err:
            raise ImportError(
                f'{path!r} is a MATLAB v7.3 (HDF5) file: install h5py '
                '(pip install h5py) to read it.') from err
        handle = h5py.File(path, 'r')
        present = set(handle.keys())
        get = lambda k: handle[k][()]  # noqa: E731
        reverse = True
    missing = [f for f in fields if f not in present]
    if missing:
        raise KeyError(
            f'{path!r} has no field(s) {missing} (it has '
            f'{sorted(present)[:12]}). Pass the labelled NYU v2 file '
            '(nyu_depth_v2_labeled.mat with images/labels/instances) and '
            "Gupta et al.'s classMapping40.mat (mapClass) in that order.")
    out = {}
    for f in fields:
        arr = np.asarray(get(f))
        out[f] = arr.transpose() if reverse else arr
    return out


def boundary_mask(objects: np.ndarray, width: int = 1) -> np.ndarray:
    """True where a 4-neighbour belongs to another object (both sides of
    each boundary), dilated to ``width`` pixels per side."""
    from scipy import ndimage
    edge = np.zeros(objects.shape, bool)
    h = objects[:, 1:] != objects[:, :-1]
    v = objects[1:, :] != objects[:-1, :]
    edge[:, 1:] |= h
    edge[:, :-1] |= h
    edge[1:, :] |= v
    edge[:-1, :] |= v
    if width > 1:
        edge = ndimage.binary_dilation(edge, iterations=width - 1)
    return edge


def convert_frame(labels894: np.ndarray, instances: np.ndarray,
                  map_class: np.ndarray, map40: dict,
                  boundary_width: int = 1):
    """One frame: (H, W) 894-class labels + instance numbers -> five-class
    label map (uint8, 255 unlabelled) and object ids (uint16, 40-class id *
    1000 + instance, 0 unlabelled).

    Raises:
        ValueError: a label id beyond the 894->40 table.
    """
    labels894 = labels894.astype(np.int64)
    if labels894.max() > len(map_class):
        raise ValueError(
            f'label id {int(labels894.max())} is beyond the {len(map_class)}'
            '-entry classMapping40 table; use the mapping file that belongs '
            'to this .mat.')
    table = np.concatenate([[0], map_class.astype(np.int64)])
    labels40 = table[labels894]
    to_five = np.full(max(41, int(labels40.max()) + 1), 255, np.uint8)
    for c40, c5 in map40.items():
        to_five[int(c40)] = c5
    five = to_five[labels40]
    objects = labels40 * 1000 + instances.astype(np.int64)
    objects[labels40 == 0] = 0
    five[boundary_mask(objects, boundary_width)] = 4
    return five, objects.astype(np.uint16)


def write_png(path: str, array: np.ndarray) -> None:
    import cv2

    from mmsemsyn.fileio import atomic_write_bytes
    if array.ndim == 3:
        array = array[..., ::-1]  # RGB -> cv2's BGR
    ok, buf = cv2.imencode('.png', np.ascontiguousarray(array))
    if not ok:
        raise OSError(f'could not encode {path!r}')
    atomic_write_bytes(buf.tobytes(), path)


def convert(mat: str, class_map: str, out: str, splits: str = None,
            boundary_width: int = 1, map40: dict = None) -> int:
    """Write the five-class set; returns the number of frames written."""
    from mmsemsyn.datasets.nyu_depth_v2 import NYU40_TO_STRUCTURE
    map40 = NYU40_TO_STRUCTURE if map40 is None else map40
    data = load_mat(mat, REQUIRED)
    map_class = load_mat(class_map, ('mapClass', ))['mapClass'].ravel()
    images, labels, inst = (data[k] for k in REQUIRED)
    if images.ndim != 4 or labels.ndim != 3 or \
            images.shape[:2] != labels.shape[:2] or \
            images.shape[3] != labels.shape[2]:
        raise ValueError(
            f'{mat!r}: images {images.shape} / labels {labels.shape} are not '
            'H x W x 3 x N / H x W x N as in nyu_depth_v2_labeled.mat.')
    frames = range(1, labels.shape[2] + 1)
    if splits:
        frames = [int(i) for i in load_mat(
            splits, ('trainNdxs', ))['trainNdxs'].ravel()]
    for folder in ('images', 'labels', 'instances'):
        os.makedirs(osp.join(out, folder), exist_ok=True)
    from mmsemsyn.progress import track
    for n in track(frames, total=len(frames)):
        i = n - 1
        five, objects = convert_frame(labels[..., i], inst[..., i], map_class,
                                      map40, boundary_width)
        name = f'{n:04d}.png'
        write_png(osp.join(out, 'images', name), images[..., i])
        write_png(osp.join(out, 'labels', name), five)
        write_png(osp.join(out, 'instances', name), objects)
    return len(frames)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('mat', help='nyu_depth_v2_labeled.mat')
    parser.add_argument('class_map', help='classMapping40.mat (mapClass)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--splits', help='splits.mat: keep its trainNdxs')
    parser.add_argument('--boundary-width', type=int, default=1,
                        help='boundary line width per side (pixels)')
    parser.add_argument('--map40', help='JSON {40-class id: 0..3} replacing '
                        'the built-in structure-class table')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    map40 = None
    if args.map40:
        with open(args.map40) as f:
            map40 = {int(k): int(v) for k, v in json.load(f).items()}
    try:
        n = convert(args.mat, args.class_map, args.out, args.splits,
                    args.boundary_width, map40)
    except (FileNotFoundError, KeyError, ValueError, ImportError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'wrote {n} frames to {args.out}')
    return 0


if __name__ == '__main__':
    sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..'))
    sys.exit(main())
