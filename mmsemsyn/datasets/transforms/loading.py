"""Reading photos, label maps and instance maps, with errors that name the
file and the fix.

Every file is read by :func:`mmsemsyn.datasets.image_reader.read_image`:
the stored pixels (no EXIF rotation), lossy formats refused for id label
maps and instance maps.
"""
from typing import Dict, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmsemsyn.registry import TRANSFORMS
from ..image_reader import read_image

# Colour label maps: a pixel matches a palette colour within this Euclidean
# RGB distance. Measured on real files: JPEG noise keeps region interiors
# within 1-5 units (median distance of the pix2pix Facades / Cityscapes AB
# labels), while a map drawn with another dataset's palette has >= 97% of
# its pixels farther than 12 units from every colour of ours (ADE20K,
# Cityscapes and COCO-Stuff palettes against each other).
MAX_COLOR_DISTANCE = 12.0
# ...and the map is refused when more than this share of its pixels match
# no colour. Border blends of real JPEG/resized colour labels reach 38% (a
# pix2pix Facades pair); foreign palettes 97-100%.
MAX_UNMATCHED_RATIO = 0.5


def map_colors_to_ids(color_label: np.ndarray, palette: Sequence[Sequence[int]],
                      path: str = '',
                      max_distance: Optional[float] = MAX_COLOR_DISTANCE,
                      max_unmatched_ratio: float = MAX_UNMATCHED_RATIO
                      ) -> np.ndarray:
    """Colour label map (H, W, 3) uint8 RGB → ids (H, W) int64 by nearest
    palette colour (the palette index is the id).

    Nearest (not exact) matching because label maps stored as JPEG (pix2pix
    facades, cross-view panels) carry compression noise and blended
    borders. A pixel farther than ``max_distance`` (Euclidean, RGB units)
    from every palette colour is *unmatched*; when more than
    ``max_unmatched_ratio`` of the pixels are, the map was drawn with
    another palette (it would decode into plausible wrong ids) and a
    ``ValueError`` gives the share, the commonest unmatched colour and the
    fix. ``max_distance=None`` turns the check off.

    A palette dense enough to lie within ``max_distance`` of most colours
    of a foreign one (COCO-Stuff's 182 colours against Cityscapes' cover
    75% of its pixels) cannot be told apart by distance.
    """
    pal = np.asarray(palette, dtype=np.int32)
    flat = color_label[..., :3].reshape(-1, 3).astype(np.int32)
    colors, inverse, counts = np.unique(flat, axis=0, return_inverse=True,
                                        return_counts=True)
    inverse = inverse.reshape(-1)
    dist = ((colors[:, None, :] - pal[None, :, :])**2).sum(-1)
    nearest = dist.argmin(1)
    if max_distance is not None and flat.shape[0]:
        far = np.sqrt(dist.min(1)) > max_distance
        share = counts[far].sum() / flat.shape[0]
        if share > max_unmatched_ratio:
            worst = colors[far][counts[far].argmax()]
            raise ValueError(
                f'Label map {path!r}: {share:.1%} of its pixels lie farther '
                f'than {max_distance:g} RGB units from every palette colour '
                f'(the commonest is {tuple(map(int, worst))}); the limit '
                f'is {max_unmatched_ratio:.0%}. The map was drawn with '
                'another palette and would decode into wrong ids. Set the '
                "dataset's metainfo palette (or LoadLabelMap's "
                'color_palette) to the palette the maps were drawn with, '
                'or convert them to single-channel id PNGs.')
    return nearest[inverse].reshape(color_label.shape[:2])


class LabelIdError(ValueError):
    """A label map holds an id the model does not accept."""


def check_label_ids(label, num_classes: int, dontcare_label: Optional[int],
                    path: str = '<unknown file>') -> None:
    """Raise when a label map holds an id outside ``[0, num_classes)``
    other than ``dontcare_label``.

    Args:
        label: (H, W) integer ids (numpy array or CPU tensor).
        num_classes: number of semantic classes (``label_nc``).
        dontcare_label: the raw "unlabeled" id, or None.
        path: the label file, for the message.

    Raises:
        LabelIdError (a ValueError): names the file, the first bad id, how
            many pixels carry bad ids, the bad ids (up to 10) and the fix.
    """
    label = np.asarray(label)
    valid = (label >= 0) & (label < num_classes)
    if dontcare_label is not None:
        valid |= label == dontcare_label
    if valid.all():
        return
    bad = label[~valid]
    allowed = f'0..{num_classes - 1}'
    if dontcare_label is not None:
        allowed += f' or {dontcare_label} (dontcare)'
    raise LabelIdError(
        f'Label map {path} contains id {int(bad[0])} ({bad.size} pixels; '
        f'bad ids: {sorted(set(np.unique(bad).tolist()))[:10]}), but the '
        f'model expects {allowed}. Fix the label file, set '
        'num_classes/dontcare_label to match the dataset, or remap ids with '
        'the LoadLabelMap label_map option.')


def _ids_from_3channel_label(label: np.ndarray, path: str) -> np.ndarray:
    """Ids of a label map stored as a colour image.

    Grey maps saved as RGB hold the id in every channel (lossy files are
    refused before this, so the channels must agree exactly). Any other
    colour map needs ``color_palette``. Indexed ('P') PNGs never get here:
    the reader returns their palette indices, which are the ids.
    """
    label = label[..., :3]
    if (label == label[..., :1]).all():
        return label[..., 0]
    raise ValueError(
        f'Label map {path!r} is a colour image, not an id map. Decode it '
        'with LoadLabelMap(color_palette=True) and the dataset palette, or '
        'convert it to single-channel ids.')


@TRANSFORMS.register_module()
class LoadSynImage(BaseTransform):
    """Load a photo as uint8 RGB (H, W, 3) into ``results[key]``.

    Args:
        key: where to store it (``gt_img`` for the target photo).
        path_key: the results key holding its path.

    When ``results['<key>_region']`` is (x0, y0, x1, y1), only that window of
    the file is kept -- for formats that pack several images into one file
    (pix2pix ``AB``, cross-view panels). ``LoadLabelMap`` honours
    ``gt_label_region`` the same way.
    """

    def __init__(self, key: str = 'gt_img', path_key: str = 'img_path'):
        self.key = key
        self.path_key = path_key

    def transform(self, results: dict) -> dict:
        path = results[self.path_key]
        img = read_image(path, 'rgb', region=results.get(f'{self.key}_region'))
        results[self.key] = img
        results.setdefault('ori_shape', img.shape[:2])
        results['img_shape'] = img.shape[:2]
        return results

    def __repr__(self):
        return f'{type(self).__name__}(key={self.key!r})'


@TRANSFORMS.register_module()
class LoadLabelMap(BaseTransform):
    """Load a semantic label map into ``results['gt_label']`` (H, W) int64.

    Ids are kept exactly (no interpolation ever touches them).

    Args:
        color_palette: when labels are stored as colours (CMP Facades,
            cross-view semantic panels), the RGB palette whose index is the
            id; the dataset metainfo palette is used when True.
        reduce_zero_label: ADE20K style: 0 (other) → 255, k → k - 1.
            None (default): follow the sample's ``reduce_zero_label`` key,
            which datasets with that convention (ADE20K) set, else False.
        label_map: explicit ``{old_id: new_id}`` remapping (applied last);
            ids not listed are kept.
        max_color_distance / max_unmatched_ratio: colour maps only; a map
            with more than ``max_unmatched_ratio`` of its pixels farther
            than ``max_color_distance`` RGB units from every palette colour
            is refused (drawn with a foreign palette); see
            :func:`map_colors_to_ids`. None disables the check.
        num_classes / dontcare_label: the ids the model accepts
            (``[0, num_classes)`` and ``dontcare_label``), checked here,
            where the file is known (:func:`check_label_ids`), so the
            training step never reads labels on the host. None: the
            sample's ``num_classes`` / ``dontcare_label``, which
            :class:`SynthesisDataset` sets from its metainfo -- unless
            ``label_map`` is given or ``reduce_zero_label`` overrides the
            dataset's (the id space changes: give them explicitly then).
            No class count at all: no check.

    Id maps (no ``color_palette``) and instance maps must be lossless
    (PNG): a JPEG id map is refused with the reason, since its compressed
    borders read as valid in-between ids. Colour maps may be JPEG.

    Raises:
        FileNotFoundError / OSError: missing or undecodable file.
        LossyFormatError (a ValueError): a JPEG / lossy WebP id map.
        ValueError: a colour map without ``color_palette``, or one in a
            foreign palette; an id the model does not accept (names the
            file, the id and the fix).
    """

    def __init__(self,
                 color_palette=None,
                 reduce_zero_label: Optional[bool] = None,
                 label_map: Optional[Dict[int, int]] = None,
                 max_color_distance: Optional[float] = MAX_COLOR_DISTANCE,
                 max_unmatched_ratio: float = MAX_UNMATCHED_RATIO,
                 num_classes: Optional[int] = None,
                 dontcare_label: Optional[int] = None):
        self.color_palette = color_palette
        self.num_classes = num_classes
        self.dontcare_label = dontcare_label
        self.reduce_zero_label = reduce_zero_label
        self.label_map = label_map
        self.max_color_distance = max_color_distance
        self.max_unmatched_ratio = max_unmatched_ratio

    def transform(self, results: dict) -> dict:
        path = results['label_path']
        region = results.get('gt_label_region')
        if self.color_palette is not None:
            img = read_image(path, 'rgb', role='label map', region=region)
            palette = self.color_palette
            if palette is True:
                palette = results.get('palette')
                if palette is None or len(palette) == 0:
                    raise ValueError(
                        f'LoadLabelMap(color_palette=True) decodes colour '
                        f'labels with the dataset palette, but the sample '
                        f'{path!r} carries none: set metainfo palette in '
                        'the dataset config or pass the palette itself.')
            label = map_colors_to_ids(img, palette, path,
                                      self.max_color_distance,
                                      self.max_unmatched_ratio)
        else:
            label = read_image(path, 'stored', lossless=True,
                               role='label map', region=region)
            if label.ndim == 3:
                label = _ids_from_3channel_label(label, path)
        label = label.astype(np.int64)
        reduce_zero_label = self.reduce_zero_label
        if reduce_zero_label is None:
            reduce_zero_label = bool(results.get('reduce_zero_label', False))
        if reduce_zero_label:
            zero = label == 0
            label = label - 1
            label[zero] = 255
        if self.label_map:
            mapped = label.copy()
            for old, new in self.label_map.items():
                mapped[label == old] = new
            label = mapped
        self._check_ids(label, results, path)
        results['gt_label'] = np.ascontiguousarray(label)
        results.setdefault('ori_shape', label.shape[:2])
        results['label_shape'] = label.shape[:2]
        return results

    def _check_ids(self, label: np.ndarray, results: dict, path: str):
        # The sample's class count holds for the dataset's own id
        # convention; a remap or an overridden reduce_zero_label changes
        # the id space (then only explicit counts are checked).
        own_ids = not self.label_map and self.reduce_zero_label in (
            None, bool(results.get('reduce_zero_label', False)))
        if self.num_classes is not None:
            num_classes, dontcare = self.num_classes, self.dontcare_label
        elif own_ids and results.get('num_classes'):
            num_classes = results['num_classes']
            dontcare = results.get('dontcare_label')
        else:
            return
        check_label_ids(label, num_classes, dontcare, path)

    def __repr__(self):
        return (f'{type(self).__name__}(reduce_zero_label='
                f'{self.reduce_zero_label}, label_map={self.label_map}, '
                f'num_classes={self.num_classes})')


@TRANSFORMS.register_module()
class LoadInstanceMap(BaseTransform):
    """Load an instance map (8- or 16-bit, e.g. Cityscapes ``instanceIds``)
    into ``results['gt_inst']`` (H, W) int64, values unchanged.

    Lossy files (JPEG) are refused: their blended borders would invent
    instance boundaries. A 3-channel map must repeat one value in every
    channel (a grey map saved as RGB); other colour encodings are refused
    rather than guessed.
    """

    def transform(self, results: dict) -> dict:
        path = results.get('inst_path')
        if path is None:
            raise KeyError(
                'LoadInstanceMap is in the pipeline but the sample has no '
                'inst_path: the dataset has no instance maps; remove the '
                'transform and set use_instance_edges=False.')
        inst = read_image(path, 'stored', lossless=True, role='instance map',
                          region=results.get('gt_inst_region'))
        if inst.ndim == 3:
            inst = inst[..., :3]
            if not (inst == inst[..., :1]).all():
                raise ValueError(
                    f'Instance map {path!r} is a colour image whose channels '
                    'differ; store instance ids in one channel (8- or 16-bit '
                    'PNG, e.g. Cityscapes class_id * 1000 + k).')
            inst = inst[..., 0]
        results['gt_inst'] = np.ascontiguousarray(inst.astype(np.int64))
        return results
