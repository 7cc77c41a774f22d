"""Base dataset: pairs of label map (+ instance map) and photo."""
import os.path as osp
from typing import List, Optional

from mmengine.dataset import BaseDataset
from mmengine.fileio import list_dir_or_file

from mmsemsyn.registry import DATASETS
from mmsemsyn.utils import explain_missing_scope


@DATASETS.register_module()
class SynthesisDataset(BaseDataset):
    """Label map → photo pairs found by matching file stems in folders.

    ``data_prefix`` keys: ``label_path`` (required), ``img_path`` and
    ``inst_path`` (optional). A sample is the label file plus the photo and
    instance files whose names are the label's stem with ``label_suffix``
    replaced by ``img_suffix`` / ``inst_suffix``.

    Metainfo: ``classes``, ``palette`` (RGB per id), ``dontcare_label``.
    """

    METAINFO = dict(classes=(), palette=(), dontcare_label=None)

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 label_suffix: str = '.png',
                 img_suffix: str = '.jpg',
                 inst_suffix: str = '.png',
                 require_img: bool = True,
                 **kwargs):
        self.label_suffix = label_suffix
        self.img_suffix = img_suffix
        self.inst_suffix = inst_suffix
        self.require_img = require_img
        # Without mmsemsyn's default scope, say so (not a bare KeyError).
        with explain_missing_scope(type(self).__name__):
            super().__init__(data_root=data_root,
                             data_prefix=data_prefix or dict(label_path=''),
                             **kwargs)

    def full_init(self):
        self._check_metainfo()
        super().full_init()

    def _check_metainfo(self):
        """Catch class/palette/dontcare settings that cannot be right."""
        name = type(self).__name__
        classes = self.metainfo.get('classes') or ()
        palette = self.metainfo.get('palette') or ()
        dontcare = self.metainfo.get('dontcare_label')
        if classes and palette and len(palette) != len(classes):
            raise ValueError(
                f'{name}: metainfo has {len(classes)} classes but '
                f'{len(palette)} palette colours; give one RGB colour per '
                'class (the index is the label id).')
        if dontcare is not None and classes and 0 <= dontcare < len(classes):
            raise ValueError(
                f'{name}: dontcare_label={dontcare} is the id of class '
                f'{classes[dontcare]!r}; the dontcare id must lie outside '
                f'0..{len(classes) - 1} (e.g. 255), or set it to None.')

    def _check_dir(self, folder: Optional[str], kind: str, required: bool
                   ) -> Optional[str]:
        """``folder`` if it exists; None (optional) or an error."""
        if not folder or osp.isdir(folder):
            return folder
        if not required:
            return None
        raise FileNotFoundError(
            f'{type(self).__name__}: the {kind} folder {folder!r} does not '
            'exist. Set data_root/data_prefix in the dataset config (see the '
            'data preparation section of the README)'
            + ('; for label maps without photos (inference) set '
               'require_img=False.' if kind == 'photo' else '.'))

    def _scan(self, folder: str, suffix: str) -> List[str]:
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{type(self).__name__}: folder {folder!r} does not exist. '
                'Set data_root/data_prefix in the dataset config (see the '
                'data preparation section of the README).')
        return sorted(
            list_dir_or_file(folder, list_dir=False, suffix=suffix,
                             recursive=True))

    def _partner(self, label_rel: str, folder: Optional[str], suffix: str,
                 kind: str, required: bool) -> Optional[str]:
        if not folder:
            return None
        stem = label_rel[:-len(self.label_suffix)]
        path = osp.join(folder, stem + suffix)
        if not osp.isfile(path):
            if required:
                raise FileNotFoundError(
                    f'{type(self).__name__}: the label map '
                    f'{label_rel!r} has no {kind} {path!r}. Add the file, '
                    'remove the label, or fix the suffix options.')
            return None
        return path

    def load_data_list(self) -> List[dict]:
        label_dir = self.data_prefix['label_path']
        label_files = self._scan(label_dir, self.label_suffix)
        img_dir = self._check_dir(self.data_prefix.get('img_path'), 'photo',
                                  self.require_img)
        inst_dir = self._check_dir(self.data_prefix.get('inst_path'),
                                   'instance map', True)
        data_list = []
        for rel in label_files:
            info = dict(label_path=osp.join(label_dir, rel))
            img = self._partner(rel, img_dir, self.img_suffix, 'photo',
                                self.require_img)
            if img:
                info['img_path'] = img
            inst = self._partner(rel, inst_dir, self.inst_suffix,
                                 'instance map', True)
            if inst:
                info['inst_path'] = inst
            data_list.append(info)
        if not data_list:
            raise FileNotFoundError(
                f'{type(self).__name__}: no label maps ending in '
                f'{self.label_suffix!r} under {label_dir!r}. Point '
                'data_root/data_prefix at the label folder or fix '
                'label_suffix.')
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Per-sample fields shared by the whole dataset (the palette, for
        ``LoadLabelMap(color_palette=True)``; the class count and dontcare
        id, for its label-id check). Added when a sample is fetched, so the
        serialized list does not repeat them."""
        info = dict(raw_data_info)
        info['palette'] = self.metainfo.get('palette')
        info['num_classes'] = len(self.metainfo.get('classes') or ()) or None
        info['dontcare_label'] = self.metainfo.get('dontcare_label')
        return info

    def get_data_info(self, idx: int) -> dict:
        return self.parse_data_info(super().get_data_info(idx))
