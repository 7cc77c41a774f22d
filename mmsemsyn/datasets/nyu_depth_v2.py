"""NYU Depth v2 five-class layouts (the denoising GAN, arXiv 1801.03252,
§IV-A): furniture, structure, prop, floor and boundary lines.

The labelled NYU v2 frames (``nyu_depth_v2_labeled.mat``, 1,449 frames with
894-class labels and instance ids) become five-class label PNGs with
``tools/dataset_converters/nyu_depth_v2.py``: 894 classes -> Gupta et al.'s
40 classes (``classMapping40.mat``) -> the four structure classes of
Silberman et al. (:data:`NYU40_TO_STRUCTURE`), plus a fifth class drawn on
the boundaries between objects (the "boundary lines" of the layouts the
paper takes from Ivanecky's work). Layout written by the converter::

    data_root/images/0001.png      RGB photo (640x480)
    data_root/labels/0001.png      five-class ids 0..4, 255 unlabelled
    data_root/instances/0001.png   16-bit object ids (40-class id * 1000 +
                                   NYU instance number)

File names are the 1-based frame numbers of the .mat. The paper's split
(795 training frames -> 700 train / 95 test) is ``HoldoutSplit``.
"""
from mmsemsyn.registry import DATASETS
from .base_synthesis_dataset import SynthesisDataset

NYU_FIVE_CLASSES = ('furniture', 'structure', 'prop', 'floor', 'boundary')
NYU_FIVE_PALETTE = ((0, 0, 255), (255, 0, 0), (0, 255, 0), (255, 255, 0),
                    (255, 255, 255))

# Gupta et al. (CVPR 2013) 40-class ids 1..40 -> structure class (index in
# NYU_FIVE_CLASSES). The 40 classes end in "other structure / furniture /
# prop"; the 37 named ones are grouped by what they are: built-in surfaces
# and openings are structure, movable large objects furniture, small objects
# props (Silberman et al., ECCV 2012, §5: floor, structure, furniture,
# props). Overridable in the converter (--map40 JSON).
_STRUCTURE = (1, 8, 9, 13, 16, 22, 28, 30, 38)  # wall door window blinds
# curtain ceiling shower-curtain whiteboard other-structure
_FURNITURE = (3, 4, 5, 6, 7, 10, 12, 14, 15, 17, 24, 32, 33, 34, 36, 39)
_PROP = (11, 18, 19, 21, 23, 25, 26, 27, 29, 31, 35, 37, 40)
_FLOOR = (2, 20)  # floor, floor mat
NYU40_TO_STRUCTURE = {
    **{c: 0 for c in _FURNITURE}, **{c: 1 for c in _STRUCTURE},
    **{c: 2 for c in _PROP}, **{c: 3 for c in _FLOOR}
}
assert sorted(NYU40_TO_STRUCTURE) == list(range(1, 41))
FURNITURE_ID = 0
BOUNDARY_ID = 4


@DATASETS.register_module()
class NYUDepthV2FiveClassDataset(SynthesisDataset):
    """The converter's output folders (see the module docstring).

    Args:
        data_root: the converter's ``--out`` folder.
        with_instances: read ``instances/`` (the thing-instance channel then
            separates touching furniture); False derives instances from the
            layout (connected components).
        other args: as :class:`SynthesisDataset`.
    """

    METAINFO = dict(classes=NYU_FIVE_CLASSES, palette=NYU_FIVE_PALETTE,
                    dontcare_label=255)

    def __init__(self, data_root: str = 'data/nyu_five_class',
                 with_instances: bool = True, **kwargs):
        prefix = dict(label_path='labels', img_path='images')
        if with_instances:
            prefix['inst_path'] = 'instances'
        kwargs.setdefault('data_prefix', prefix)
        kwargs.setdefault('img_suffix', '.png')
        super().__init__(data_root=data_root, **kwargs)
