"""pix2pix's "aligned" format: both images of a pair side by side in one file.

``A`` is the left half, ``B`` the right half (pix2pix ``AB`` images, e.g.
CMP Facades ``photo | colour label``). The dataset only records which
window of the file is the photo and which the label map
(``gt_img_region`` / ``gt_label_region``); ``LoadSynImage`` and
``LoadLabelMap`` crop them, so one file read yields both.

The label window is also recorded as ``label_img_region``, so
``LoadSynImage(key='label_img', path_key='label_path')`` loads the colour
label itself as an image (pix2pix's original 3-channel input); ``label_img``
is a sample key of :mod:`mmsemsyn.datasets.transforms.keys`, so the paired
transforms, ``PackSynInputs`` and the data preprocessor carry it.
"""
import os.path as osp
from typing import List, Optional, Sequence

from mmsemsyn.registry import DATASETS
from .base_synthesis_dataset import SynthesisDataset
from .image_reader import image_info


def panel_regions(width: int, height: int, num_panels: int,
                  path: str = '') -> List[tuple]:
    """(x0, y0, x1, y1) of ``num_panels`` equal side-by-side panels."""
    if width % num_panels:
        raise ValueError(
            f'{path!r} is {width}x{height}: its width does not split into '
            f'{num_panels} equal panels. Aligned files must hold the panels '
            'side by side at equal widths (pix2pix AB: 2).')
    step = width // num_panels
    return [(i * step, 0, (i + 1) * step, height) for i in range(num_panels)]


@DATASETS.register_module()
class AlignedDataset(SynthesisDataset):
    """Pairs stored as one ``A | B`` image per sample.

    Args:
        data_root: dataset root.
        split: sub-folder of ``data_root`` holding the files (``train``,
            ``val``, ``test``); ignored when ``data_prefix`` has ``img_path``.
        direction: ``'BtoA'``: the label map is B (right), the photo A
            (left) -- pix2pix's setting for facades and cityscapes
            (``--direction BtoA``); ``'AtoB'``: label left, photo right.
        suffixes: file endings to list.
        metainfo: ``classes`` and ``palette`` (the label colours, decoded
            with ``LoadLabelMap(color_palette=True)``).
    """

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 direction: str = 'BtoA',
                 suffixes: Sequence[str] = ('.jpg', '.jpeg', '.png'),
                 data_prefix: Optional[dict] = None,
                 **kwargs):
        if direction not in ('AtoB', 'BtoA'):
            raise ValueError(f'{type(self).__name__}: direction must be '
                             f'"AtoB" or "BtoA", got {direction!r}.')
        self.direction = direction
        self.split = split
        self.suffixes = tuple(suffixes)
        data_prefix = dict(data_prefix or {})
        data_prefix.setdefault('img_path', split)
        # The base class's label folder is the same folder of AB files.
        data_prefix.setdefault('label_path', data_prefix['img_path'])
        kwargs.pop('require_img', None)
        super().__init__(data_root=data_root, data_prefix=data_prefix,
                         **kwargs)

    @staticmethod
    def image_size(path: str) -> tuple:
        """(width, height) from the file header, without decoding pixels."""
        return image_info(path)[:2]

    def load_data_list(self) -> List[dict]:
        folder = self.data_prefix['img_path']
        files = self._scan(folder, self.suffixes)
        if not files:
            raise FileNotFoundError(
                f'{type(self).__name__}: no images ending in '
                f'{self.suffixes} under {folder!r}. Point data_root/split at '
                'the folder of AB files.')
        label_panel = 1 if self.direction == 'BtoA' else 0
        data_list = []
        for rel in files:
            path = osp.join(folder, rel)
            width, height = self.image_size(path)
            regions = panel_regions(width, height, 2, path)
            data_list.append(
                dict(img_path=path, label_path=path,
                     gt_label_region=regions[label_panel],
                     label_img_region=regions[label_panel],
                     gt_img_region=regions[1 - label_panel]))
        return data_list
