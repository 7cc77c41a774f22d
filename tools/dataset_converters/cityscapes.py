"""Check a Cityscapes tree and lay it out as pix2pixHD's flat folders.

``CityscapesDataset`` reads the official tree directly; this tool is for
checking that every frame is complete before a long run, and for building
pix2pixHD's layout (``{split}_label``, ``{split}_inst``, ``{split}_img``;
pix2pixHD calls the validation frames ``test``) without copying 11 GB::

    # report complete / incomplete frames per split, change nothing
    python tools/dataset_converters/cityscapes.py data/cityscapes --check

    # flat layout of symbolic links (or --copy) under OUT
    python tools/dataset_converters/cityscapes.py data/cityscapes \\
        --out data/cityscapes_flat

Needs ``leftImg8bit_trainvaltest.zip`` and ``gtFine_trainvaltest.zip``
unpacked into one folder (``leftImg8bit/`` and ``gtFine/`` side by side).
``--check`` also reads pix2pixHD's flat folders (``datasets/cityscapes`` of
its repository, or this tool's output): both layouts are listed by the rules
``CityscapesDataset`` uses (``mmsemsyn.datasets.cityscapes``), so the check
and the dataset agree on which frames exist. To decode every file as well,
run ``tools/analysis_tools/check_dataset.py CONFIG``.
Exits with status 1 when a frame misses a file.
"""
import argparse
import glob
import os
import os.path as osp
import shutil
import sys

# tools/ is not a package; make ``import mmsemsyn`` work from a fresh clone.
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

# mmsemsyn (and with it torch) is imported where it is used, so that
# ``--help`` answers at once.

LABEL = '_gtFine_labelIds.png'
FILES = {  # flat folder suffix → (tree folder, file suffix)
    'label': ('gtFine', LABEL),
    'inst': ('gtFine', '_gtFine_instanceIds.png'),
    'img': ('leftImg8bit', '_leftImg8bit.png'),
}
# kind → the data_prefix key of CityscapesDataset's layouts
PREFIX_KEYS = {'label': 'label_path', 'inst': 'inst_path',
               'img': 'img_path'}


def detect_layout(root: str) -> str:
    """'official' (gtFine/ + leftImg8bit/) or 'pix2pixhd' (flat
    {split}_label/ folders), or a FileNotFoundError naming both."""
    if osp.isdir(osp.join(root, 'gtFine')):
        return 'official'
    if glob.glob(osp.join(root, '*_label')):
        return 'pix2pixhd'
    raise FileNotFoundError(
        f'{osp.join(root, "gtFine")!r} does not exist: pass the folder '
        'holding gtFine/ and leftImg8bit/ (unpack gtFine_trainvaltest.zip'
        ' and leftImg8bit_trainvaltest.zip there), or pix2pixHD\'s flat '
        'folders ({split}_label/, {split}_inst/, {split}_img/).')


def find_frames(root: str, split: str, layout: str = 'official'):
    """{frame name: {kind: path or None}} for one split, listed and paired
    as ``CityscapesDataset`` does for ``layout`` (by file stem)."""
    from mmsemsyn.datasets.cityscapes import _LAYOUTS
    folders = {kind: osp.join(root, _LAYOUTS[layout][key].format(
        split=split)) for kind, key in PREFIX_KEYS.items()}
    pattern = osp.join(folders['label'], '**', '*' + LABEL)
    frames = {}
    for label in sorted(glob.glob(pattern, recursive=True)):
        stem = osp.relpath(label, folders['label'])[:-len(LABEL)]
        paths = {}
        for kind, (_, suffix) in FILES.items():
            path = osp.join(folders[kind], stem + suffix)
            paths[kind] = path if osp.isfile(path) else None
        frames[osp.basename(stem)] = paths
    return frames


def place(src: str, dst: str, copy: bool) -> None:
    if osp.lexists(dst):
        os.remove(dst)
    if copy:
        shutil.copyfile(src, dst)
    else:
        os.symlink(osp.abspath(src), dst)


def convert(root: str, out=None, splits=('train', 'val'), copy=False,
            val_name='test', log=print) -> int:
    """Check (and with ``out`` lay out) the splits; returns #incomplete.

    ``root`` holds the official tree or, for checking only, pix2pixHD's
    flat folders (whose validation frames are called ``test``).
    """
    from mmsemsyn.datasets.cityscapes import _LAYOUTS, CityscapesDataset
    layout = detect_layout(root)
    if layout == 'pix2pixhd':
        if out is not None:
            raise ValueError(
                f'{root!r} is already in the flat layout (pix2pixHD); '
                'CityscapesDataset reads it as it is. Use --check to '
                'report incomplete frames.')
        log('layout: pix2pixhd')
    incomplete = 0
    for split in splits:
        folder = split
        if layout == 'pix2pixhd':
            folder = CityscapesDataset.resolve_split(root, split, layout)
        name = split if folder == split else f'{split} ({folder}_*)'
        frames = find_frames(root, folder, layout)
        if not frames:
            where = _LAYOUTS[layout]['label_path'].format(split=folder)
            log(f'{name}: no *{LABEL} under {osp.join(root, where)}')
            incomplete += 1
            continue
        bad = {n: [k for k, p in f.items() if p is None]
               for n, f in frames.items()}
        bad = {n: kinds for n, kinds in bad.items() if kinds}
        incomplete += len(bad)
        log(f'{name}: {len(frames)} frames, {len(frames) - len(bad)} '
            'complete')
        for frame, kinds in list(bad.items())[:10]:
            log(f'  {frame}: missing {", ".join(kinds)}')
        if out is None:
            continue
        flat = val_name if split == 'val' else split
        for kind in FILES:
            os.makedirs(osp.join(out, f'{flat}_{kind}'), exist_ok=True)
        from mmsemsyn.progress import track
        for frame, paths in track(frames.items(), total=len(frames)):
            if frame in bad:
                continue
            for kind, src in paths.items():
                place(src, osp.join(out, f'{flat}_{kind}',
                                    osp.basename(src)), copy)
        log(f'  -> {out}/{flat}_{{label,inst,img}}')
    return incomplete


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='Cityscapes root (gtFine/, '
                        'leftImg8bit/), or pix2pixHD\'s flat folders for '
                        '--check')
    parser.add_argument('--out', help='write the flat layout here')
    parser.add_argument('--check', action='store_true',
                        help='only report; write nothing')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'],
                        help='splits to check / lay out (default: train '
                        'val)')
    parser.add_argument('--copy', action='store_true',
                        help='copy files instead of symbolic links')
    parser.add_argument('--val-name', default='test',
                        help='flat name of the val split (pix2pixHD: test)')
    args = parser.parse_args(argv)
    if not args.check and not args.out:
        parser.error('give --out DIR, or --check to only report')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    incomplete = convert(args.root, None if args.check else args.out,
                         args.splits, args.copy, args.val_name)
    return 1 if incomplete else 0


if __name__ == '__main__':
    sys.exit(main())
