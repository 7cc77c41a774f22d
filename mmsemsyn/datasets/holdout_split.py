"""A deterministic train/test split of one dataset folder.

The denoising GAN (arXiv 1801.03252, §IV) splits sets that ship as one
folder: Cityscapes' 2,975 training frames into 2,675 train / 300 test, and
NYU v2's 795 labelled training frames into 700 train / 95 test. The paper
does not say which frames; the rule here: order the samples by file name in
natural order (pix2pix numbers its Cityscapes frames 1..2975, so "10.jpg"
follows "9.jpg"), the last ``num_test`` are the test set, the rest train.
"""
import re
from typing import List, Optional

from mmengine.dataset import BaseDataset

from mmsemsyn.registry import DATASETS


def natural_key(path: str) -> List:
    """'frame10.png' sorts after 'frame9.png'."""
    return [int(t) if t.isdigit() else t for t in re.split(r'(\d+)', path)]


@DATASETS.register_module()
class HoldoutSplit:
    """Wrap a dataset and keep its train or test part.

    Args:
        dataset: the config (or built dataset) of the whole folder.
        num_test: the number of test samples (the last in natural order).
        subset: ``'train'`` or ``'test'``.
        expected_total: the size the split rule is meant for (2975 for
            Cityscapes, 795 for NYU); a folder of another size raises an
            error, since the split would then not be the paper's. None: any
            size (small demo folders).
        key: the sample field to order by (``label_path``).

    Raises:
        ValueError: unknown ``subset``, ``num_test`` not smaller than the
            dataset, or a size other than ``expected_total``.
    """

    def __init__(self, dataset, num_test: int, subset: str = 'train',
                 expected_total: Optional[int] = None,
                 key: str = 'label_path', lazy_init: bool = False):
        if subset not in ('train', 'test'):
            raise ValueError(f"HoldoutSplit subset must be 'train' or "
                             f"'test', got {subset!r}.")
        self.dataset = dataset if isinstance(dataset, BaseDataset) else \
            DATASETS.build(dataset)
        self.num_test = int(num_test)
        self.subset = subset
        self.expected_total = expected_total
        self.key = key
        self._indices = None
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def full_init(self):
        if self._indices is not None:
            return
        self.dataset.full_init()
        total = len(self.dataset)
        name = type(self.dataset).__name__
        if self.expected_total is not None and total != self.expected_total:
            raise ValueError(
                f'HoldoutSplit: {name} has {total} samples, but the split '
                f'{total - self.num_test}/{self.num_test} is defined on '
                f'{self.expected_total}. Point data_root at the complete '
                'folder, or set expected_total=None to split this folder '
                'anyway.')
        if not 0 < self.num_test < total:
            raise ValueError(
                f'HoldoutSplit: num_test={self.num_test} must lie between 1 '
                f'and {total - 1} for {name} with {total} samples.')
        order = sorted(range(total), key=lambda i: natural_key(
            str(self.dataset.get_data_info(i).get(self.key, i))))
        cut = total - self.num_test
        self._indices = order[:cut] if self.subset == 'train' else \
            order[cut:]

    def get_data_info(self, idx: int) -> dict:
        self.full_init()
        return self.dataset.get_data_info(self._indices[idx])

    def __getitem__(self, idx: int):
        self.full_init()
        return self.dataset[self._indices[idx]]

    def __len__(self) -> int:
        self.full_init()
        return len(self._indices)
