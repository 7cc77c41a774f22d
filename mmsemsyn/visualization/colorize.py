"""Label colourisation and image grids."""
from typing import Optional, Sequence

import numpy as np
import torch


def default_palette(num_classes: int, seed: int = 3) -> np.ndarray:
    """A fixed random palette for datasets that define none."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (max(num_classes, 1), 3), dtype=np.uint8)


def colorize_label(label, palette: Optional[Sequence] = None) -> np.ndarray:
    """(H, W) or (1, H, W) ids → (H, W, 3) uint8 RGB.

    Ids beyond the palette (dontcare, 255) are drawn black.
    """
    if isinstance(label, torch.Tensor):
        label = label.cpu().numpy()
    label = np.asarray(label)
    if label.ndim == 3:
        label = label[0]
    if palette is None or len(palette) == 0:
        palette = default_palette(int(label.max()) + 1)
    palette = np.asarray(palette, dtype=np.uint8)
    table = np.zeros((max(int(label.max()) + 1, len(palette)), 3), np.uint8)
    table[:len(palette)] = palette
    out = table[np.clip(label, 0, None)]
    out[label < 0] = 0
    out[label >= len(palette)] = 0
    return out


def to_hwc_uint8(img) -> np.ndarray:
    """(3, H, W) uint8 tensor/array → (H, W, 3) uint8 array."""
    if isinstance(img, torch.Tensor):
        img = img.detach().cpu().numpy()
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[0] in (1, 3) and img.shape[-1] not in (
            1, 3):
        img = img.transpose(1, 2, 0)
    if img.shape[-1] == 1:
        img = np.repeat(img, 3, -1)
    return img.astype(np.uint8)


def make_grid(rows: Sequence[Sequence[np.ndarray]], pad: int = 2) -> np.ndarray:
    """Tile rows of equal-size (H, W, 3) images with white padding."""
    h, w = rows[0][0].shape[:2]
    ncol = max(len(r) for r in rows)
    grid = np.full((len(rows) * (h + pad) + pad, ncol * (w + pad) + pad, 3),
                   255, np.uint8)
    for i, row in enumerate(rows):
        for j, tile in enumerate(row):
            y, x = pad + i * (h + pad), pad + j * (w + pad)
            grid[y:y + h, x:x + w] = tile[:h, :w]
    return grid
