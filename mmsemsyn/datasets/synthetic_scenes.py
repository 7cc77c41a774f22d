"""A procedural street-scene dataset built into the package.

Every sample is rendered from ``(seed, index)`` alone, so the demo and the
tests need no download and are reproducible everywhere. Scenes have a sky,
a road with sidewalks, overlapping buildings, trees and overlapping cars;
cars, buildings and trees are *instances* (Cityscapes-style instance ids
``class_id * 1000 + k``; stuff pixels carry their class id), so instance
boundaries and per-instance styles are exercised. Photos are shaded and
textured (sky gradient, asphalt noise and lane marks, window grids, leafy
noise, car bodies with windows and wheels) so a generator has real structure
to learn.
"""
from typing import List

import numpy as np
from mmengine.dataset import BaseDataset

from mmsemsyn.registry import DATASETS
from mmsemsyn.utils import explain_missing_scope

SKY, ROAD, SIDEWALK, BUILDING, VEGETATION, CAR = range(6)


def _smooth_noise(rng, h, w, scale):
    """Value noise: coarse random grid upsampled bilinearly."""
    gh, gw = max(2, h // scale + 2), max(2, w // scale + 2)
    grid = rng.random((gh, gw)).astype(np.float32)
    ys = np.linspace(0, gh - 1.001, h)
    xs = np.linspace(0, gw - 1.001, w)
    y0, x0 = ys.astype(int), xs.astype(int)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    a = grid[y0][:, x0]
    b = grid[y0][:, x0 + 1]
    c = grid[y0 + 1][:, x0]
    d = grid[y0 + 1][:, x0 + 1]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def render_scene(seed: int, index: int, height: int, width: int):
    """Render one scene: (photo RGB uint8, label int64, instance int64)."""
    rng = np.random.default_rng([seed, index])
    h, w = height, width
    label = np.full((h, w), SKY, np.int64)
    inst = np.full((h, w), SKY, np.int64)
    img = np.zeros((h, w, 3), np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)

    # Sky: vertical gradient, a sun glow.
    top = np.array([70, 120, 200]) + rng.integers(-20, 20, 3)
    bottom = np.array([180, 210, 235]) + rng.integers(-15, 15, 3)
    t = (yy / h)[..., None]
    img[:] = top * (1 - t) + bottom * t
    horizon = int(h * rng.uniform(0.45, 0.6))

    # Road and sidewalks below the horizon.
    ground = yy >= horizon
    label[ground] = ROAD
    inst[ground] = ROAD
    asphalt = 70 + 25 * _smooth_noise(rng, h, w, 3)
    img[ground] = np.stack([asphalt] * 3, -1)[ground]
    side_w = rng.uniform(0.15, 0.3)
    for left in (True, False):
        spread = (yy - horizon) / max(h - horizon, 1)
        edge = w * (side_w * spread) if left else w * (1 - side_w * spread)
        side = ground & ((xx < edge) if left else (xx > edge))
        label[side] = SIDEWALK
        inst[side] = SIDEWALK
        tiles = ((xx // 6 + yy // 4) % 2) * 12
        img[side] = np.stack([150 + tiles, 140 + tiles, 130 + tiles],
                             -1)[side]
    lane = ground & (np.abs(xx - w / 2) < 1 + (yy - horizon) * 0.02) & (
        (yy // 5) % 2 == 0) & (label == ROAD)
    img[lane] = (230, 230, 210)

    # Buildings: overlapping boxes standing on the horizon.
    for k in range(rng.integers(2, 5)):
        bw = int(w * rng.uniform(0.15, 0.4))
        x0 = int(rng.uniform(-0.1, 0.9) * w)
        y0 = int(horizon - h * rng.uniform(0.2, 0.45))
        x1 = min(w, x0 + bw)
        x0 = max(0, x0)
        region = (yy >= y0) & (yy < horizon + 1) & (xx >= x0) & (xx < x1)
        label[region] = BUILDING
        inst[region] = BUILDING * 1000 + k
        wall = np.array([150, 120, 100]) + rng.integers(-50, 50, 3)
        shade = 0.75 + 0.25 * (xx - x0) / max(bw, 1)
        color = wall[None, None] * shade[..., None]
        windows = ((xx - x0) % 7 < 3) & ((yy - y0) % 8 < 4)
        color = np.where(windows[..., None], np.array([60, 70, 90.]), color)
        img[region] = color[region]

    # Trees: noisy discs on the sidewalk line.
    for k in range(rng.integers(1, 4)):
        cx, r = rng.uniform(0, w), h * rng.uniform(0.06, 0.12)
        cy = horizon - r * 0.6
        wobble = 1 + 0.25 * (_smooth_noise(rng, h, w, 4) - 0.5)
        region = ((xx - cx)**2 + (yy - cy)**2) < (r * wobble)**2
        label[region] = VEGETATION
        inst[region] = VEGETATION * 1000 + k
        leaves = _smooth_noise(rng, h, w, 2)
        img[region] = np.stack(
            [40 + 40 * leaves, 100 + 70 * leaves, 30 + 30 * leaves],
            -1)[region]

    # Cars: overlapping bodies on the road, nearer ones drawn later/larger.
    for k in range(rng.integers(1, 5)):
        cy = rng.uniform(horizon + 0.1 * (h - horizon), h * 0.95)
        size = (cy - horizon) / max(h - horizon, 1)
        cw, ch = w * (0.12 + 0.25 * size), h * (0.05 + 0.12 * size)
        cx = rng.uniform(0.2, 0.8) * w
        body = (np.abs(xx - cx) < cw / 2) & (yy < cy) & (yy > cy - ch)
        cabin = (np.abs(xx - cx) < cw / 3) & (yy <= cy - ch) & (
            yy > cy - 1.6 * ch)
        region = body | cabin
        label[region] = CAR
        inst[region] = CAR * 1000 + k
        paint = rng.integers(20, 235, 3).astype(np.float32)
        shade = 0.7 + 0.3 * (1 - (yy - (cy - 1.6 * ch)) / (1.6 * ch + 1e-6))
        color = paint[None, None] * np.clip(shade, 0.5, 1.0)[..., None]
        glass = cabin & (np.abs(xx - cx) < cw / 3 - 1)
        color = np.where(glass[..., None], np.array([90, 110, 130.]), color)
        wheels = body & (yy > cy - ch * 0.35) & (
            np.abs(np.abs(xx - cx) - cw * 0.3) < cw * 0.08)
        color = np.where(wheels[..., None], np.array([20, 20, 20.]), color)
        img[region] = color[region]

    img += rng.normal(0, 3, img.shape)  # sensor noise
    return np.clip(img, 0, 255).astype(np.uint8), label, inst


@DATASETS.register_module()
class SyntheticScenesDataset(BaseDataset):
    """Procedural street scenes (see module docstring); no files needed.

    Args:
        num_samples: dataset length.
        img_size: (height, width) of the rendered scenes.
        seed: scenes are a pure function of ``(seed, index)``; use different
            seeds for train and val splits.
    """

    METAINFO = dict(
        classes=('sky', 'road', 'sidewalk', 'building', 'vegetation', 'car'),
        palette=((70, 130, 180), (128, 64, 128), (244, 35, 232),
                 (70, 70, 70), (107, 142, 35), (0, 0, 142)),
        dontcare_label=None)

    def __init__(self, num_samples: int = 64, img_size=(128, 128),
                 seed: int = 0, **kwargs):
        self.num_samples = num_samples
        self.img_size = tuple(img_size)
        self.seed = seed
        kwargs.setdefault('serialize_data', False)
        # Without mmsemsyn's default scope, say so (not a bare KeyError).
        with explain_missing_scope(type(self).__name__):
            super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        return [
            dict(sample_idx=i,
                 label_path=f'synthetic://seed{self.seed}/{i:05d}_label',
                 img_path=f'synthetic://seed{self.seed}/{i:05d}_img',
                 inst_path=f'synthetic://seed{self.seed}/{i:05d}_inst')
            for i in range(self.num_samples)
        ]

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        img, label, inst = render_scene(self.seed, info['sample_idx'],
                                        *self.img_size)
        info.update(gt_img=img, gt_label=label, gt_inst=inst,
                    ori_shape=label.shape, img_shape=label.shape,
                    palette=self.metainfo['palette'])
        return info
