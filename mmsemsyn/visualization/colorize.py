"""Label colourisation and image grids."""
from typing import Optional, Sequence

import cv2
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


def title_height(tile_width: int) -> int:
    """Height in pixels of the column-title band above a grid of tiles
    ``tile_width`` wide (12 px for 32-px tiles, up to 24 px)."""
    return max(12, min(24, tile_width // 8))


def _title_scale(text: str, h: int, w: int) -> float:
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), base = cv2.getTextSize(text, font, 1.0, 1)
    return min(1.0, (h - 3) / (th + base), (w - 4) / tw)


def draw_title(band: np.ndarray, text: str, scale: float) -> None:
    """Write ``text`` centred in black on ``band`` (an (h, w, 3) uint8 view)
    at font ``scale``; characters are dropped from the end until it
    fits the band's width."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    h, w = band.shape[:2]
    while len(text) > 1 and cv2.getTextSize(text, font, scale,
                                            1)[0][0] > w - 2:
        text = text[:-1]
    (tw, th), _ = cv2.getTextSize(text, font, scale, 1)
    org = (max(0, (w - tw) // 2), (h + th) // 2)
    cv2.putText(band, text, org, font, scale, (0, 0, 0), 1, cv2.LINE_AA)


def make_grid(rows: Sequence[Sequence[np.ndarray]], pad: int = 2,
              titles: Optional[Sequence[str]] = None) -> np.ndarray:
    """Tile rows of equal-size (H, W, 3) images with white padding; with
    ``titles``, a white band of :func:`title_height` pixels on top names
    each column (e.g. label | generated | real)."""
    h, w = rows[0][0].shape[:2]
    ncol = max(len(r) for r in rows)
    top = title_height(w) if titles else 0
    grid = np.full((top + len(rows) * (h + pad) + pad,
                    ncol * (w + pad) + pad, 3), 255, np.uint8)
    titles = [str(t) for t in (titles or ())][:ncol]
    if titles:
        # One font size for every column (the largest at which all fit,
        # but legible: longer titles are shortened below 0.25).
        scale = max(0.25, min(_title_scale(t, top, w) for t in titles))
        for j, title in enumerate(titles):
            x = pad + j * (w + pad)
            draw_title(grid[pad:top + pad, x:x + w], title, scale)
    for i, row in enumerate(rows):
        for j, tile in enumerate(row):
            y, x = top + pad + i * (h + pad), pad + j * (w + pad)
            grid[y:y + h, x:x + w] = tile[:h, :w]
    return grid
