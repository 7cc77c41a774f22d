"""TVLoss (LGGAN cross-view regulariser)."""
import pytest
import torch

from mmsemsyn.models.losses.tv_loss import TVLoss


def test_tv_sum_matches_hand_computation():
    img = torch.tensor([[[[0., 1., 3.], [2., 2., 2.]]]])
    # horizontal |1-0|+|3-1|+0+0 = 3; vertical |2-0|+|2-1|+|2-3| = 4
    assert TVLoss(loss_weight=1.0)(img).item() == pytest.approx(7.0)
    assert TVLoss()(img).item() == pytest.approx(7e-6)  # official 1e-6
    mean = TVLoss(loss_weight=1.0, reduction='mean')(img).item()
    assert mean == pytest.approx(3 / 4 + 4 / 3)


def test_tv_zero_on_constant_and_gradient():
    img = torch.full((2, 3, 5, 5), 0.3, requires_grad=True)
    loss = TVLoss()(img)
    assert loss.item() == 0
    noisy = torch.randn(2, 3, 5, 5, requires_grad=True)
    TVLoss()(noisy).backward()
    assert noisy.grad.abs().sum() > 0


def test_tv_bad_reduction():
    with pytest.raises(ValueError, match='sum.*mean'):
        TVLoss(reduction='none')
