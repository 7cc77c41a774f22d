import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio

from mmsemsyn.evaluation.metrics.cross_view import (
    CrossViewScores,
    inception_score,
    protocol_psnr,
    protocol_ssim,
    sharpness_difference,
)


def test_inception_score_limits():
    assert inception_score(np.full((4, 10), 0.1)) == pytest.approx(1.0)
    onehot = np.full((4, 10), 1e-12)
    onehot[np.arange(4), np.arange(4)] = 1
    assert inception_score(onehot) == pytest.approx(4.0, rel=1e-6)
    # top-1 keeps only the argmax of each image (rest -> 1e-9).
    probs = np.random.default_rng(0).dirichlet(np.ones(10), 6)
    assert inception_score(probs, 1) != inception_score(probs)


def test_pixel_scores_follow_protocol_scaling():
    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    fake = np.clip(real.astype(int) + rng.integers(-20, 20, real.shape), 0,
                   255).astype(np.uint8)
    ref = peak_signal_noise_ratio(real, fake, data_range=255) + \
        20 * np.log10(255 / 128)
    assert protocol_psnr(real, fake) == pytest.approx(ref, abs=1e-9)
    assert protocol_ssim(real, real) == pytest.approx(1.0)
    assert protocol_ssim(real, fake) < 1
    assert protocol_ssim(real, fake) == pytest.approx(
        protocol_ssim(fake, real))
    # SD by hand on a 3x3 image: one interior pixel, dx/dy one step.
    a = np.zeros((3, 3, 1), np.uint8)
    b = a.copy()
    b[1, 1] = 255
    g = (1.0 + 1.0) * 128 * 128 / 9
    assert sharpness_difference(a, b) == pytest.approx(
        10 * np.log10(255 ** 2 / g))


def test_cross_view_metric_on_identical_images():
    torch.manual_seed(0)
    metric = CrossViewScores(allow_random=True, device='cpu')
    g = torch.Generator().manual_seed(0)
    imgs = torch.randint(0, 256, (3, 3, 64, 96), generator=g,
                         dtype=torch.uint8)
    samples = [dict(fake_img=x, gt_img=x, sample_idx=i)
               for i, x in enumerate(imgs)]
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert out['acc_top1'] == 100 and out['acc_top5'] == 100
    assert out['KL'] == pytest.approx(1.0) and out['KL_std'] < 1e-9
    assert out['SSIM'] == pytest.approx(1.0)
    assert out['IS_all'] >= 1
    with pytest.raises(FileNotFoundError, match='alexnet_places365'):
        CrossViewScores(classifier_path='/nonexistent/alexnet_places365.pth')
