"""Helpers writing tiny fake dataset files with OpenCV.

Every photo encodes its own maps so geometry can be checked exactly after
crops and flips: red = label id * 8, green = instance index * 40, blue =
column index (mod 256).
"""
import os
import os.path as osp

import cv2
import numpy as np


def write_image(path, array):
    """uint8/uint16 grey or RGB array → file (format from the suffix)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    assert cv2.imwrite(str(path), array), path


def make_maps(h=32, w=48, seed=0):
    """(label uint8, inst uint16, photo RGB uint8) with Cityscapes-style
    instance ids: stuff carries its class id, cars (26) are 26000 + k."""
    rng = np.random.default_rng(seed)
    label = np.full((h, w), 7, np.uint8)           # road
    label[:h // 3] = 23                            # sky
    label[h // 3:h // 2, :w // 2] = 11             # building
    inst = label.astype(np.uint16)
    for k in range(3):                             # three cars, overlapping
        x0 = int(rng.integers(0, w - 12))
        y0 = int(rng.integers(h // 2, h - 6))
        label[y0:y0 + 6, x0:x0 + 12] = 26
        inst[y0:y0 + 6, x0:x0 + 12] = 26000 + k
    photo = encode_photo(label, inst)
    return label, inst, photo


def encode_photo(label, inst):
    h, w = label.shape
    photo = np.zeros((h, w, 3), np.uint8)
    photo[..., 0] = label.astype(np.uint8) * 8
    photo[..., 1] = (inst.astype(np.int64) % 1000 % 6) * 40
    photo[..., 2] = np.arange(w)[None, :] % 256
    return photo
