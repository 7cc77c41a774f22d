"""L_Div (Yang et al., Eq. 7) against hand computations."""
import pytest
import torch

from mmsemsyn.models.losses.diversity_loss import DiversityLoss


def two_class_case():
    """4x4, left half class 0, right half class 1 (one dontcare pixel)."""
    label = torch.zeros(1, 4, 4, dtype=torch.long)
    label[:, :, 2:] = 1
    fake_zero = torch.zeros(1, 3, 4, 4)
    fake_noise = torch.zeros(1, 3, 4, 4)
    fake_noise[:, :, :, :2] = 0.1          # class 0: |diff| 0.1 everywhere
    fake_noise[:, 0, :, 2:] = 0.5          # class 1: 0.5 in one channel
    return fake_zero, fake_noise, label


def test_two_class_hand_computation():
    fake_zero, fake_noise, label = two_class_case()
    noise = torch.tensor([[0.5, -0.8]])
    loss = DiversityLoss(margin=0.3, loss_weight=0.1)
    # class 0: masked mean 0.1 -> 0.5 * (0.3 - 0.1) = 0.1
    # class 1: masked mean 0.5 / 3 -> 0.8 * (0.3 - 1/6) = 0.10667
    expected = 0.1 * (0.5 * 0.2 + 0.8 * (0.3 - 0.5 / 3))
    value = loss(fake_zero, fake_noise, label, noise)
    assert value.item() == pytest.approx(expected, rel=1e-6)


def test_hinge_absent_class_dontcare_and_per_class_margins():
    fake_zero, fake_noise, label = two_class_case()
    # a third class that is absent, and a dontcare pixel (id 3 == C) whose
    # huge difference must not count
    label[0, 0, 0] = 3
    fake_noise[0, :, 0, 0] = 5.0
    noise = torch.tensor([[0.5, -0.8, 1.0]])
    loss = DiversityLoss(margin=[0.05, 0.3, 0.3])
    # class 0 (7 pixels at 0.1) is past its margin 0.05 -> 0; class 2 absent
    expected = 0.8 * (0.3 - 0.5 / 3)
    assert loss(fake_zero, fake_noise, label, noise).item() == \
        pytest.approx(expected, rel=1e-6)


def test_gradient_pushes_only_active_classes_apart():
    fake_zero, fake_noise, label = two_class_case()
    fake_noise[:, :, :, :2] = 0.4  # class 0 beyond the margin
    fake_noise.requires_grad_(True)
    DiversityLoss()(fake_zero, fake_noise, label,
                    torch.tensor([[0.5, -0.8]])).backward()
    grad = fake_noise.grad
    assert torch.all(grad[:, :, :, :2] == 0)
    # d/dx of 0.8 * (0.3 - mean|x|) over 8 pixels x 3 channels
    assert torch.allclose(grad[:, 0, :, 2:], torch.full((1, 4, 2),
                                                        -0.8 / 24))


def test_batch_mean_of_per_sample_sums():
    fake_zero, fake_noise, label = two_class_case()
    single = DiversityLoss()
    a = single(fake_zero, fake_noise, label, torch.tensor([[0.5, -0.8]]))
    b = single(fake_zero, fake_noise, label, torch.tensor([[1.0, 0.0]]))
    both = single(fake_zero.repeat(2, 1, 1, 1), fake_noise.repeat(2, 1, 1, 1),
                  label.repeat(2, 1, 1),
                  torch.tensor([[0.5, -0.8], [1.0, 0.0]]))
    assert both.item() == pytest.approx((a.item() + b.item()) / 2)


@pytest.mark.parametrize('epoch,factor', [(0, 0.01), (49, 0.5), (99, 1.0),
                                          (150, 1.0)])
def test_official_ramp_by_epoch(epoch, factor):
    fake_zero, fake_noise, label = two_class_case()
    noise = torch.tensor([[0.5, -0.8]])
    full = DiversityLoss()(fake_zero, fake_noise, label, noise)
    ramped = DiversityLoss(ramp_epochs=100)
    ramped.set_progress(iter=0, epoch=epoch)  # what LossRampHook does
    ramped = ramped(fake_zero, fake_noise, label, noise)
    assert ramped.item() == pytest.approx(full.item() * factor)


def test_ramp_by_iterations():
    loss = DiversityLoss(ramp_epochs=10, iters_per_epoch=10)
    assert loss.ramp_factor() == pytest.approx(0.1)  # before the hook: epoch 1
    loss.set_progress(iter=25, epoch=7)  # the iteration decides
    assert loss.ramp_factor() == pytest.approx(0.3)  # epoch 3 of 10


def test_bad_input():
    fake_zero, fake_noise, label = two_class_case()
    with pytest.raises(ValueError, match='differ in shape'):
        DiversityLoss()(fake_zero, fake_noise[..., :2], label,
                        torch.zeros(1, 2))
    with pytest.raises(ValueError, match='margins'):
        DiversityLoss(margin=[0.3] * 3)(fake_zero, fake_noise, label,
                                        torch.zeros(1, 2))
    with pytest.raises(ValueError, match='ramp_epochs'):
        DiversityLoss(ramp_epochs=0)
