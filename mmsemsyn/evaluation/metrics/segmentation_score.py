"""Segmentation scores of generated images (mIoU, pixel acc, class acc)."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmsemsyn.models.pretrained.segmenter import (
    build_mmseg_segmenter,
    segment_logits,
)
from mmsemsyn.registry import METRICS
from .label_maps import LABEL_MAPS
from .utils import default_device, get_field, sample_index, unique_by_index


def build_lookup(label_map: Optional[Union[str, Dict[int, int]]],
                 ignore_index: int, size: int = 65536) -> torch.Tensor:
    """A lookup table dataset id -> segmenter id (unmapped -> ignore)."""
    if label_map is None:
        return None
    if isinstance(label_map, str):
        if label_map not in LABEL_MAPS:
            raise KeyError(f'Unknown label_map {label_map!r}; known: '
                           f'{sorted(LABEL_MAPS)} or give a dict.')
        label_map = LABEL_MAPS[label_map]
    table = torch.full((size, ), ignore_index, dtype=torch.long)
    for src, dst in label_map.items():
        table[int(src)] = int(dst)
    return table


_MMSEG_DATASETS = dict(cityscapes='CityscapesDataset',
                       ade20k='ADE20KDataset', coco_stuff='COCOStuffDataset')


def resolve_class_names(names, num_classes: int) -> tuple:
    """Class names of the segmenter: a list, or an mmseg dataset name."""
    if names is None:
        return tuple(str(i) for i in range(num_classes))
    if names == 'coco_stuff_182':
        # The 182 raw COCO-Stuff ids (DeepLab-v2 of the paper protocol).
        from mmsemsyn.datasets.coco_stuff import COCO_STUFF_CLASSES
        return tuple(COCO_STUFF_CLASSES)
    if isinstance(names, str):
        if names not in _MMSEG_DATASETS:
            raise KeyError(f'class_names={names!r}: give a list or one of '
                           f'{sorted(_MMSEG_DATASETS) + ["coco_stuff_182"]}.')
        import mmseg.datasets as mmseg_datasets
        names = getattr(mmseg_datasets,
                        _MMSEG_DATASETS[names]).METAINFO['classes']
    return tuple(names)


@METRICS.register_module(name=['SegmentationScore', 'SegScore'])
class SegmentationScore(BaseMetric):
    """How well a pretrained segmenter recovers the input layout.

    The protocol of pix2pixHD / SPADE / Lab2Pix: segment each generated
    photo with a frozen segmenter trained on the real dataset and compare
    with the input label map: mIoU, overall pixel accuracy (aAcc) and mean
    class accuracy (mAcc), in percent. The per-image areas and their
    reduction are mmseg's own (``IoUMetric.intersect_and_union`` /
    ``total_area_to_metrics``), so the numbers equal mmseg's ``IoUMetric``
    on the same predictions; feeding the real photos
    (``fake_key='gt_img'``) gives the segmenter's own accuracy.

    Args:
        seg_config: mmseg config (path, ``mmseg::...`` or model dict; the
            papers' segmenters: ``configs/_base_/evaluators/
            paper_protocol_*.py``).
        seg_checkpoint: its weights (URL or local file; the papers'
            segmenters' releases are converted on load, CSAIL UperNet takes
            ``dict(encoder=..., decoder=...)``).
        label_map: dataset id -> segmenter id (dict or a name from
            ``LABEL_MAPS``, e.g. ``'cityscapes_labelid_to_trainid'``);
            None = identity. Unmapped ids are ignored.
        ignore_index: label id left out of every score.
        seg_scale: (h, w) the generated images are resized to (bilinear)
            before segmentation; None = the generated resolution. The
            logits are resized back to the label size, labels are never
            interpolated. Record it in the config: mIoU depends on it.
        class_names: the segmenter's class names (per-class table): a list
            or 'cityscapes' / 'ade20k' / 'coco_stuff' (mmseg's lists) /
            'coco_stuff_182' (the raw COCO-Stuff ids).
        fake_key / label_key: data-sample fields.
        device: where the segmenter runs (default cuda if available).
    """

    default_prefix = 'seg'

    def __init__(self,
                 seg_config,
                 seg_checkpoint: Optional[str] = None,
                 label_map: Optional[Union[str, Dict[int, int]]] = None,
                 ignore_index: int = 255,
                 seg_scale: Optional[Sequence[int]] = None,
                 class_names: Optional[Union[str, Sequence[str]]] = None,
                 fake_key: str = 'fake_img',
                 label_key: str = 'gt_label',
                 allow_random: bool = False,
                 device: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if seg_checkpoint is None and not allow_random:
            raise ValueError(
                'SegmentationScore needs seg_checkpoint (the pretrained '
                'segmenter weights: a model-zoo URL or a local file); '
                'allow_random=True is for tests only.')
        self.device = torch.device(device) if device else default_device()
        # Owned by the metric: never a submodule of the synthesis model, so
        # it stays out of its checkpoints, optimizers and DDP wrappers.
        self.segmenter = build_mmseg_segmenter(
            seg_config, seg_checkpoint, frozen=True,
            init_weights=seg_checkpoint is None).to(self.device)
        self.num_classes = int(self.segmenter.decode_head.num_classes)
        self.ignore_index = ignore_index
        self.lookup = build_lookup(label_map, ignore_index)
        self.seg_scale = tuple(seg_scale) if seg_scale else None
        self.class_names = resolve_class_names(class_names,
                                               self.num_classes)
        if len(self.class_names) != self.num_classes:
            raise ValueError(
                f'{len(self.class_names)} class_names for a segmenter with '
                f'{self.num_classes} classes.')
        self.fake_key = fake_key
        self.label_key = label_key
        self.seg_checkpoint = seg_checkpoint

    def map_label(self, label: torch.Tensor) -> torch.Tensor:
        label = label.long()
        if self.lookup is None:
            return label
        if label.min() < 0 or label.max() >= self.lookup.numel():
            raise ValueError(f'Label ids outside 0..{self.lookup.numel()-1}')
        return self.lookup[label]

    @torch.no_grad()
    def predict(self, imgs: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) uint8 RGB -> (B, H, W) segmenter class ids."""
        logits = segment_logits(self.segmenter, imgs.to(self.device),
                                seg_scale=self.seg_scale)
        return logits.argmax(1).cpu()

    def process(self, data_batch, data_samples: Sequence) -> None:
        from mmseg.evaluation.metrics import IoUMetric
        imgs = torch.stack([torch.as_tensor(get_field(s, self.fake_key))
                            for s in data_samples])
        preds = self.predict(imgs)
        for pred, sample in zip(preds, data_samples):
            label = self.map_label(torch.as_tensor(
                get_field(sample, self.label_key)).squeeze(0))
            if label.shape != pred.shape:
                raise ValueError(
                    f'Label {tuple(label.shape)} and generated image '
                    f'{tuple(pred.shape)} sizes differ.')
            areas = IoUMetric.intersect_and_union(
                pred, label, self.num_classes, self.ignore_index)
            self.results.append(dict(sample_idx=sample_index(sample),
                                     areas=[a.cpu() for a in areas]))

    def compute_metrics(self, results: List[dict]) -> dict:
        from mmseg.evaluation.metrics import IoUMetric
        results = unique_by_index(results)
        totals = [sum(r['areas'][i] for r in results) for i in range(4)]
        scores = IoUMetric.total_area_to_metrics(
            *totals, metrics=['mIoU'], nan_to_num=None, beta=1)
        iou, acc = scores['IoU'], scores['Acc']
        self._log_table(iou, acc)
        return OrderedDict(
            mIoU=float(np.round(np.nanmean(iou) * 100, 2)),
            aAcc=float(np.round(scores['aAcc'] * 100, 2)),
            mAcc=float(np.round(np.nanmean(acc) * 100, 2)))

    def _log_table(self, iou, acc) -> None:
        lines = [f'Segmenter: {self.seg_checkpoint}  (scale '
                 f'{self.seg_scale or "generated"})',
                 f'{"class":<24}{"IoU":>8}{"Acc":>8}']
        for name, i, a in zip(self.class_names, iou, acc):
            lines.append(f'{name:<24}{i * 100:>8.2f}{a * 100:>8.2f}')
        print_log('per-class results:\n' + '\n'.join(lines),
                  logger='current')
