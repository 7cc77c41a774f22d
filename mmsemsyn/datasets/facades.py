"""CMP Facades (Tylecek and Sara, GCPR 2013) as used by pix2pix.

pix2pix ships the base set as 256x256 ``photo | colour label`` JPEGs in
``facades/{train,val,test}/*.jpg`` (400 / 100 / 106), and translates label
→ photo with ``--direction BtoA``.

The colour labels render the CMP label value v (1..12) as MATLAB ``jet(64)``
row ``5 v + 1`` (1-based): the shop is dark red, the facade blue, windows
light blue, blinds yellow. Value 0 (dark blue (0, 0, 143)) never occurs
in the images. Ids here are ``v - 1``. Measured on the pix2pix sample pairs
(see the dataset notes): >80 % of the pixels lie within 35 RGB units of a
palette colour; the rest are JPEG blends at region borders, which nearest-
colour decoding assigns to a neighbouring class.
"""
from mmsemsyn.registry import DATASETS
from .aligned import AlignedDataset

FACADES_CLASSES = ('background', 'facade', 'window', 'door', 'cornice',
                   'sill', 'balcony', 'blind', 'deco', 'molding', 'pillar',
                   'shop')
FACADES_PALETTE = ((0, 0, 223), (0, 48, 255), (0, 128, 255), (0, 207, 255),
                   (32, 255, 223), (112, 255, 143), (191, 255, 64),
                   (255, 239, 0), (255, 159, 0), (255, 80, 0), (255, 0, 0),
                   (175, 0, 0))


@DATASETS.register_module()
class FacadesDataset(AlignedDataset):
    """pix2pix ``facades``: 12 CMP classes decoded from the colour labels
    (use ``LoadLabelMap(color_palette=True)``)."""

    METAINFO = dict(classes=FACADES_CLASSES, palette=FACADES_PALETTE,
                    dontcare_label=None)

    def __init__(self, data_root: str = 'data/facades', **kwargs):
        super().__init__(data_root=data_root, **kwargs)
