"""SPADE normalisation and the SPADE residual block (Park et al. 2019).

Shared by SPADE, LGGAN (its global branch) and Lab2Pix-V2 (DG-Norm extends
:class:`SPADE`). Module and attribute names follow the official code so a
state dict lines up key for key (``param_free_norm``, ``mlp_shared.0``,
``mlp_gamma``, ``mlp_beta``; ``conv_0``, ``conv_1``, ``conv_s``, ``norm_0``,
``norm_1``, ``norm_s``).

Extension points for DG-Norm-like layers:

* :meth:`SPADE.shared_activation` computes the hidden (128-ch) activation;
  by default it adds an optional ``global_code`` to it, which is exactly
  Lab2Pix-V2's DG-Norm. Override it for anything else.
* :meth:`SPADE.modulate` applies gamma/beta (``residual_gamma=False`` gives
  Lab2Pix-V1's ``x * gamma + beta``).
* :class:`SPADEResBlock` takes ``spade_cfg`` / ``spade_layer`` so a block can
  be built from a SPADE subclass, and forwards ``global_code`` to the two
  main-path norms only (the learned shortcut's norm never gets it, as in
  Lab2Pix-V2).
"""
from typing import Optional, Type

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.spectral_norm import spectral_norm as _sn
from mmsemsyn.registry import MODELS

PARAM_FREE_NORMS = ('BN', 'SyncBN', 'IN')


def build_param_free_norm(norm: str, num_features: int) -> nn.Module:
    """Parameter-free normalisation inside SPADE.

    ``'BN'`` is plain BatchNorm(affine=False); under DDP, mmengine's
    ``sync_bn='torch'`` turns it into SyncBatchNorm, which is the official
    ``spadesyncbatch3x3`` (the official SyncBN behaves as BN on one process).
    ``'SyncBN'`` builds ``nn.SyncBatchNorm`` directly; ``'IN'`` is
    InstanceNorm(affine=False) (``spadeinstance3x3``).
    """
    if norm == 'BN':
        return nn.BatchNorm2d(num_features, affine=False)
    if norm == 'SyncBN':
        return nn.SyncBatchNorm(num_features, affine=False)
    if norm == 'IN':
        return nn.InstanceNorm2d(num_features, affine=False)
    raise ValueError(f'Unknown SPADE param-free norm {norm!r}; use one of '
                     f'{PARAM_FREE_NORMS}.')


@MODELS.register_module()
class SPADE(nn.Module):
    """Spatially-adaptive denormalisation (SPADE paper, Eq. 1).

    ``out = norm(x) * (1 + gamma(m)) + beta(m)`` where ``m`` is the semantic
    map resized (nearest) to ``x`` and gamma/beta come from a shared
    conv+ReLU (``hidden_channels``, 128 hard-coded in the official code)
    followed by two convs. The code's ``1 + gamma`` differs from the paper's
    ``gamma`` (official issues #4/#104); we follow the code. No spectral
    norm inside SPADE, as the official code.

    Args:
        num_features: channels of ``x``.
        semantic_nc: channels of the semantic map.
        norm: param-free norm ('BN', 'SyncBN', 'IN').
        hidden_channels: width of the shared MLP.
        kernel_size: kernel of the three MLP convs (3 = ``...3x3``).
        residual_gamma: ``True`` -> ``1 + gamma``; ``False`` -> ``gamma``.
    """

    def __init__(self, num_features: int, semantic_nc: int,
                 norm: str = 'BN', hidden_channels: int = 128,
                 kernel_size: int = 3, residual_gamma: bool = True):
        super().__init__()
        pad = kernel_size // 2
        self.param_free_norm = build_param_free_norm(norm, num_features)
        self.mlp_shared = nn.Sequential(
            nn.Conv2d(semantic_nc, hidden_channels, kernel_size,
                      padding=pad), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden_channels, num_features,
                                   kernel_size, padding=pad)
        self.mlp_beta = nn.Conv2d(hidden_channels, num_features,
                                  kernel_size, padding=pad)
        self.residual_gamma = residual_gamma

    def shared_activation(self, segmap: torch.Tensor,
                          global_code: Optional[torch.Tensor] = None
                          ) -> torch.Tensor:
        """Hidden activation feeding gamma and beta.

        ``global_code`` (same shape as the activation) is added after the
        ReLU: Lab2Pix-V2's DG-Norm sums a global label code with SPADE's
        shared activation.
        """
        actv = self.mlp_shared(segmap)
        if global_code is not None:
            actv = actv + global_code
        return actv

    def modulate(self, normalized: torch.Tensor, gamma: torch.Tensor,
                 beta: torch.Tensor) -> torch.Tensor:
        if self.residual_gamma:
            return normalized * (1 + gamma) + beta
        return normalized * gamma + beta

    def forward(self, x: torch.Tensor, segmap: torch.Tensor,
                global_code: Optional[torch.Tensor] = None) -> torch.Tensor:
        normalized = self.param_free_norm(x)
        segmap = F.interpolate(segmap, size=x.shape[2:], mode='nearest')
        actv = self.shared_activation(segmap, global_code)
        return self.modulate(normalized, self.mlp_gamma(actv),
                             self.mlp_beta(actv))


def _maybe_spectral(conv: nn.Module, use: bool) -> nn.Module:
    # torch's classic hook-based spectral norm: its state-dict keys
    # (weight_orig, weight_u, weight_v) match the official checkpoints;
    # W / sigma outside autocast (no per-forward casts of W, see _sn).
    return _sn(conv) if use else conv


@MODELS.register_module()
class SPADEResBlock(nn.Module):
    """SPADE residual block (SPADE paper, Fig. 4 right).

    ``dx = conv_1(lrelu(norm_1(conv_0(lrelu(norm_0(x))))))`` with
    ``fmid = min(fin, fout)``; the shortcut is the identity, or, when
    ``fin != fout``, ``conv_s(norm_s(x))`` (1x1 conv without bias and
    without activation). Spectral norm wraps conv_0, conv_1 and conv_s when
    ``spectral_norm`` (``'spectral' in norm_G`` officially).

    Args:
        in_channels / out_channels: fin / fout.
        semantic_nc: channels of the semantic map fed to every SPADE.
        norm: SPADE's param-free norm ('BN', 'SyncBN', 'IN').
        spectral_norm: wrap the three convs in spectral norm.
        spade_cfg: extra keyword arguments for every SPADE layer
            (e.g. ``hidden_channels``, ``kernel_size``).
        spade_layer: the SPADE class (a subclass such as DG-Norm).
    """

    def __init__(self, in_channels: int, out_channels: int, semantic_nc: int,
                 norm: str = 'BN', spectral_norm: bool = True,
                 spade_cfg: Optional[dict] = None,
                 spade_layer: Type[SPADE] = SPADE):
        super().__init__()
        self.learned_shortcut = in_channels != out_channels
        mid = min(in_channels, out_channels)
        # registration order = official state-dict order: convs, then norms
        self.conv_0 = _maybe_spectral(
            nn.Conv2d(in_channels, mid, 3, padding=1), spectral_norm)
        self.conv_1 = _maybe_spectral(
            nn.Conv2d(mid, out_channels, 3, padding=1), spectral_norm)
        if self.learned_shortcut:
            self.conv_s = _maybe_spectral(
                nn.Conv2d(in_channels, out_channels, 1, bias=False),
                spectral_norm)
        spade_cfg = dict(spade_cfg or {}, norm=norm)
        self.norm_0 = spade_layer(in_channels, semantic_nc, **spade_cfg)
        self.norm_1 = spade_layer(mid, semantic_nc, **spade_cfg)
        if self.learned_shortcut:
            self.norm_s = spade_layer(in_channels, semantic_nc, **spade_cfg)

    @staticmethod
    def actvn(x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x, 0.2)

    def shortcut(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        if self.learned_shortcut:
            return self.conv_s(self.norm_s(x, segmap))
        return x

    def forward(self, x: torch.Tensor, segmap: torch.Tensor,
                global_code: Optional[torch.Tensor] = None) -> torch.Tensor:
        x_s = self.shortcut(x, segmap)
        dx = self.conv_0(self.actvn(self.norm_0(x, segmap, global_code)))
        dx = self.conv_1(self.actvn(self.norm_1(dx, segmap, global_code)))
        return x_s + dx
