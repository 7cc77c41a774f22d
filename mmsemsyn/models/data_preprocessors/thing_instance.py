"""The thing-class instance map of the denoising GAN (§III-C, Fig. 3 of
arXiv 1801.03252): the instances of chosen "thing" classes (cars on
Cityscapes, furniture on NYU) as one extra input channel for G and D.

Instances come from the dataset's instance map when the samples carry one,
otherwise from the layout itself: each connected component of a thing
class's mask is one instance (scipy.ndimage.label). Touching instances of
the same class then merge -- the layout alone cannot separate them, which is
why the instance file is used whenever it exists.
"""
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

MODES = ('index', 'edges')


def thing_instance_ids(label: np.ndarray, things: Sequence[int],
                       inst: Optional[np.ndarray] = None,
                       connectivity: int = 4) -> np.ndarray:
    """Number the thing instances of one layout 1..K in raster order of their
    first pixel; 0 elsewhere.

    Args:
        label: (H, W) int class ids.
        things: the thing class ids.
        inst: (H, W) int instance ids or None. With it, an instance is a
            distinct (class, instance id) pair inside the thing pixels (a
            crowd region that shares one id stays one instance); without it,
            a connected component of one thing class's mask.
        connectivity: 4 or 8 (neighbourhood of the connected components).

    Returns:
        (H, W) int64 array of instance numbers.
    """
    from scipy import ndimage
    label = np.asarray(label)
    mask = np.isin(label, list(things))
    ids = np.zeros(label.shape, np.int64)
    if not mask.any():
        return ids
    if inst is not None:
        inst = np.asarray(inst).astype(np.int64)
        # Pair class and id so equal ids of two classes stay apart.
        keys = label.astype(np.int64) * (int(inst.max()) + 1) + inst
        ids[mask] = keys[mask] + 1
    else:
        structure = ndimage.generate_binary_structure(
            2, 1 if connectivity == 4 else 2)
        offset = 0
        for cls in things:
            comp, n = ndimage.label(label == cls, structure=structure)
            ids[comp > 0] = comp[comp > 0] + offset
            offset += n
    # Renumber by first appearance in raster order: the numbering then
    # depends only on the layout, not on id values or class order.
    flat = ids.ravel()
    uniq, first = np.unique(flat[flat > 0], return_index=True)
    positions = np.flatnonzero(flat > 0)[first]
    rank = np.empty(len(uniq), np.int64)
    rank[np.argsort(positions)] = np.arange(1, len(uniq) + 1)
    out = np.zeros_like(flat)
    out[flat > 0] = rank[np.searchsorted(uniq, flat[flat > 0])]
    return out.reshape(label.shape)


class ThingInstanceMap(nn.Module):
    """Builds the (B, 1, H, W) thing-instance channel.

    Args:
        thing_classes: class ids whose instances are marked (Cityscapes car:
            26; NYU five-class furniture: 0). Must lie in
            ``[0, num_classes)``.
        num_classes: the preprocessor's number of classes (for the check).
        mode: ``'index'`` -- instance k of K gets the value k / K (0 is
            background), distinct grey levels as Fig. 3's map;
            ``'edges'`` -- 1 on the boundaries of those instances (with each
            other and with the background), 0 elsewhere.
        connectivity: 4 or 8, for instances derived from the layout.

    Call: ``thing_map(label, inst)`` with ``label`` (B, H, W) int64 and
    ``inst`` (B, H, W) int64 or None; returns (B, 1, H, W) float in [0, 1].

    Raises:
        ValueError: no thing class, a class id outside the dataset's range
            (e.g. the car id 26 on a 12-class Facades config), an unknown
            mode or connectivity.
    """

    def __init__(self, thing_classes: Sequence[int], num_classes: int,
                 mode: str = 'index', connectivity: int = 4):
        super().__init__()
        things = [int(c) for c in thing_classes]
        if not things:
            raise ValueError(
                'thing_instance needs at least one thing class id, e.g. '
                'thing_instance=dict(thing_classes=[26]) for Cityscapes cars; '
                'set thing_instance=None for no instance channel.')
        bad = [c for c in things if not 0 <= c < num_classes]
        if bad:
            raise ValueError(
                f'thing_instance asks for class ids {bad}, but this dataset '
                f'has only ids 0..{num_classes - 1} (num_classes='
                f'{num_classes}): it has no such thing class. Give the '
                'dataset\'s own ids of the thing classes (Cityscapes car: 26; '
                'NYU five-class furniture: 0), or set thing_instance=None '
                '(the paper uses no instance map on Facades).')
        if mode not in MODES:
            raise ValueError(f'thing_instance mode {mode!r} is not one of '
                             f'{MODES}.')
        if connectivity not in (4, 8):
            raise ValueError(f'connectivity must be 4 or 8, got '
                             f'{connectivity!r}')
        self.thing_classes = tuple(things)
        self.mode = mode
        self.connectivity = connectivity

    def forward(self, label: torch.Tensor,
                inst: Optional[torch.Tensor] = None) -> torch.Tensor:
        ids = torch.from_numpy(np.stack([
            thing_instance_ids(
                label[i].cpu().numpy(), self.thing_classes,
                None if inst is None else inst[i].cpu().numpy(),
                self.connectivity) for i in range(label.shape[0])
        ])).to(label.device)
        if self.mode == 'edges':
            from .syn_data_preprocessor import instance_edge_map
            return instance_edge_map(ids)
        count = ids.flatten(1).amax(1).clamp_min(1).view(-1, 1, 1)
        return (ids.float() / count.float()).unsqueeze(1)

    def extra_repr(self) -> str:
        return f'thing_classes={self.thing_classes}, mode={self.mode!r}'
