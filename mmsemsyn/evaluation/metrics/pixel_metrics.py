"""PSNR / SSIM / MSE / RMSE between generated and real photos."""
from typing import List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmsemsyn.registry import METRICS
from .utils import get_field, sample_index, unique_by_index


@METRICS.register_module()
class PixelMetrics(BaseMetric):
    """Per-image PSNR, SSIM, MSE and RMSE averaged over the dataset.

    Images are uint8 RGB, compared at data range 255 with scikit-image's
    definitions (SSIM: 7x7 uniform window, channel_axis=-1), the protocol of
    the denoising-GAN and Lab2Pix tables. PSNR of two identical images is
    ``inf`` (as in scikit-image). Samples repeated by the distributed sampler
    are counted once.

    Args:
        scale: the units of MSE/RMSE: ``'[0,255]'`` (default) or ``'[0,1]'``
            (images divided by 255 first: the denoising GAN's Tables I-III,
            e.g. Cityscapes MSE 0.01677 / RMSE 0.1250 at PSNR 18.33). PSNR
            and SSIM do not depend on it (both are computed relative to the
            data range).
    """

    default_prefix = 'pixel'

    def __init__(self, metrics: Sequence[str] = ('PSNR', 'SSIM', 'MSE',
                                                'RMSE'),
                 fake_key: str = 'fake_img', real_key: str = 'gt_img',
                 collect_device: str = 'cpu', prefix=None,
                 scale: str = '[0,255]'):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if scale not in ('[0,255]', '[0,1]'):
            raise ValueError(f"PixelMetrics scale={scale!r}: use '[0,255]' "
                             "or '[0,1]' (the unit of MSE/RMSE).")
        self.scale = scale
        unknown = set(metrics) - {'PSNR', 'SSIM', 'MSE', 'RMSE'}
        if unknown:
            raise ValueError(f'Unknown pixel metrics {sorted(unknown)}; '
                             'choose from PSNR, SSIM, MSE, RMSE.')
        self.metrics = tuple(metrics)
        self.fake_key = fake_key
        self.real_key = real_key

    def process(self, data_batch, data_samples: Sequence) -> None:
        from skimage.metrics import (
            mean_squared_error,
            peak_signal_noise_ratio,
            structural_similarity,
        )
        for sample in data_samples:
            fake = np.asarray(get_field(sample, self.fake_key)).transpose(
                1, 2, 0)
            real = np.asarray(get_field(sample, self.real_key)).transpose(
                1, 2, 0)
            if fake.dtype != np.uint8 or real.dtype != np.uint8:
                raise TypeError(
                    f'PixelMetrics compares uint8 RGB images (data range '
                    f'255); got {fake.dtype} {self.fake_key!r} and '
                    f'{real.dtype} {self.real_key!r}.')
            mse = mean_squared_error(real.astype(np.float64),
                                     fake.astype(np.float64))
            if self.scale == '[0,1]':
                mse = mse / 255.0**2
            result = dict(MSE=mse, RMSE=np.sqrt(mse))
            result['PSNR'] = peak_signal_noise_ratio(real, fake,
                                                     data_range=255) \
                if mse > 0 else float('inf')
            if 'SSIM' in self.metrics:
                result['SSIM'] = structural_similarity(
                    real, fake, data_range=255, channel_axis=-1)
            result = {k: float(result[k]) for k in self.metrics}
            result['sample_idx'] = sample_index(sample)
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> dict:
        results = unique_by_index(results)
        return {k: float(np.mean([r[k] for r in results]))
                for k in self.metrics}
