"""PSNR / SSIM / MSE / RMSE between generated and real photos."""
from typing import List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmsemsyn.registry import METRICS


@METRICS.register_module()
class PixelMetrics(BaseMetric):
    """Per-image PSNR, SSIM, MSE and RMSE averaged over the dataset.

    Images are uint8 RGB, compared at data range 255 with scikit-image's
    definitions (SSIM: 7x7 uniform window, channel_axis=-1), the protocol of
    the denoising-GAN and Lab2Pix tables.
    """

    default_prefix = 'pixel'

    def __init__(self, metrics: Sequence[str] = ('PSNR', 'SSIM', 'MSE',
                                                'RMSE'),
                 fake_key: str = 'fake_img', real_key: str = 'gt_img',
                 collect_device: str = 'cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        unknown = set(metrics) - {'PSNR', 'SSIM', 'MSE', 'RMSE'}
        if unknown:
            raise ValueError(f'Unknown pixel metrics {sorted(unknown)}; '
                             'choose from PSNR, SSIM, MSE, RMSE.')
        self.metrics = tuple(metrics)
        self.fake_key = fake_key
        self.real_key = real_key

    def process(self, data_batch, data_samples: Sequence) -> None:
        from skimage.metrics import (mean_squared_error,
                                     peak_signal_noise_ratio,
                                     structural_similarity)
        for sample in data_samples:
            fake = np.asarray(sample[self.fake_key]).transpose(1, 2, 0)
            real = np.asarray(sample[self.real_key]).transpose(1, 2, 0)
            mse = mean_squared_error(real.astype(np.float64),
                                     fake.astype(np.float64))
            result = dict(MSE=mse, RMSE=np.sqrt(mse))
            result['PSNR'] = peak_signal_noise_ratio(real, fake,
                                                     data_range=255) \
                if mse > 0 else float('inf')
            if 'SSIM' in self.metrics:
                result['SSIM'] = structural_similarity(
                    real, fake, data_range=255, channel_axis=-1)
            self.results.append({k: float(result[k]) for k in self.metrics})

    def compute_metrics(self, results: List[dict]) -> dict:
        return {k: float(np.mean([r[k] for r in results]))
                for k in self.metrics}
