"""The thing-class instance map of the denoising GAN (§III-C, Fig. 3 of
arXiv 1801.03252): the instances of chosen "thing" classes (cars on
Cityscapes, furniture on NYU) as one extra input channel for G and D.

Instances come from the dataset's instance map when the samples carry one,
otherwise from the layout itself: each connected component of a thing
class's mask is one instance (scipy.ndimage.label). Touching instances of
the same class then merge -- the layout alone cannot separate them, which is
why the instance file is used whenever it exists.

The numbering runs on the host. The denoising GAN configs do it in the data
pipeline (:class:`~mmsemsyn.datasets.transforms.thing_instance.
ThingInstanceIds`, in the dataloader workers), so the training step only
turns the ready numbers into the channel on the device and reads nothing on
the host. Samples without those numbers (a pipeline without the transform,
the inferencer, the editor) are numbered by the data preprocessor from its
host copy of the batch, before it moves to the device.
"""
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from mmsemsyn.datasets.transforms.thing_instance import (  # noqa: F401
    check_thing_options,
    thing_instance_ids,
)

MODES = ('index', 'edges')


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
    ``inst`` (B, H, W) int64 or None (numbers on the host, see
    :meth:`number`), or ``thing_map(ids=ids)`` with the (B, H, W) int64
    instance numbers of :meth:`number` / ``ThingInstanceIds`` (device only);
    returns (B, 1, H, W) float in [0, 1].

    Raises:
        ValueError: no thing class, a class id outside the dataset's range
            (e.g. the car id 26 on a 12-class Facades config), an unknown
            mode or connectivity.
    """

    def __init__(self, thing_classes: Sequence[int], num_classes: int,
                 mode: str = 'index', connectivity: int = 4):
        super().__init__()
        things = list(check_thing_options(thing_classes, connectivity))
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
        self.thing_classes = tuple(things)
        self.mode = mode
        self.connectivity = connectivity

    def number(self, label: torch.Tensor,
               inst: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(B, H, W) int64 instance numbers 1..K per sample, 0 elsewhere
        (:func:`thing_instance_ids`), computed on the host: give host
        tensors (a device tensor is copied back, which waits for the
        device)."""
        return torch.from_numpy(np.stack([
            thing_instance_ids(
                label[i].cpu().numpy(), self.thing_classes,
                None if inst is None else inst[i].cpu().numpy(),
                self.connectivity) for i in range(label.shape[0])
        ])).to(label.device)

    def check_source(self, data_samples) -> None:
        """Raise when samples were numbered by a ``ThingInstanceIds`` whose
        options differ from this channel's (metainfo ``thing_instance``).

        Raises:
            ValueError: names both settings and the fix.
        """
        own = dict(thing_classes=self.thing_classes,
                   connectivity=self.connectivity)
        for sample in data_samples or ():
            given = sample.metainfo.get('thing_instance')
            if given is not None and (
                    tuple(given['thing_classes']) != own['thing_classes']
                    or given['connectivity'] != own['connectivity']):
                raise ValueError(
                    f'The pipeline\'s ThingInstanceIds numbered {given} but '
                    f'data_preprocessor.thing_instance asks for {own}: give '
                    'both the same thing_classes and connectivity.')

    def forward(self, label: Optional[torch.Tensor] = None,
                inst: Optional[torch.Tensor] = None,
                ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        if ids is None:
            ids = self.number(label, inst)
        if ids.dim() == 4:
            ids = ids[:, 0]
        if self.mode == 'edges':
            from .syn_data_preprocessor import instance_edge_map
            return instance_edge_map(ids)
        count = ids.flatten(1).amax(1).clamp_min(1).view(-1, 1, 1)
        return (ids.float() / count.float()).unsqueeze(1)

    def extra_repr(self) -> str:
        return f'thing_classes={self.thing_classes}, mode={self.mode!r}'
