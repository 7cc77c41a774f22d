"""Frechet Inception Distance, equal to pytorch-fid on saved PNG folders."""
import hashlib
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmsemsyn.models.pretrained.inception import (
    build_fid_inception,
    inception_features,
)
from mmsemsyn.registry import METRICS
from .utils import default_device, get_field, sample_index, unique_by_index


def activation_statistics(feats: np.ndarray):
    """(mu, sigma) exactly as pytorch-fid's calculate_activation_statistics."""
    return np.mean(feats, axis=0), np.cov(feats, rowvar=False)


@METRICS.register_module(name=['FrechetInceptionDistance', 'FID'])
class FrechetInceptionDistance(BaseMetric):
    """FID (Heusel et al. 2017) between generated and real test images.

    The protocol of SPADE / pix2pixHD / LGGAN / Lab2Pix tables: pytorch-fid's
    TF-ported Inception, pool3 features, generated images against the real
    images of the same test set **at the generated resolution** (``gt_img``
    after the test pipeline). Both sides go through the same uint8 ->
    ``/255`` -> bilinear-299 path as pytorch-fid reading PNG files, so the
    value equals ``python -m pytorch_fid real_pngs/ fake_pngs/``.

    Real statistics are computed in the same pass (one Inception forward per
    real image, sharded like the generated images and deduplicated by
    dataset index after the gather). With ``real_stats_dir`` they are also
    written there in pytorch-fid's ``.npz`` format (``mu``/``sigma``), named
    by a hash of the real images' content, the Inception weights and the
    feature size -- never of the process count; a later run whose real
    images hash the same reads them back instead of recomputing the
    statistics. Within one run (validation every N iterations) each real
    image's Inception features are computed once and reused. Give such a
    file (or one from ``python -m pytorch_fid --save-stats``) as
    ``real_stats_file`` to skip the real images entirely.

    Args:
        inception_path: local pytorch-fid weights file; None downloads them
            from pytorch-fid's release URL.
        allow_random: random Inception weights (tests only).
        dims: 2048 (pool3, standard), 768, 192 or 64.
        fake_key / real_key: data-sample fields compared.
        real_stats_file: precomputed ``.npz`` (mu, sigma) of the real set.
        real_stats_dir: where to cache the real statistics (None: no cache).
        device: where the Inception runs (default: cuda if available).
    """

    default_prefix = 'FID'

    def __init__(self,
                 inception_path: Optional[str] = None,
                 allow_random: bool = False,
                 dims: int = 2048,
                 fake_key: str = 'fake_img',
                 real_key: str = 'gt_img',
                 real_stats_file: Optional[str] = None,
                 real_stats_dir: Optional[str] = None,
                 device: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if real_stats_file is not None and not osp.isfile(real_stats_file):
            raise FileNotFoundError(
                f'FID real statistics {real_stats_file!r} do not exist; '
                'remove real_stats_file to compute them from the test set.')
        self.inception_path = inception_path
        self.allow_random = allow_random
        self.dims = dims
        self.fake_key = fake_key
        self.real_key = real_key
        self.real_stats_file = real_stats_file
        self.real_stats_dir = real_stats_dir
        self.device = torch.device(device) if device else default_device()
        # Built now so that missing weights stop the run before inference.
        # The metric owns the network: it is never part of the model, its
        # checkpoints or its DDP wrapper.
        self.inception = build_fid_inception(inception_path, allow_random,
                                             dims).to(self.device)
        self.weights_id = osp.basename(inception_path) if inception_path \
            else ('random' if allow_random else 'pt_inception-2015-12-05')
        self._real_feature_cache = {}  # md5 of a real image -> feature

    def _features(self, data_samples, key) -> np.ndarray:
        imgs = torch.stack([torch.as_tensor(get_field(s, key))
                            for s in data_samples])
        return inception_features(self.inception, imgs).numpy()

    def _real_features(self, data_samples) -> List[tuple]:
        """(md5, feature) of each real image. A metric object lives as long
        as its Runner, so validation during training meets the same real
        images again and again: their features are kept by content hash
        and the Inception runs only on images it has not seen."""
        hashes = [hashlib.md5(np.ascontiguousarray(
            get_field(s, self.real_key)).tobytes()).hexdigest()
            for s in data_samples]
        todo = [i for i, h in enumerate(hashes)
                if h not in self._real_feature_cache]
        if todo:
            feats = self._features([data_samples[i] for i in todo],
                                   self.real_key)
            for i, feat in zip(todo, feats):
                self._real_feature_cache[hashes[i]] = feat
        return [(h, self._real_feature_cache[h]) for h in hashes]

    def process(self, data_batch, data_samples: Sequence) -> None:
        fake = self._features(data_samples, self.fake_key)
        real = None if self.real_stats_file else self._real_features(
            data_samples)
        for i, sample in enumerate(data_samples):
            result = dict(sample_idx=sample_index(sample), fake=fake[i])
            if real is not None:
                result['real_md5'], result['real'] = real[i]
            self.results.append(result)

    # ---- real statistics -------------------------------------------------
    def _real_cache_path(self, results: List[dict]) -> Optional[str]:
        if self.real_stats_dir is None:
            return None
        key = hashlib.md5()
        key.update(f'{self.weights_id}|{self.dims}|{len(results)}'.encode())
        for r in results:  # dataset order: independent of the rank count
            key.update(r['real_md5'].encode())
        return osp.join(self.real_stats_dir,
                        f'fid_real_stats_{key.hexdigest()}.npz')

    def real_statistics(self, results: List[dict]):
        if self.real_stats_file is not None:
            with np.load(self.real_stats_file) as f:
                return f['mu'][:], f['sigma'][:]
        path = self._real_cache_path(results)
        if path is not None and osp.isfile(path):
            print_log(f'FID: real statistics from cache {path}',
                      logger='current')
            with np.load(path) as f:
                return f['mu'][:], f['sigma'][:]
        mu, sigma = activation_statistics(
            np.stack([r['real'] for r in results]))
        if path is not None and is_main_process():
            os.makedirs(self.real_stats_dir, exist_ok=True)
            tmp = path + f'.tmp{os.getpid()}.npz'
            np.savez(tmp, mu=mu, sigma=sigma)
            os.replace(tmp, path)  # never a half-written cache file
        return mu, sigma

    def compute_metrics(self, results: List[dict]) -> dict:
        from pytorch_fid.fid_score import calculate_frechet_distance
        results = unique_by_index(results)
        if len(results) < 2:
            raise ValueError(f'FID needs at least 2 images, got '
                             f'{len(results)}.')
        mu_fake, sigma_fake = activation_statistics(
            np.stack([r['fake'] for r in results]))
        mu_real, sigma_real = self.real_statistics(results)
        fid = calculate_frechet_distance(mu_fake, sigma_fake, mu_real,
                                         sigma_real)
        return dict(fid=float(fid))
