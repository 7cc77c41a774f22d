"""Gaussian noise on the semantic input (the denoising GAN's "noisy input",
§III-C and Fig. 3 of arXiv 1801.03252): ``x_noisy = onehot(x) + z``,
``z ~ N(0, std^2)`` per pixel and channel, drawn anew every training
forward pass. The generator learns to synthesise a clean photo from a noisy
layout ("denoising"). Any generator gets it through the data preprocessor's
``semantic_noise=dict(std=...)`` option; no method code is involved.
"""
from typing import Optional

import torch
import torch.nn as nn

TEST_MODES = ('seeded', 'none', 'random')


class SemanticInputNoise(nn.Module):
    """Adds N(0, std^2) noise to the one-hot semantic channels.

    Args:
        std: standard deviation (0.1 is the paper's best; 0.04 and 0.4 are
            its Table III ablations). Must be >= 0; 0 disables the noise.
        test_mode: what evaluation/inference inputs get:
            ``'seeded'`` (default) -- the same noise distribution as in
            training, drawn from a generator seeded with ``seed`` for every
            sample, so results are reproducible and do not depend on batch
            size or order; ``'none'`` -- the clean layout; ``'random'`` --
            fresh noise every call (the stochastic output §III-C aims at).
        seed: the seed of ``'seeded'``.

    Call: ``noise(onehot, training)`` with ``onehot`` (B, C, H, W) float;
    returns a tensor of the same shape.

    Raises:
        ValueError: ``std < 0`` or an unknown ``test_mode``.
    """

    def __init__(self, std: float = 0.1, test_mode: str = 'seeded',
                 seed: int = 0):
        super().__init__()
        if not isinstance(std, (int, float)) or std < 0:
            raise ValueError(
                f'semantic_noise std={std!r} is invalid: the noise standard '
                'deviation must be a number >= 0 (the paper uses 0.04, 0.1 '
                'or 0.4); set semantic_noise=None to switch the noise off.')
        if test_mode not in TEST_MODES:
            raise ValueError(
                f'semantic_noise test_mode={test_mode!r} is not one of '
                f'{TEST_MODES}.')
        self.std = float(std)
        self.test_mode = test_mode
        self.seed = int(seed)

    def sample(self, like: torch.Tensor, training: bool
               ) -> Optional[torch.Tensor]:
        """The noise tensor for ``like`` (None when nothing is added)."""
        if self.std == 0 or (not training and self.test_mode == 'none'):
            return None
        if training or self.test_mode == 'random':
            return torch.randn_like(like) * self.std
        # Seeded: one generator per sample, so sample i gets the same noise
        # whatever batch it is in.
        gen = torch.Generator(device=like.device)
        noise = torch.empty_like(like)
        for i in range(like.shape[0]):
            gen.manual_seed(self.seed)
            noise[i] = torch.randn(like.shape[1:], generator=gen,
                                   device=like.device, dtype=like.dtype)
        return noise * self.std

    def forward(self, onehot: torch.Tensor,
                training: bool = False) -> torch.Tensor:
        noise = self.sample(onehot, training)
        return onehot if noise is None else onehot + noise

    def extra_repr(self) -> str:
        return f'std={self.std}, test_mode={self.test_mode!r}, ' \
               f'seed={self.seed}'
