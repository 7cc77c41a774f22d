"""The denoising GAN's thing-instance numbering as a data transform
(arXiv 1801.03252, §III-C, Fig. 3).

Connected components of a layout are found on the host (``scipy.ndimage``):
done here, by the dataloader workers, the training step receives the
numbered instances ready-made and never reads the label on the host (issue
14 item 3: on a GPU such a read waits for the device). The data
preprocessor's ``thing_instance`` option turns them into the input channel
(:class:`~mmsemsyn.models.data_preprocessors.thing_instance.ThingInstanceMap`);
without this transform it numbers them itself, from the host batch.
"""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmsemsyn.registry import TRANSFORMS

CONNECTIVITIES = (4, 8)


def check_thing_options(thing_classes: Sequence[int],
                        connectivity: int) -> tuple:
    """The thing class ids as a tuple of ints.

    Raises:
        ValueError: no thing class (names the option to set instead), or a
            connectivity other than 4 / 8.
    """
    things = tuple(int(c) for c in thing_classes)
    if not things:
        raise ValueError(
            'thing_instance needs at least one thing class id, e.g. '
            'thing_instance=dict(thing_classes=[26]) for Cityscapes cars; '
            'set thing_instance=None for no instance channel.')
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f'connectivity must be 4 or 8, got '
                         f'{connectivity!r}')
    return things


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
            a connected component of one thing class's mask (touching
            instances of one class merge: the layout cannot separate them).
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


@TRANSFORMS.register_module()
class ThingInstanceIds(BaseTransform):
    """Number the thing instances of ``gt_label`` (:func:`thing_instance_ids`,
    from ``gt_inst`` when the sample has one, else connected components)
    into ``results['gt_thing_inst']`` (H, W) int64, packed as
    ``inputs['thing_inst']``.

    Put it last before ``PackSynInputs``: the numbering follows the final
    (flipped, cropped, resized) layout, as the preprocessor's own numbering
    does. Give it the same ``thing_classes`` / ``connectivity`` as the data
    preprocessor's ``thing_instance`` (checked per batch through the
    samples' metainfo ``thing_instance``, a plain comparison of Python
    values).

    Args:
        thing_classes: the thing class ids (Cityscapes car: 26).
        connectivity: 4 or 8.
        mode: accepted and ignored, so that the preprocessor's
            ``thing_instance`` dict can be passed whole.

    Raises:
        ValueError: no thing class or a bad connectivity (when built);
        KeyError: no ``gt_label`` (names the loader to add).
    """

    def __init__(self, thing_classes: Sequence[int], connectivity: int = 4,
                 mode: Optional[str] = None):
        self.thing_classes = check_thing_options(thing_classes, connectivity)
        self.connectivity = connectivity

    def transform(self, results: dict) -> dict:
        if 'gt_label' not in results:
            raise KeyError('ThingInstanceIds needs gt_label: add '
                           'LoadLabelMap before it.')
        results['gt_thing_inst'] = thing_instance_ids(
            results['gt_label'], self.thing_classes, results.get('gt_inst'),
            self.connectivity)
        results['thing_instance'] = dict(thing_classes=self.thing_classes,
                                         connectivity=self.connectivity)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(thing_classes={self.thing_classes}, '
                f'connectivity={self.connectivity})')
