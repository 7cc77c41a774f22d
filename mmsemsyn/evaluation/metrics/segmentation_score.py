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
        samples_key: the field holding the K generated samples of one label
            map, (K, 3, H, W) uint8 (``fake_imgs``, set by ``tools/test.py
            --num-samples K``: K noise draws of a noise-driven generator,
            or the first K of a multi-output generator's ``fake_outputs``,
            e.g. CRN's n images).
        score_samples: score all K samples of every label map instead of
            ``fake_key`` alone (the diversity paper's Table II protocol: 9
            CRN outputs / 32 noise draws per layout). The areas of the K
            segmentations are added up, so the scores equal those of a test
            set holding each label map K times, once with each sample
            (every sample weighs the same). None (default): on when a data
            sample carries ``samples_key`` and ``fake_key`` is the default
            ``'fake_img'`` (so ``fake_key='gt_img'`` still scores the real
            photos); True: required (a ``KeyError`` names the flag when the
            samples are missing); False: ``fake_key`` only (sample 0).
        device: where the segmenter runs (default cuda if available).

    Pooled scores: aAcc is the correct pixels over all labelled pixels of
    all scored images and IoU sums the intersections and unions over all of
    them (mmseg's ``IoUMetric``). The diversity paper (Yang et al., §IV-C,
    Table II) defines accuracy per image; with equal-sized images and no
    ignored pixels its image mean equals the pooled aAcc.
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
                 samples_key: str = 'fake_imgs',
                 score_samples: Optional[bool] = None,
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
        if score_samples not in (None, True, False):
            raise ValueError(f'score_samples must be None (auto), True or '
                             f'False; got {score_samples!r}.')
        self.samples_key = samples_key
        self.score_samples = score_samples
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

    def _has_samples(self, sample) -> bool:
        try:
            get_field(sample, self.samples_key)
        except KeyError:
            return False
        return True

    def _images_of(self, sample) -> torch.Tensor:
        """(K, 3, H, W) uint8: the images of one label map to score."""
        if self.score_samples is False or (
                self.score_samples is None and (
                    self.fake_key != 'fake_img'
                    or not self._has_samples(sample))):
            return torch.as_tensor(get_field(sample, self.fake_key))[None]
        try:
            imgs = torch.as_tensor(get_field(sample, self.samples_key))
        except KeyError:
            raise KeyError(
                f'SegmentationScore(score_samples=True) needs '
                f'{self.samples_key!r} (K samples per label map): run '
                'tools/test.py with --num-samples K, or set '
                'score_samples=None / False.') from None
        if imgs.dim() != 4 or imgs.shape[0] < 1 or imgs.shape[1] != 3:
            raise ValueError(
                f'{self.samples_key!r} must be (K, 3, H, W) images, got '
                f'{tuple(imgs.shape)}.')
        return imgs

    def process(self, data_batch, data_samples: Sequence) -> None:
        from mmseg.evaluation.metrics import IoUMetric
        per_sample = [self._images_of(s) for s in data_samples]
        flat = torch.cat(per_sample)
        # Segment in chunks of the batch size: K samples per label map then
        # need no more segmenter memory than one sample per label map.
        step = max(1, len(data_samples))
        preds = torch.cat([self.predict(flat[i:i + step])
                           for i in range(0, flat.shape[0], step)])
        start = 0
        for imgs, sample in zip(per_sample, data_samples):
            label = self.map_label(torch.as_tensor(
                get_field(sample, self.label_key)).squeeze(0))
            areas = None
            for pred in preds[start:start + imgs.shape[0]]:
                if label.shape != pred.shape:
                    raise ValueError(
                        f'Label {tuple(label.shape)} and generated image '
                        f'{tuple(pred.shape)} sizes differ.')
                one = IoUMetric.intersect_and_union(
                    pred, label, self.num_classes, self.ignore_index)
                areas = [a.cpu() for a in one] if areas is None else \
                    [a + b.cpu() for a, b in zip(areas, one)]
            start += imgs.shape[0]
            self.results.append(dict(sample_idx=sample_index(sample),
                                     areas=areas,
                                     num_samples=int(imgs.shape[0])))

    def compute_metrics(self, results: List[dict]) -> dict:
        from mmseg.evaluation.metrics import IoUMetric
        results = unique_by_index(results)
        totals = [sum(r['areas'][i] for r in results) for i in range(4)]
        scores = IoUMetric.total_area_to_metrics(
            *totals, metrics=['mIoU'], nan_to_num=None, beta=1)
        iou, acc = scores['IoU'], scores['Acc']
        counts = sorted({int(r.get('num_samples', 1)) for r in results})
        self._log_table(iou, acc, counts)
        return OrderedDict(
            mIoU=float(np.round(np.nanmean(iou) * 100, 2)),
            aAcc=float(np.round(scores['aAcc'] * 100, 2)),
            mAcc=float(np.round(np.nanmean(acc) * 100, 2)))

    def _log_table(self, iou, acc, counts=(1, )) -> None:
        counts = '/'.join(str(c) for c in counts)
        lines = [f'Segmenter: {self.seg_checkpoint}  (scale '
                 f'{self.seg_scale or "generated"}; {counts} generated '
                 'image(s) scored per label map)',
                 f'{"class":<24}{"IoU":>8}{"Acc":>8}']
        for name, i, a in zip(self.class_names, iou, acc):
            lines.append(f'{name:<24}{i * 100:>8.2f}{a * 100:>8.2f}')
        print_log('per-class results:\n' + '\n'.join(lines),
                  logger='current')
