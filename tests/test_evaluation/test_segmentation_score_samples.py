"""SegmentationScore over all K samples of each label map (the diversity
paper's Table II protocol: 9 CRN outputs / 32 noise draws per layout)."""
import pytest
import torch
from tiny_segmenter import tiny_segmenter_cfg

from mmsemsyn.evaluation.metrics.segmentation_score import SegmentationScore

NUM_CLASSES = 5


@pytest.fixture(scope='module')
def segmenter_state():
    torch.manual_seed(0)
    metric = SegmentationScore(tiny_segmenter_cfg(NUM_CLASSES),
                               allow_random=True)
    return metric.segmenter.state_dict()


def _metric(state, **kwargs):
    metric = SegmentationScore(tiny_segmenter_cfg(NUM_CLASSES),
                               allow_random=True, **kwargs)
    metric.segmenter.load_state_dict(state)
    return metric


def _red_segmenter(imgs):
    """A segmenter whose answer we know: class = red value // 64."""
    return imgs[:, 0].long() // 64


def _known_case():
    """One 4x4 layout, all class 1, two samples: sample 0 segments as
    class 1 everywhere, sample 1 as class 1 on the left half and class 2
    on the right half."""
    label = torch.ones(1, 4, 4, dtype=torch.long)
    good = torch.full((3, 4, 4), 64, dtype=torch.uint8)
    half = good.clone()
    half[0, :, 2:] = 128
    return dict(fake_img=good, fake_imgs=torch.stack([good, half]),
                gt_img=good, gt_label=label, sample_idx=0)


def test_every_sample_is_scored_known_answer(segmenter_state):
    metric = _metric(segmenter_state)
    metric.predict = _red_segmenter
    metric.process(None, [_known_case()])
    scores = metric.compute_metrics(metric.results)
    # 32 labelled pixels, 24 right: aAcc 75 %. Class 1: intersection 24,
    # union 24 + 32 - 24 = 32 -> IoU 0.75; class 2: predicted on 8 pixels,
    # never right -> IoU 0; classes 0, 3, 4 absent (NaN, left out).
    # mAcc: class 1 24/32; class 2 has no labelled pixel (NaN).
    assert scores == dict(mIoU=37.5, aAcc=75.0, mAcc=75.0)
    assert metric.results[0]['num_samples'] == 2

    only_first = _metric(segmenter_state, score_samples=False)
    only_first.predict = _red_segmenter
    only_first.process(None, [_known_case()])
    assert only_first.compute_metrics(only_first.results) == dict(
        mIoU=100.0, aAcc=100.0, mAcc=100.0)


def test_k_samples_equal_k_copies_of_the_layout(segmenter_state):
    """Scoring K samples of N layouts = scoring N*K (layout, image) pairs
    one image each, with the real (tiny) segmenter."""
    g = torch.Generator().manual_seed(3)
    n, k, h, w = 3, 4, 32, 48
    labels = torch.randint(0, NUM_CLASSES, (n, 1, h // 8, w // 8),
                           generator=g)
    labels = labels.repeat_interleave(8, 2).repeat_interleave(8, 3)
    labels[0, 0, :8] = 255  # ignored pixels
    imgs = torch.randint(0, 256, (n, k, 3, h, w), generator=g,
                         dtype=torch.uint8)
    samples = [dict(fake_img=imgs[i, 0], fake_imgs=imgs[i],
                    gt_label=labels[i], sample_idx=i) for i in range(n)]
    ours = _metric(segmenter_state)
    ours.process(None, samples[:2])
    ours.process(None, samples[2:] + samples[:1])  # padded duplicate
    pooled = ours.compute_metrics(ours.results)
    ref = _metric(segmenter_state)
    ref.process(None, [dict(fake_img=imgs[i, j], gt_label=labels[i],
                            sample_idx=i * k + j)
                       for i in range(n) for j in range(k)])
    assert pooled == ref.compute_metrics(ref.results)
    first = _metric(segmenter_state, score_samples=False)
    first.process(None, samples)
    assert first.compute_metrics(first.results) != pooled


def test_auto_mode_and_errors(segmenter_state):
    case = _known_case()
    # No samples: fake_img as before, in auto mode.
    auto = _metric(segmenter_state)
    auto.predict = _red_segmenter
    auto.process(None, [{k: v for k, v in case.items() if k != 'fake_imgs'}])
    assert auto.results[0]['num_samples'] == 1
    # fake_key='gt_img' (the segmenter's own accuracy) ignores the samples.
    real = _metric(segmenter_state, fake_key='gt_img')
    real.predict = _red_segmenter
    real.process(None, [case])
    assert real.compute_metrics(real.results)['aAcc'] == 100.0
    forced = _metric(segmenter_state, score_samples=True)
    with pytest.raises(KeyError, match='--num-samples'):
        forced.process(None, [{k: v for k, v in case.items()
                               if k != 'fake_imgs'}])
    with pytest.raises(ValueError, match='K, 3, H, W'):
        forced.process(None, [dict(case, fake_imgs=case['fake_img'])])
    with pytest.raises(ValueError, match='score_samples'):
        _metric(segmenter_state, score_samples='yes')
