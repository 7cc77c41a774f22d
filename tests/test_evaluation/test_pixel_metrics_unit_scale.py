"""PixelMetrics' scale option: MSE/RMSE of images scaled to [0, 1] (the
denoising GAN's tables), PSNR and SSIM unchanged."""
import numpy as np
import pytest
import torch
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio

from mmsemsyn.evaluation.metrics.pixel_metrics import PixelMetrics


def run(metric, samples):
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def test_unit_scale_divides_mse_by_255_squared():
    g = torch.Generator().manual_seed(1)
    real = torch.randint(0, 256, (2, 3, 16, 16), generator=g,
                         dtype=torch.uint8)
    fake = (real.int() + torch.randint(-40, 40, real.shape, generator=g)
            ).clamp(0, 255).to(torch.uint8)
    samples = [dict(fake_img=f, gt_img=r, sample_idx=i)
               for i, (f, r) in enumerate(zip(fake, real))]
    full = run(PixelMetrics(), samples)
    unit = run(PixelMetrics(scale='[0,1]'), samples)
    mse = [mean_squared_error(r.numpy() / 255.0, f.numpy() / 255.0)
           for f, r in zip(fake, real)]
    assert unit['MSE'] == pytest.approx(np.mean(mse), rel=1e-9)
    assert unit['RMSE'] == pytest.approx(np.mean(np.sqrt(mse)), rel=1e-9)
    assert unit['MSE'] == pytest.approx(full['MSE'] / 255**2, rel=1e-9)
    assert unit['PSNR'] == pytest.approx(full['PSNR'])
    assert unit['SSIM'] == pytest.approx(full['SSIM'])
    # PSNR on [0, 1] floats with data range 1 is the same number
    ref = np.mean([peak_signal_noise_ratio(r.numpy() / 255.0,
                                           f.numpy() / 255.0, data_range=1)
                   for f, r in zip(fake, real)])
    assert unit['PSNR'] == pytest.approx(ref)


def test_paper_row_is_consistent_with_unit_scale():
    """Table II: PSNR 18.3344 <-> MSE 0.01677 only on [0, 1] images
    (PSNR = 10 log10(1 / MSE), up to per-image averaging)."""
    assert 10 * np.log10(1 / 0.01677) == pytest.approx(17.75, abs=0.01)
    assert 10 * np.log10(1 / 0.01677) < 18.3344  # mean of per-image PSNRs


def test_bad_scale_is_a_clear_error():
    with pytest.raises(ValueError, match=r"scale='0-1'"):
        PixelMetrics(scale='0-1')
