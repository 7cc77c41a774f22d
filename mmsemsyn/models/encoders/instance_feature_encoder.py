"""pix2pixHD instance-level feature encoder (Wang et al. 2018, Sec. 3.4).

E is an encoder-decoder on the real photo; an instance-wise average pool
makes its output constant inside every instance, and that low-dimensional
feature map is concatenated to G's label input. E trains jointly with G.
After training, the features of the training instances are clustered per
semantic class (K-means, ``tools/analysis_tools/pix2pixhd_cluster_features.py``);
at test time one cluster centre per instance picks its style, so a single
label map gives several distinct images.

The cluster centres are buffers (``cluster_centers``, ``cluster_counts``),
so they travel inside the checkpoint; ``cluster_file`` reads the tool's
``.npz`` instead (lazily, at first use, so that a checkpoint loaded after
construction does not overwrite it).
"""
from typing import Dict, Mapping, Optional, Union

import numpy as np
import torch
import torch.nn as nn

from mmsemsyn.models.layers.norm import build_norm_layer
from mmsemsyn.models.layers.weight_init import BaseNetwork, normal_conv_init
from mmsemsyn.registry import MODELS

StyleIndices = Union[None, int, Mapping]


def instance_class(inst_id: int) -> int:
    """Cityscapes instance ids: ``class * 1000 + k`` for things, the class
    id itself for stuff."""
    return inst_id // 1000 if inst_id >= 1000 else inst_id


def instance_mean_pool(feat: torch.Tensor, inst: torch.Tensor) -> torch.Tensor:
    """Replace every feature vector by the mean over its instance (per
    sample, per channel), as the official ``Encoder.forward``: the mean of
    each channel over the pixels of one instance id of one sample.
    Differentiable: the gradient of each mean spreads evenly over the
    instance's pixels.

    No value is read on the host (no ``torch.unique``, ``.item()`` or
    data-dependent shape), so on a GPU the training step does not wait for
    the device here: the ids of each sample are sorted, a new segment starts
    where the sorted id changes (segment numbers ascend with the id, as
    ``torch.unique`` numbers them), and sums and pixel counts go to a fixed
    ``H * W`` segment slots per sample with ``scatter_add``. On one CPU
    thread output and gradient are bit-identical to the former per-sample
    ``torch.unique`` loop; with more threads the kernels split the sums
    differently (gradients within 1.4e-7 over 23 Cityscapes maps at
    256x512, as close to a float64 reference as before). Against the official
    ``torch.mean`` per instance: equal within float rounding (max |diff|
    1.2e-7).

    Args:
        feat: (B, C, H, W) floating features.
        inst: (B, H, W) or (B, 1, H, W) instance ids (any dtype; equal
            values are one instance).

    Returns:
        (B, C, H, W), same dtype and device as ``feat`` (half and
        bfloat16: computed in float32, rounded once).

    Raises:
        ValueError: if the instance map and the features differ in
            batch size or spatial size.
    """
    if inst.dim() == 4:
        inst = inst[:, 0]
    if inst.shape[-2:] != feat.shape[-2:] or inst.shape[0] != feat.shape[0]:
        raise ValueError(f'instance map {tuple(inst.shape)} and features '
                         f'{tuple(feat.shape)} differ in batch or spatial '
                         'size; give one (H, W) instance map per sample')
    b, c, h, w = feat.shape
    ids = inst.reshape(b, h * w)
    sorted_ids, order = ids.sort(dim=1)
    starts = torch.ones_like(sorted_ids, dtype=torch.long)
    starts[:, 1:] = (sorted_ids[:, 1:] != sorted_ids[:, :-1]).long()
    # segment (0.. per sample, ascending with the id) of every pixel
    segment = torch.empty_like(starts).scatter_(1, order, starts.cumsum(1) - 1)
    # Half/bfloat16 features are summed and counted in float32 and the
    # means rounded once, as torch.mean accumulates (the former loop, the
    # official code): scatter_add in the feature's own dtype rounds after
    # every add on CUDA (atomics), so a count would stop at 256 (bf16) or
    # 2048 (fp16) pixels and the means of larger instances be wrong.
    flat = feat.reshape(b, c, h * w)
    if flat.dtype in (torch.float16, torch.bfloat16):
        flat = flat.float()
    index = segment[:, None].expand(b, c, h * w)
    # H*W slots per sample: the most segments there can be
    sums = flat.new_zeros(b, c, h * w).scatter_add(2, index, flat)
    counts = flat.new_zeros(b, 1, h * w).scatter_add(
        2, segment[:, None], flat.new_ones(b, 1, h * w))
    # Unused slots have count 0; clamp so they hold 0, not NaN (which the
    # backward of the division would carry).
    means = sums / counts.clamp(min=1)
    return means.gather(2, index).view(b, c, h, w).to(feat.dtype)


@MODELS.register_module()
class InstanceFeatureEncoder(BaseNetwork):
    """The official ``Encoder``: c7s1-nef, 4 x [conv3 s2], 4 x [convT3 s2],
    c7s1-feat_num, tanh; InstanceNorm (affine=False); then instance-wise
    average pooling. ``model.<i>`` keys follow the official layer order.

    Args:
        in_channels: image channels (3).
        feat_num: feature channels appended to G's input (3).
        nef: base width (16).
        num_classes: label classes; sizes the cluster buffers (None: no
            clusters, features only come from a real photo).
        n_clusters: K of the per-class K-means (10).
        cluster_file: ``.npz`` written by the clustering tool; loaded on
            first use and taking precedence over the buffers.
        allow_pickled_cluster_file: also accept the official pickled
            ``features_clustered_010.npy`` as ``cluster_file`` (opt-in:
            unpickling can run code; even then only numpy arrays are
            rebuilt, see :func:`mmsemsyn.fileio.load_cluster_centers`).
    """

    def __init__(self, in_channels: int = 3, feat_num: int = 3,
                 nef: int = 16, n_downsampling: int = 4, norm: str = 'IN',
                 num_classes: Optional[int] = None, n_clusters: int = 10,
                 cluster_file: Optional[str] = None,
                 allow_pickled_cluster_file: bool = False,
                 init_gain: float = 0.02):
        super().__init__()
        self.feat_num = feat_num
        self.n_downsampling = n_downsampling
        self.num_classes = num_classes
        self.n_clusters = n_clusters
        self.cluster_file = cluster_file
        self.allow_pickled_cluster_file = allow_pickled_cluster_file
        self.init_gain = init_gain
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, nef, 7),
                  build_norm_layer(norm, nef), nn.ReLU(True)]
        for i in range(n_downsampling):
            ch = nef * 2**i
            layers += [nn.Conv2d(ch, ch * 2, 3, stride=2, padding=1),
                       build_norm_layer(norm, ch * 2), nn.ReLU(True)]
        for i in range(n_downsampling):
            ch = nef * 2**(n_downsampling - i)
            layers += [nn.ConvTranspose2d(ch, ch // 2, 3, stride=2,
                                          padding=1, output_padding=1),
                       build_norm_layer(norm, ch // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(nef, feat_num, 7),
                   nn.Tanh()]
        self.model = nn.Sequential(*layers)
        if num_classes is not None:
            self.register_buffer(
                'cluster_centers',
                torch.zeros(num_classes, n_clusters, feat_num))
            self.register_buffer('cluster_counts',
                                 torch.zeros(num_classes, dtype=torch.long))
        self.finish_init()

    def init_weights(self):
        """pix2pixHD's ``weights_init`` (:func:`normal_conv_init`)."""
        normal_conv_init(self.model, self.init_gain)

    def forward(self, img: torch.Tensor, inst: torch.Tensor) -> torch.Tensor:
        """Instance-pooled features of a real photo (Sec. 3.4)."""
        factor = 2**self.n_downsampling
        if img.shape[-1] % factor or img.shape[-2] % factor:
            raise ValueError(f'InstanceFeatureEncoder needs H and W '
                             f'divisible by {factor}; got '
                             f'{tuple(img.shape[-2:])}.')
        return instance_mean_pool(self.model(img), inst)

    # ---- clusters (the instance-level style control of Sec. 3.4) ----
    def set_clusters(self, centers: Dict[int, np.ndarray]) -> None:
        """Store per-class centres ``{class_id: (k, feat_num)}``."""
        if self.num_classes is None:
            raise ValueError('This encoder was built without num_classes, '
                             'so it has no cluster buffers; set '
                             'encoder.num_classes in the config.')
        self.cluster_centers.zero_()
        self.cluster_counts.zero_()
        for label, value in centers.items():
            value = np.asarray(value, dtype=np.float32)
            if value.ndim != 2 or value.shape[0] == 0:
                continue
            label = int(label)
            if not 0 <= label < self.num_classes:
                raise ValueError(f'cluster class {label} is outside '
                                 f'0..{self.num_classes - 1}')
            # The official file stores feat_num columns (+ optionally area).
            if value.shape[1] < self.feat_num:
                raise ValueError(
                    f'cluster centres of class {label} have '
                    f'{value.shape[1]} columns; expected feat_num='
                    f'{self.feat_num}')
            # The buffers hold at most n_clusters centres per class.
            k = min(value.shape[0], self.cluster_centers.shape[1])
            self.cluster_centers[label, :k] = torch.from_numpy(
                value[:k, :self.feat_num]).to(self.cluster_centers)
            self.cluster_counts[label] = k

    def load_clusters(self, path: str,
                      allow_pickle: Optional[bool] = None) -> None:
        """Read ``{class_id: centres}`` from the clustering tool's ``.npz``;
        the official pickled ``.npy`` only with ``allow_pickle`` (default:
        the constructor's ``allow_pickled_cluster_file``)."""
        from mmsemsyn.fileio import load_cluster_centers
        if allow_pickle is None:
            allow_pickle = self.allow_pickled_cluster_file
        self.set_clusters(load_cluster_centers(path, allow_pickle))

    @property
    def has_clusters(self) -> bool:
        self._maybe_load_cluster_file()
        return self.num_classes is not None and bool(
            self.cluster_counts.sum() > 0)

    def _maybe_load_cluster_file(self):
        if self.cluster_file is not None:
            path, self.cluster_file = self.cluster_file, None
            self.load_clusters(path)

    @staticmethod
    def _lookup(style_indices: StyleIndices, inst_id: int, label: int):
        if style_indices is None:
            return None
        if isinstance(style_indices, Mapping):
            for key in (inst_id, str(inst_id), label, str(label)):
                if key in style_indices:
                    return int(style_indices[key])
            return None
        return int(style_indices)

    @torch.no_grad()
    def sample_features(self, inst: torch.Tensor,
                        style_indices: StyleIndices = None,
                        generator: Optional[torch.Generator] = None
                        ) -> torch.Tensor:
        """Feature map from the cluster centres: one centre per instance.

        Args:
            inst: (B, H, W) or (B, 1, H, W) instance ids.
            style_indices: None (random centre per instance), an int (that
                centre for every instance, modulo its class's count), or a
                dict ``{instance id or class id: centre index}`` (instances
                not named are random).
            generator: random source (seed it for reproducible styles).
        Instances of classes without centres get zero features (the
        official code leaves that memory uninitialised).
        """
        if not self.has_clusters:
            raise RuntimeError(
                'The instance-feature encoder has no cluster centres: run '
                'tools/analysis_tools/pix2pixhd_cluster_features.py and set '
                'model.encoder.cluster_file (or load its checkpoint).')
        if inst.dim() == 4:
            inst = inst[:, 0]
        b, h, w = inst.shape
        out = torch.zeros(b, self.feat_num, h, w,
                          device=self.cluster_centers.device)
        for i in range(b):
            for inst_id in torch.unique(inst[i]).tolist():
                label = instance_class(int(inst_id))
                if not 0 <= label < self.num_classes:
                    continue
                count = int(self.cluster_counts[label])
                if count == 0:
                    continue
                index = self._lookup(style_indices, int(inst_id), label)
                if index is None:
                    index = int(torch.randint(count, (1, ),
                                              generator=generator))
                centre = self.cluster_centers[label, index % count]
                mask = (inst[i] == inst_id).to(out.device)
                out[i][:, mask] = centre[:, None]
        return out
