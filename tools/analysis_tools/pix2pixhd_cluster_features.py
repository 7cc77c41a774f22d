"""Cluster pix2pixHD instance features into per-class styles (Sec. 3.4).

Runs the trained instance-feature encoder over the training set, keeps the
instances larger than ``h * w / 64`` pixels (the official ``encode_features``
threshold: area / (h*w/32) > 0.5), and runs K-means (K = 10, scikit-learn,
``random_state=0``) on each semantic class's features (class = id // 1000
for ids >= 1000, the id itself below). Writes

- ``<out>``: ``{class_id: (k, feat_num) centres}`` as an ``.npz`` (one
  ``class_<id>`` array per class; not a pickle like the official
  ``features_clustered_010.npy``, so reading it cannot run code), loadable
  with ``--cfg-options model.encoder.cluster_file=<out>``;
- ``<checkpoint>_clustered.pth`` (``--save-checkpoint``): the checkpoint
  with the centres in the encoder's ``cluster_*`` buffers, so the styles
  travel with the model.

Usage::

    python tools/analysis_tools/pix2pixhd_cluster_features.py \\
        CONFIG CHECKPOINT [--out FILE] [--save-checkpoint]
"""
import argparse
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Union

import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate

import mmsemsyn  # noqa: F401
from mmsemsyn.dataset_facts import resolve_channels
from mmsemsyn.engine.checkpoint import TRAINING_ONLY, load_model_checkpoint
from mmsemsyn.engine.launch import load_config
from mmsemsyn.fileio import (
    atomic_torch_save,
    load_checkpoint_file,
    save_cluster_centers,
)
from mmsemsyn.models.encoders.instance_feature_encoder import instance_class
from mmsemsyn.registry import DATASETS, MODELS
from mmsemsyn.utils import register_all_modules

# Random geometry is switched off while encoding (the official tool sets
# no_flip and serial batches).
RANDOM_TRANSFORMS = ('PairedFlip', 'PairedRandomCrop')


def parse_args():
    parser = argparse.ArgumentParser(
        description='K-means of pix2pixHD instance features per class')
    parser.add_argument('config', help='a pix2pixHD *-feat config')
    parser.add_argument('checkpoint', help='its trained checkpoint (.pth)')
    parser.add_argument('--out', help='output .npz (default: '
                        'features_clustered_<K>.npz next to the checkpoint)')
    parser.add_argument('--n-clusters', type=int, default=10,
                        help='K of the per-class K-means (official: 10)')
    parser.add_argument('--min-area-ratio', type=float, default=1 / 64,
                        help='keep instances larger than this fraction of '
                        'the image (official: 1/64)')
    parser.add_argument('--max-samples', type=int, default=None,
                        help='encode only the first N training samples')
    parser.add_argument('--save-checkpoint', action='store_true',
                        help='also write <checkpoint>_clustered.pth with '
                        'the centres in the encoder buffers')
    parser.add_argument('--device', default='cpu',
                        help='e.g. cpu, cuda:0')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings (unknown keys stop '
                        'with the nearest valid names)')
    return parser.parse_args()


@torch.no_grad()
def collect_instance_features(model, dataset, max_samples=None,
                              min_area_ratio: float = 1 / 64
                              ) -> Dict[int, np.ndarray]:
    """One feature vector per large-enough instance, grouped by class."""
    if getattr(model, 'encoder', None) is None:
        raise ValueError('The model has no instance-feature encoder; use a '
                         '*-feat config and its checkpoint.')
    model.eval()
    num_classes = model.data_preprocessor.num_classes
    features: Dict[int, List[np.ndarray]] = defaultdict(list)
    n = len(dataset) if max_samples is None else min(max_samples,
                                                     len(dataset))
    from mmsemsyn.progress import track
    for i in track(range(n)):
        data = model.data_preprocessor(pseudo_collate([dataset[i]]), False)
        inputs = data['inputs']
        if 'inst' not in inputs or 'img' not in inputs:
            raise KeyError('The dataset pipeline must load the instance map '
                           'and the photo (LoadInstanceMap, LoadSynImage).')
        feat = model.encoder(inputs['img'], inputs['inst'])[0]
        inst = inputs['inst'][0]
        h, w = inst.shape
        ids, counts = torch.unique(inst, return_counts=True)
        for inst_id, count in zip(ids.tolist(), counts.tolist()):
            label = instance_class(int(inst_id))
            if label >= num_classes or count <= min_area_ratio * h * w:
                continue
            # Pooled features are constant inside an instance.
            y, x = [int(v[count // 2]) for v in torch.nonzero(
                inst == inst_id, as_tuple=True)]
            features[label].append(feat[:, y, x].cpu().numpy())
    return {k: np.stack(v) for k, v in features.items()}


def cluster_features(features: Dict[int, np.ndarray],
                     n_clusters: int = 10) -> Dict[int, np.ndarray]:
    """K-means per class (K = min(#instances, n_clusters), seed 0)."""
    from sklearn.cluster import KMeans  # heavy; only this tool needs it
    centers = {}
    for label, feat in sorted(features.items()):
        k = min(len(feat), n_clusters)
        # n_init=10 is the scikit-learn default the official tool ran with.
        kmeans = KMeans(n_clusters=k, random_state=0, n_init=10).fit(feat)
        centers[int(label)] = kmeans.cluster_centers_.astype(np.float32)
    return centers


def build_dataset(cfg):
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg['pipeline'] = [
        t for t in ds_cfg.get('pipeline', [])
        if t.get('type') not in RANDOM_TRANSFORMS
    ]
    return DATASETS.build(ds_cfg)


def save_clustered_checkpoint(checkpoint: Union[str, dict], model,
                              out: str) -> None:
    """Write ``checkpoint`` (a file, or the checkpoint already read) to
    ``out`` with the encoder's cluster buffers of ``model``, atomically."""
    ckpt = load_checkpoint_file(checkpoint) if isinstance(checkpoint, str) \
        else checkpoint
    state = ckpt['state_dict'] if 'state_dict' in ckpt else ckpt
    for name in ('cluster_centers', 'cluster_counts'):
        state[f'encoder.{name}'] = getattr(model.encoder, name).cpu()
    atomic_torch_save(ckpt, out)


def main():
    args = parse_args()
    register_all_modules(init_default_scope=True)
    cfg = load_config(args.config, args.cfg_options)
    cfg.model.pop('pretrained_global', None)  # the checkpoint has it all
    # Channel counts a config leaves to the data, as tools/train.py does.
    resolve_channels(cfg, args.config)
    model = MODELS.build(cfg.model)
    # Read once, checked against the model (a checkpoint of another model
    # stops with the keys named; the discriminator and losses are unused).
    ckpt = load_model_checkpoint(model, args.checkpoint, args.config,
                                 skip=TRAINING_ONLY)
    model.to(args.device)
    dataset = build_dataset(cfg)
    features = collect_instance_features(model, dataset, args.max_samples,
                                         args.min_area_ratio)
    if not features:
        raise RuntimeError('No instance is large enough to cluster; lower '
                           '--min-area-ratio or check the instance maps.')
    centers = cluster_features(features, args.n_clusters)
    out = args.out or osp.join(
        osp.dirname(args.checkpoint),
        f'features_clustered_{args.n_clusters:03d}.npz')
    save_cluster_centers(centers, out)
    summary = ', '.join(f'{k}: {len(features[k])} inst -> {len(v)}'
                        for k, v in centers.items())
    print(f'Saved per-class centres to {out} ({summary}).')
    if args.save_checkpoint:
        model.encoder.set_clusters(centers)
        ckpt_out = osp.splitext(args.checkpoint)[0] + '_clustered.pth'
        save_clustered_checkpoint(ckpt, model, ckpt_out)
        print(f'Saved {ckpt_out} with the centres in the encoder buffers.')
    print(f'Use them with --cfg-options model.encoder.cluster_file={out}')


if __name__ == '__main__':
    main()
