"""Normalisation layers by short name."""
import torch.nn as nn


def build_norm_layer(norm: str, num_features: int) -> nn.Module:
    """'BN' (affine BatchNorm), 'IN' (InstanceNorm, affine=False, as the
    pix2pix/pix2pixHD code), 'none' (identity)."""
    if norm == 'BN':
        return nn.BatchNorm2d(num_features)
    if norm == 'IN':
        return nn.InstanceNorm2d(num_features, affine=False)
    if norm == 'none':
        return nn.Identity()
    raise ValueError(f'Unknown norm {norm!r}; use BN, IN or none.')
