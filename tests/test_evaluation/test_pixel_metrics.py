import numpy as np
import pytest
import torch
from skimage.metrics import (
    mean_squared_error,
    peak_signal_noise_ratio,
    structural_similarity,
)

from mmsemsyn.evaluation.metrics.pixel_metrics import PixelMetrics


def test_pixel_metrics_equal_scikit_image():
    g = torch.Generator().manual_seed(0)
    real = torch.randint(0, 256, (3, 3, 24, 20), generator=g,
                         dtype=torch.uint8)
    fake = (real.int() + torch.randint(-30, 30, real.shape, generator=g)
            ).clamp(0, 255).to(torch.uint8)
    samples = [dict(fake_img=f, gt_img=r, sample_idx=i)
               for i, (f, r) in enumerate(zip(fake, real))]
    metric = PixelMetrics()
    metric.process(None, samples[:2])
    metric.process(None, samples[2:] + samples[:1])  # padded duplicate
    out = metric.compute_metrics(metric.results)
    ref = {k: [] for k in ('PSNR', 'SSIM', 'MSE', 'RMSE')}
    for f, r in zip(fake, real):
        f, r = f.permute(1, 2, 0).numpy(), r.permute(1, 2, 0).numpy()
        mse = mean_squared_error(r.astype(float), f.astype(float))
        ref['MSE'].append(mse)
        ref['RMSE'].append(np.sqrt(mse))
        ref['PSNR'].append(peak_signal_noise_ratio(r, f, data_range=255))
        ref['SSIM'].append(structural_similarity(r, f, data_range=255,
                                                 channel_axis=-1))
    for k, v in ref.items():
        assert out[k] == pytest.approx(np.mean(v), abs=1e-9), k


def test_pixel_metrics_bad_input():
    with pytest.raises(ValueError, match='LPIPS'):
        PixelMetrics(metrics=['LPIPS'])
    metric = PixelMetrics()
    with pytest.raises(TypeError, match='uint8'):
        metric.process(None, [dict(fake_img=torch.zeros(3, 8, 8),
                                   gt_img=torch.zeros(3, 8, 8))])
