"""pix2pixHD instance-feature encoder: instance-wise average pooling,
official layer order, cluster buffers and style sampling (Sec. 3.4)."""
import numpy as np
import pytest
import torch
import torch.nn as nn

import mmsemsyn  # noqa: F401
from mmsemsyn.fileio import UnsafeFileError, save_cluster_centers
from mmsemsyn.models.encoders.instance_feature_encoder import (
    InstanceFeatureEncoder,
    instance_class,
    instance_mean_pool,
)


def loop_mean_pool(feat, inst):
    """The official per-instance loop, restated."""
    out = feat.clone()
    for b in range(feat.shape[0]):
        for i in inst[b].unique():
            mask = inst[b] == i
            for c in range(feat.shape[1]):
                out[b, c][mask] = feat[b, c][mask].mean()
    return out


def test_instance_mean_pool_matches_loop_and_gradients():
    torch.manual_seed(0)
    feat = torch.randn(2, 3, 6, 7, requires_grad=True)
    inst = torch.randint(0, 4, (2, 6, 7)) * 1000 + 26
    out = instance_mean_pool(feat, inst)
    assert torch.allclose(out, loop_mean_pool(feat.detach(), inst),
                          atol=1e-6)
    # d(sum of pooled)/d(feat) = 1 everywhere (each mean spreads evenly).
    out.sum().backward()
    assert torch.allclose(feat.grad, torch.ones_like(feat))


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_instance_mean_pool_half_types_accumulate_in_float(dtype):
    """Half/bfloat16 features (autocast): sums and counts in float32, the
    mean rounded once, as torch.mean does in the official loop; the
    instance of 3000 pixels is past where a count kept in bfloat16 (256) or
    float16 (2048) stops growing (CUDA's scatter_add adds in the tensor's
    dtype)."""
    torch.manual_seed(0)
    feat = torch.randn(2, 4, 48, 64).to(dtype)
    inst = torch.randint(0, 5, (2, 48, 64))
    inst[0, :, :60] = 7  # 2880 pixels
    out = instance_mean_pool(feat, inst)
    assert out.dtype == dtype
    assert torch.equal(out, loop_mean_pool(feat, inst))
    assert torch.equal(out, loop_mean_pool(feat.float(), inst).to(dtype))


def test_instance_mean_pool_reads_nothing_on_the_host(monkeypatch):
    """The training step must not wait for the device (issue 14): no
    unique / item / bool on a tensor while pooling."""
    torch.manual_seed(1)
    feat = torch.randn(3, 2, 8, 5)
    # Same ids in different samples are different instances; ids large and
    # unordered (Cityscapes-style), one sample a single instance.
    inst = torch.randint(0, 3, (3, 1, 8, 5)) * 13000 + 7
    inst[2] = 26001
    expected = loop_mean_pool(feat, inst[:, 0])

    def forbidden(*args, **kwargs):
        raise AssertionError('host read inside instance_mean_pool')
    for name in ('__bool__', 'item', 'tolist', '__int__', '__float__',
                 'nonzero', 'numpy', 'unique'):
        monkeypatch.setattr(torch.Tensor, name, forbidden)
    monkeypatch.setattr(torch, 'unique', forbidden)
    monkeypatch.setattr(torch, 'bincount', forbidden)
    out = instance_mean_pool(feat, inst)
    monkeypatch.undo()
    assert torch.allclose(out, expected, atol=1e-6)
    assert torch.allclose(out[2], feat[2].mean((1, 2), keepdim=True)
                          .expand_as(feat[2]), atol=1e-6)


def test_instance_mean_pool_size_mismatch_is_named():
    with pytest.raises(ValueError, match='differ in batch or spatial'):
        instance_mean_pool(torch.randn(2, 3, 4, 4),
                           torch.zeros(1, 4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match='differ in batch or spatial'):
        instance_mean_pool(torch.randn(1, 3, 4, 4),
                           torch.zeros(1, 4, 5, dtype=torch.long))


def test_encoder_layer_order_and_count():
    enc = InstanceFeatureEncoder(num_classes=35)
    assert sum(p.numel() for p in enc.parameters()) == 788_803
    ref = [nn.ReflectionPad2d(3), nn.Conv2d(3, 16, 7), nn.InstanceNorm2d(16),
           nn.ReLU(True)]
    ch = 16
    for _ in range(4):
        ref += [nn.Conv2d(ch, ch * 2, 3, 2, 1), nn.InstanceNorm2d(ch * 2),
                nn.ReLU(True)]
        ch *= 2
    for _ in range(4):
        ref += [nn.ConvTranspose2d(ch, ch // 2, 3, 2, 1, 1),
                nn.InstanceNorm2d(ch // 2), nn.ReLU(True)]
        ch //= 2
    ref += [nn.ReflectionPad2d(3), nn.Conv2d(16, 3, 7), nn.Tanh()]
    ref = nn.Sequential(*ref)
    ours = {k: v.shape for k, v in enc.model.state_dict().items()}
    assert ours == {k: v.shape for k, v in ref.state_dict().items()}
    ref.load_state_dict(enc.model.state_dict())
    img = torch.randn(1, 3, 32, 32)
    inst = torch.zeros(1, 32, 32, dtype=torch.long)
    inst[:, 8:20, 4:30] = 26001
    out = enc(img, inst)
    assert torch.allclose(out, loop_mean_pool(ref(img), inst), atol=1e-6)
    # Constant inside each instance.
    assert out[0, :, 8:20, 4:30].flatten(1).std(1).max() < 1e-6


def test_instance_class():
    assert instance_class(26003) == 26
    assert instance_class(7) == 7


def make_encoder():
    enc = InstanceFeatureEncoder(feat_num=2, nef=2, num_classes=30,
                                 n_clusters=4)
    enc.set_clusters({26: np.array([[1., 1.], [2., 2.], [3., 3.]]),
                      7: np.array([[-1., -1.]])})
    return enc


def test_cluster_sampling_and_user_choice():
    enc = make_encoder()
    assert enc.has_clusters
    inst = torch.full((1, 8, 8), 7, dtype=torch.long)
    inst[:, :4, :4] = 26000
    inst[:, 4:, 4:] = 26001
    inst[:, :2, 6:] = 11  # a class without centres -> zeros
    feats = enc.sample_features(inst, style_indices={26000: 2, 26: 0})
    assert torch.all(feats[0, :, 0, 0] == 3)  # instance 26000 -> centre 2
    assert torch.all(feats[0, :, 7, 7] == 1)  # other cars: class rule
    assert torch.all(feats[0, :, 5, 0] == -1)  # road (stuff id 7)
    assert torch.all(feats[0, :, 0, 7] == 0)
    feats = enc.sample_features(inst, style_indices=1)
    assert torch.all(feats[0, :, 0, 0] == 2)
    assert torch.all(feats[0, :, 5, 0] == -1)  # 1 % 1 centre
    seeds = [enc.sample_features(inst, generator=torch.Generator()
                                 .manual_seed(s))[0, 0, 0, 0].item()
             for s in range(20)]
    assert len(set(seeds)) > 1  # random centres differ across seeds
    again = enc.sample_features(inst, generator=torch.Generator()
                                .manual_seed(3))
    assert again[0, 0, 0, 0].item() == seeds[3]


def test_clusters_travel_in_state_dict_and_file(tmp_path):
    enc = make_encoder()
    fresh = InstanceFeatureEncoder(feat_num=2, nef=2, num_classes=30,
                                   n_clusters=4)
    assert not fresh.has_clusters
    fresh.load_state_dict(enc.state_dict())
    assert fresh.has_clusters
    path = tmp_path / 'features_clustered_010.npz'
    save_cluster_centers({26: np.array([[5., 5., 0.3]])}, str(path))
    lazy = InstanceFeatureEncoder(feat_num=2, nef=2, num_classes=30,
                                  n_clusters=4, cluster_file=str(path))
    lazy.load_state_dict(fresh.state_dict())  # a checkpoint loaded later
    assert lazy.has_clusters  # ...does not hide the file
    assert int(lazy.cluster_counts[26]) == 1
    assert int(lazy.cluster_counts[7]) == 0


def test_official_pickled_cluster_file_needs_opt_in(tmp_path):
    # The official features_clustered_010.npy is a pickled dict.
    path = tmp_path / 'features_clustered_010.npy'
    np.save(path, {26: np.array([[5., 5., 0.3]])}, allow_pickle=True)
    refused = InstanceFeatureEncoder(feat_num=2, nef=2, num_classes=30,
                                     n_clusters=4, cluster_file=str(path))
    with pytest.raises(UnsafeFileError,
                       match='allow_pickled_cluster_file=True'):
        refused.has_clusters
    trusted = InstanceFeatureEncoder(feat_num=2, nef=2, num_classes=30,
                                     n_clusters=4, cluster_file=str(path),
                                     allow_pickled_cluster_file=True)
    assert trusted.has_clusters and int(trusted.cluster_counts[26]) == 1
    assert float(trusted.cluster_centers[26, 0, 0]) == 5.0


def test_cluster_errors(tmp_path):
    enc = InstanceFeatureEncoder(feat_num=2, nef=2, num_classes=30)
    with pytest.raises(RuntimeError, match='cluster'):
        enc.sample_features(torch.zeros(1, 4, 4, dtype=torch.long))
    with pytest.raises(FileNotFoundError, match='pix2pixhd_cluster'):
        enc.load_clusters(str(tmp_path / 'missing.npy'))
    with pytest.raises(ValueError, match='outside'):
        enc.set_clusters({99: np.zeros((1, 2))})
