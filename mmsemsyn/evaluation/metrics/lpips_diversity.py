"""Diversity of multi-modal synthesis: mean pairwise LPIPS."""
import itertools
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmsemsyn.models.pretrained.lpips_net import build_lpips
from mmsemsyn.registry import METRICS
from .utils import default_device, get_field, sample_index, unique_by_index


@METRICS.register_module(name=['LPIPSDiversity', 'LPIPS-Diversity'])
class LPIPSDiversity(BaseMetric):
    """Mean LPIPS distance between the K samples generated per label map.

    For each input, LPIPS (Zhang et al. 2018, AlexNet, v0.1) is averaged over
    all K(K-1)/2 pairs of its generated samples; the score is the mean over
    the test set (higher = more diverse). The K samples come from
    ``tools/test.py --num-samples K`` (``fake_imgs`` of each data sample).
    """

    default_prefix = 'diversity'

    def __init__(self, net: str = 'alex',
                 backbone_path: Optional[str] = None,
                 allow_random: bool = False,
                 samples_key: str = 'fake_imgs',
                 device: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.device = torch.device(device) if device else default_device()
        self.lpips = build_lpips(net, backbone_path, allow_random).to(
            self.device)
        self.samples_key = samples_key

    @torch.no_grad()
    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            try:
                imgs = torch.as_tensor(get_field(sample, self.samples_key))
            except KeyError:
                raise KeyError(
                    f'LPIPSDiversity needs {self.samples_key!r} (K samples '
                    'per input): run tools/test.py with --num-samples K, '
                    'K >= 2.') from None
            if imgs.dim() != 4 or imgs.shape[0] < 2:
                raise ValueError(
                    f'LPIPSDiversity needs >= 2 samples per input, got '
                    f'{tuple(imgs.shape)}; use --num-samples K with K >= 2.')
            x = imgs.to(self.device).float() / 127.5 - 1  # LPIPS: [-1, 1]
            pairs = list(itertools.combinations(range(x.shape[0]), 2))
            a = x[[i for i, _ in pairs]]
            b = x[[j for _, j in pairs]]
            dist = self.lpips(a, b).flatten()
            self.results.append(dict(sample_idx=sample_index(sample),
                                     lpips=float(dist.mean())))

    def compute_metrics(self, results: List[dict]) -> dict:
        results = unique_by_index(results)
        return dict(lpips=float(np.mean([r['lpips'] for r in results])))
