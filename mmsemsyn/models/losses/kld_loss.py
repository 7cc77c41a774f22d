"""KL divergence of the VAE style code (SPADE multi-modal synthesis)."""
import torch
import torch.nn as nn

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class KLDLoss(nn.Module):
    """KL(N(mu, sigma^2) || N(0, I))
    = -0.5 * sum(1 + logvar - mu^2 - exp(logvar)).

    A **sum** over the batch and the code dimensions (not a mean), times
    ``loss_weight`` (lambda_kld 0.05), as the official SPADE code.
    """

    def __init__(self, loss_weight: float = 0.05,
                 loss_name: str = 'loss_kld'):
        super().__init__()
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return kld * self.loss_weight
