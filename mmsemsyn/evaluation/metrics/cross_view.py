"""Cross-view translation scores (the SelectionGAN protocol, LGGAN Tab. 1-2).

Classification scores use the Places365 AlexNet on the generated and the
real ground-level image:

- Inception Score (all / top-1 / top-5): ``exp(mean_i KL(p_i || p_mean))``
  over the generated set in one split; for top-k every probability outside
  an image's k largest is replaced by 1e-9 (not renormalised), as in the
  protocol's script.
- Accuracy top-1 / top-5 (%): the real image's top-1 class is among the
  generated image's top-k classes; also over the images whose real top-1
  confidence exceeds 0.5 (``*_conf`` -- the second column of each pair).
- KL: ``exp(mean_i KL(p_fake_i || p_real_i))`` and the std of the per-image
  KL (the "a +- b" of the tables).

Pixel scores follow the protocol's Torch7 code (images in [0, 1]):

- SSIM on the luma channel (Y = .299R + .587G + .114B, in [0, 255]), 11x11
  Gaussian window (sigma 1.5), *full* 2-D convolution (zero padded),
  K = (0.01, 0.03), mean of the whole map.
- PSNR = 10 log10(255^2 / (128^2 * MSE)), MSE of [0, 1] images (the
  protocol's scaling; ~6 dB above the textbook PSNR).
- Sharpness difference SD = 10 log10(255^2 / (128^2 * G)), G the mean
  |(|dx fake| - |dx real|)| + |(|dy fake| - |dy real|)| over the interior
  pixels, divided by all C*H*W (Mathieu et al. 2016).
"""
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmsemsyn.models.pretrained.places_alexnet import (
    build_places365_alexnet,
    places_preprocess,
)
from mmsemsyn.registry import METRICS
from .utils import default_device, get_field, sample_index, unique_by_index

_EPS = 1e-9


def inception_score(probs: np.ndarray, topk: Optional[int] = None) -> float:
    p = probs.copy()
    if topk is not None:
        keep = np.argsort(-p, axis=1)[:, :topk]
        mask = np.zeros_like(p, dtype=bool)
        np.put_along_axis(mask, keep, True, axis=1)
        p[~mask] = _EPS
    marginal = p.mean(0, keepdims=True)
    kl = (p * (np.log(p) - np.log(marginal))).sum(1)
    return float(np.exp(kl.mean()))


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    r = np.arange(size) - (size - 1) / 2
    g = np.exp(-(r[:, None] ** 2 + r[None] ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def protocol_ssim(real: np.ndarray, fake: np.ndarray) -> float:
    """SSIM of (H, W, 3) uint8 images as the protocol's Torch7 code."""
    from scipy.signal import convolve2d
    luma = np.array([0.299, 0.587, 0.114])
    x = real.astype(np.float64) @ luma
    y = fake.astype(np.float64) @ luma
    w = _gaussian_window()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def conv(a):
        return convolve2d(a, w, mode='full')

    mx, my = conv(x), conv(y)
    sxx = conv(x * x) - mx * mx
    syy = conv(y * y) - my * my
    sxy = conv(x * y) - mx * my
    ssim_map = ((2 * mx * my + c1) * (2 * sxy + c2)) / (
        (mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(ssim_map.mean())


def _to_db(err: float) -> float:
    return float(10 * np.log10(255.0 ** 2 / max(err, 1e-4)))


def protocol_psnr(real: np.ndarray, fake: np.ndarray) -> float:
    x, y = real.astype(np.float64) / 255, fake.astype(np.float64) / 255
    return _to_db(128 * 128 * np.mean((x - y) ** 2))


def sharpness_difference(real: np.ndarray, fake: np.ndarray) -> float:
    x, y = real.astype(np.float64) / 255, fake.astype(np.float64) / 255

    def grads(a):  # |a[i, j] - a[i, j-1]|, |a[i, j] - a[i-1, j]|
        gx = np.abs(a[1:-1, 1:-1] - a[1:-1, :-2])
        gy = np.abs(a[1:-1, 1:-1] - a[:-2, 1:-1])
        return gx, gy

    (fx, fy), (rx, ry) = grads(y), grads(x)
    total = np.abs(fx - rx).sum() + np.abs(fy - ry).sum()
    return _to_db(128 * 128 * total / x.size)


@METRICS.register_module(name=['CrossViewScores', 'CrossView'])
class CrossViewScores(BaseMetric):
    """All cross-view scores of LGGAN's Tables 1-2 (see module docstring).

    Args:
        classifier_path: local CSAIL ``alexnet_places365.pth.tar``; None
            downloads it.
        allow_random: random classifier (tests only).
        fake_key / real_key: data-sample fields compared.
    """

    default_prefix = 'crossview'

    def __init__(self, classifier_path: Optional[str] = None,
                 allow_random: bool = False,
                 fake_key: str = 'fake_img', real_key: str = 'gt_img',
                 device: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.device = torch.device(device) if device else default_device()
        self.classifier = build_places365_alexnet(
            classifier_path, allow_random).to(self.device)
        self.fake_key = fake_key
        self.real_key = real_key

    @torch.no_grad()
    def _probs(self, imgs: torch.Tensor) -> np.ndarray:
        x = places_preprocess(imgs.to(self.device))
        with torch.autocast(device_type=x.device.type, enabled=False):
            logits = self.classifier(x.float())
        return logits.softmax(1).double().cpu().numpy()

    def process(self, data_batch, data_samples: Sequence) -> None:
        fake = torch.stack([torch.as_tensor(get_field(s, self.fake_key))
                            for s in data_samples])
        real = torch.stack([torch.as_tensor(get_field(s, self.real_key))
                            for s in data_samples])
        p_fake, p_real = self._probs(fake), self._probs(real)
        for i, sample in enumerate(data_samples):
            f = fake[i].permute(1, 2, 0).numpy()
            r = real[i].permute(1, 2, 0).numpy()
            self.results.append(dict(
                sample_idx=sample_index(sample), p_fake=p_fake[i],
                p_real=p_real[i], SSIM=protocol_ssim(r, f),
                PSNR=protocol_psnr(r, f), SD=sharpness_difference(r, f)))

    def compute_metrics(self, results: List[dict]) -> dict:
        results = unique_by_index(results)
        p_fake = np.stack([r['p_fake'] for r in results])
        p_real = np.stack([r['p_real'] for r in results])
        real_top1 = p_real.argmax(1)
        confident = p_real.max(1) > 0.5
        order = np.argsort(-p_fake, axis=1)
        out = {}
        for k in (1, 5):
            hit = (order[:, :k] == real_top1[:, None]).any(1)
            out[f'acc_top{k}'] = float(hit.mean() * 100)
            out[f'acc_top{k}_conf'] = float(hit[confident].mean() * 100) \
                if confident.any() else float('nan')
        out['IS_all'] = inception_score(p_fake)
        out['IS_top1'] = inception_score(p_fake, 1)
        out['IS_top5'] = inception_score(p_fake, 5)
        kl = (p_fake * (np.log(p_fake) - np.log(p_real))).sum(1)
        out['KL'] = float(np.exp(kl.mean()))
        out['KL_std'] = float(kl.std())
        for key in ('SSIM', 'PSNR', 'SD'):
            out[key] = float(np.mean([r[key] for r in results]))
        return out
