import pytest
import torch
from tiny_segmenter import tiny_segmenter_cfg

from mmsemsyn.evaluation.metrics.label_maps import (
    CITYSCAPES_LABELID_TO_TRAINID,
    COCO_STUFF_182_TO_171,
)
from mmsemsyn.evaluation.metrics.segmentation_score import SegmentationScore

NUM_CLASSES = 5
# dataset ids 0..7 -> segmenter ids; 6 and 7 unmapped (ignored).
LABEL_MAP = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 0}


def _data(n=5, h=48, w=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.randint(0, 256, (n, 3, h, w), generator=g,
                         dtype=torch.uint8)
    labels = torch.randint(0, 8, (n, 1, h // 8, w // 8), generator=g)
    labels = labels.repeat_interleave(8, 2).repeat_interleave(8, 3)
    fakes = (imgs.int() + torch.randint(-80, 80, imgs.shape, generator=g)
             ).clamp(0, 255).to(torch.uint8)
    return [dict(gt_img=i, fake_img=f, gt_label=l, sample_idx=k)
            for k, (i, f, l) in enumerate(zip(imgs, fakes, labels))]


@pytest.fixture(scope='module')
def metric():
    torch.manual_seed(0)
    return SegmentationScore(tiny_segmenter_cfg(NUM_CLASSES),
                             allow_random=True, label_map=LABEL_MAP)


def _mmseg_iou(preds, labels):
    from mmseg.evaluation.metrics import IoUMetric
    ref = IoUMetric(ignore_index=255)
    ref.dataset_meta = dict(classes=[str(i) for i in range(NUM_CLASSES)])
    ref.process(None, [dict(pred_sem_seg=dict(data=p[None]),
                            gt_sem_seg=dict(data=l[None]))
                       for p, l in zip(preds, labels)])
    return ref.compute_metrics(ref.results)


def test_segmentation_score_equals_mmseg_iou_metric(metric):
    samples = _data()
    metric.process(None, samples[:3])
    metric.process(None, samples[3:] + samples[:1])  # padded duplicate
    ours = metric.compute_metrics(metric.results)
    metric.results.clear()
    preds = metric.predict(torch.stack([s['fake_img'] for s in samples]))
    labels = [metric.map_label(s['gt_label'][0]) for s in samples]
    assert (labels[0] == 255).any()  # unmapped ids are ignored
    ref = _mmseg_iou(preds, labels)
    for k in ('mIoU', 'aAcc', 'mAcc'):
        assert ours[k] == pytest.approx(float(ref[k]), abs=1e-6), k


def test_perfect_generator_gives_segmenter_accuracy(metric):
    """Real photos in -> the segmenter's own scores via mmseg's predict."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = _data(seed=1)
    perfect = SegmentationScore(tiny_segmenter_cfg(NUM_CLASSES),
                                allow_random=True, label_map=LABEL_MAP,
                                fake_key='gt_img')
    perfect.segmenter.load_state_dict(metric.segmenter.state_dict())
    perfect.process(None, samples)
    ours = perfect.compute_metrics(perfect.results)
    # mmseg's own inference path: BGR input, its preprocessor, predict().
    seg_samples = []
    for s in samples:
        ds = SegDataSample()
        ds.set_metainfo(dict(img_shape=(48, 64), ori_shape=(48, 64)))
        ds.gt_sem_seg = PixelData(data=metric.map_label(s['gt_label']))
        seg_samples.append(ds)
    outputs = metric.segmenter.test_step(dict(
        inputs=[s['gt_img'].flip(0) for s in samples],
        data_samples=seg_samples))
    preds = [o.pred_sem_seg.data[0] for o in outputs]
    ref = _mmseg_iou(preds, [metric.map_label(s['gt_label'][0])
                             for s in samples])
    for k in ('mIoU', 'aAcc', 'mAcc'):
        assert ours[k] == pytest.approx(float(ref[k]), abs=1e-6), k


def test_label_maps_and_errors():
    assert len(CITYSCAPES_LABELID_TO_TRAINID) == 19
    assert sorted(CITYSCAPES_LABELID_TO_TRAINID.values()) == list(range(19))
    assert len(COCO_STUFF_182_TO_171) == 171
    assert COCO_STUFF_182_TO_171[181] == 170
    with pytest.raises(ValueError, match='seg_checkpoint'):
        SegmentationScore(tiny_segmenter_cfg())
    with pytest.raises(KeyError, match='label_map'):
        SegmentationScore(tiny_segmenter_cfg(), allow_random=True,
                          label_map='nope')


@pytest.mark.parametrize('name', ['cityscapes', 'ade20k', 'coco_stuff'])
def test_default_evaluator_configs_build(name, monkeypatch):
    """The evaluator bases name loadable mmseg configs whose class count
    matches the label map and class names (weights are not downloaded)."""
    from pathlib import Path

    from mmengine.config import Config

    import mmsemsyn.evaluation.metrics.segmentation_score as mod
    from mmsemsyn.evaluation.metrics.label_maps import LABEL_MAPS
    from mmsemsyn.models.pretrained.segmenter import load_mmseg_model_config
    repo = Path(__file__).resolve().parents[2]
    cfg = Config.fromfile(str(repo / 'configs/_base_/evaluators' /
                              f'{name}.py'))
    seg = [e for e in cfg.test_evaluator
           if e['type'] == 'SegmentationScore'][0]
    assert seg['seg_checkpoint'].startswith('https://download.openmmlab')
    model = load_mmseg_model_config(seg['seg_config'])
    n = model['decode_head']['num_classes']
    assert max(LABEL_MAPS[seg['label_map']].values()) == n - 1
    assert len(mod.resolve_class_names(seg['class_names'], n)) == n
