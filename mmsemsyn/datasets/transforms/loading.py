"""Reading photos, label maps and instance maps, with errors that name the
file and the fix."""
import os.path as osp
from typing import Dict, Optional, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmsemsyn.registry import TRANSFORMS


def read_image_file(path: str, flag: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    """cv2.imread that fails loudly on missing or unreadable files."""
    if not path or not osp.isfile(path):
        raise FileNotFoundError(
            f'File not found: {path!r}. Check data_root/data_prefix in the '
            'dataset config, or remove the sample from the file list.')
    data = np.fromfile(path, dtype=np.uint8)
    img = cv2.imdecode(data, flag) if data.size else None
    if img is None:
        raise OSError(
            f'Cannot decode {path!r} ({data.size} bytes): the file is '
            'corrupt or not an image. Re-extract or re-download it.')
    return img


def map_colors_to_ids(color_label: np.ndarray, palette: Sequence[Sequence[int]],
                      path: str = '', max_distance: float = None) -> np.ndarray:
    """Colour label map (H, W, 3 RGB) → ids by nearest palette colour.

    Nearest (not exact) matching because label maps stored as JPEG (pix2pix
    facades, cross-view panels) carry compression noise. ``max_distance``
    (Euclidean, in RGB units) rejects pixels far from every palette colour.
    """
    pal = np.asarray(palette, dtype=np.int32)
    flat = color_label.reshape(-1, 3).astype(np.int32)
    colors, inverse = np.unique(flat, axis=0, return_inverse=True)
    dist = ((colors[:, None, :] - pal[None, :, :])**2).sum(-1)
    nearest = dist.argmin(1)
    if max_distance is not None:
        far = np.sqrt(dist.min(1)) > max_distance
        if far.any():
            raise ValueError(
                f'Label map {path!r} has colour '
                f'{tuple(map(int, colors[far][0]))} '
                f'farther than {max_distance} from every palette colour. '
                'Fix the palette in the dataset metainfo or the file.')
    return nearest[inverse.reshape(-1)].reshape(color_label.shape[:2])


def _ids_from_3channel_label(label: np.ndarray, path: str,
                             region=None) -> np.ndarray:
    """Ids of a label map that OpenCV decoded to colours.

    Indexed ('P' mode) PNGs (CMP Facades, GTA5, Pascal-style) store the id
    as the palette index, which OpenCV replaces by the palette colour, so
    they are re-read with PIL. Grey maps saved as RGB hold the id in every
    channel (up to JPEG noise, hence the tolerance). Any other colour map
    needs ``color_palette``.
    """
    from PIL import Image
    with Image.open(path) as pil:
        if pil.mode == 'P':
            ids = np.asarray(pil)
            if region is not None:
                x0, y0, x1, y1 = region
                ids = ids[y0:y1, x0:x1]
            return ids
    label = label[..., :3].astype(np.int32)
    spread = label.max(-1) - label.min(-1)
    if int(spread.max()) <= 32:
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
        img = read_image_file(path, cv2.IMREAD_COLOR)
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        region = results.get(f'{self.key}_region')
        if region is not None:
            x0, y0, x1, y1 = region
            img = img[y0:y1, x0:x1]
        results[self.key] = np.ascontiguousarray(img)
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
    """

    def __init__(self,
                 color_palette=None,
                 reduce_zero_label: Optional[bool] = None,
                 label_map: Optional[Dict[int, int]] = None,
                 max_color_distance: Optional[float] = None):
        self.color_palette = color_palette
        self.reduce_zero_label = reduce_zero_label
        self.label_map = label_map
        self.max_color_distance = max_color_distance

    def transform(self, results: dict) -> dict:
        path = results['label_path']
        region = results.get('gt_label_region')
        if self.color_palette is not None:
            img = read_image_file(path, cv2.IMREAD_COLOR)
            if region is not None:
                x0, y0, x1, y1 = region
                img = img[y0:y1, x0:x1]
            palette = self.color_palette
            if palette is True:
                palette = results.get('palette')
                if palette is None or len(palette) == 0:
                    raise ValueError(
                        f'LoadLabelMap(color_palette=True) decodes colour '
                        f'labels with the dataset palette, but the sample '
                        f'{path!r} carries none: set metainfo palette in '
                        'the dataset config or pass the palette itself.')
            label = map_colors_to_ids(
                cv2.cvtColor(img, cv2.COLOR_BGR2RGB), palette, path,
                self.max_color_distance)
        else:
            label = read_image_file(path, cv2.IMREAD_UNCHANGED)
            if region is not None:
                x0, y0, x1, y1 = region
                label = label[y0:y1, x0:x1]
            if label.ndim == 3:
                label = _ids_from_3channel_label(label, path, region)
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
        results['gt_label'] = np.ascontiguousarray(label)
        results.setdefault('ori_shape', label.shape[:2])
        results['label_shape'] = label.shape[:2]
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(reduce_zero_label='
                f'{self.reduce_zero_label}, label_map={self.label_map})')


@TRANSFORMS.register_module()
class LoadInstanceMap(BaseTransform):
    """Load an instance map (8- or 16-bit, e.g. Cityscapes ``instanceIds``)
    into ``results['gt_inst']`` (H, W) int64, values unchanged."""

    def transform(self, results: dict) -> dict:
        path = results.get('inst_path')
        if path is None:
            raise KeyError(
                'LoadInstanceMap is in the pipeline but the sample has no '
                'inst_path: the dataset has no instance maps; remove the '
                'transform and set use_instance_edges=False.')
        inst = read_image_file(path, cv2.IMREAD_UNCHANGED)
        if inst.ndim == 3:
            inst = inst[..., 0]
        results['gt_inst'] = np.ascontiguousarray(inst.astype(np.int64))
        return results
