"""CRN content / hindsight loss against hand computations, and the VGG
extractor options it needs (average pooling, caffe input)."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.losses.crn_loss import (
    CRN_LAYER_WEIGHTS_256P,
    CRN_LAYER_WEIGHTS_512P,
    CRNContentLoss,
    hindsight_loss,
)
from mmsemsyn.models.pretrained.vgg import VGGFeatureExtractor


def test_hindsight_loss_by_hand():
    # E[k, c] for n = 3 images, 2 classes.
    errors = torch.tensor([[[1.0, 9.0], [4.0, 2.0], [7.0, 5.0]]])
    # class 0: min 1, mean 4; class 1: min 2, mean 16/3.
    expected = 0.999 * (1 + 2) + 0.001 * (4 + 16 / 3)
    assert hindsight_loss(errors).item() == pytest.approx(expected)
    # A batch is the mean of its samples (the official trains batch 1).
    both = torch.cat([errors, 2 * errors])
    assert hindsight_loss(both).item() == pytest.approx(1.5 * expected)


def test_content_loss_input_layer_by_hand_n3():
    """n = 3 outputs, 2 classes on a 2x2 image, the input term only."""
    loss = CRNContentLoss(layer_weights={'input': 1.0}, pretrained=None)
    real = torch.zeros(1, 3, 2, 2)
    masks = torch.tensor([[[1., 1.], [0., 0.]],
                          [[0., 0.], [1., 1.]]]).unsqueeze(0)  # top / bottom
    fake = torch.zeros(1, 3, 3, 2, 2)
    fake[0, 0, :, 0] = 0.2   # image 0: wrong on the top class only
    fake[0, 1, :, 1] = 0.4   # image 1: wrong on the bottom class only
    fake[0, 2] = 0.1         # image 2: a little wrong everywhere
    # Error of image k on class c: mean over all 4 pixels of
    # mask_c * mean_rgb |fake - real| on the [0, 255] scale (x 127.5).
    e = 127.5 * torch.tensor([[0.2 * 2 / 4, 0.0],
                              [0.0, 0.4 * 2 / 4],
                              [0.1 * 2 / 4, 0.1 * 2 / 4]])
    expected = 0.999 * e.min(0).values.sum() + 0.001 * e.mean(0).sum()
    got = loss(fake, real, masks)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    assert torch.allclose(loss.errors(fake, real, masks)[0], e)


def test_hindsight_gradient_goes_to_the_best_image():
    loss = CRNContentLoss(layer_weights={'input': 1.0}, pretrained=None)
    real = torch.zeros(1, 3, 4, 4)
    fake = torch.stack([torch.full((3, 4, 4), v) for v in (0.1, 0.5, 0.9)]
                       ).unsqueeze(0).requires_grad_()
    loss(fake, real, torch.ones(1, 1, 4, 4)).backward()
    g = fake.grad.abs().flatten(2).sum(2)[0]
    # The best image gets 0.999 + 0.001/3 of the weight, the others 0.001/3.
    assert g[1] / g[0] == pytest.approx((0.001 / 3) / (0.999 + 0.001 / 3))
    assert g[1] == pytest.approx(g[2])


def test_vgg_layers_masks_sum_to_one_equals_unmasked():
    """With n = 1 the per-class (mask-weighted) loss equals the official
    512p plain mean form, because the masks sum to 1 at every pixel."""
    torch.manual_seed(0)
    masked = CRNContentLoss(pretrained=None)
    plain = CRNContentLoss(pretrained=None, mask_weighted=False)
    plain.load_state_dict(masked.state_dict())
    label = torch.randint(0, 4, (2, 32, 32))
    masks = F.one_hot(label, 4).permute(0, 3, 1, 2).float()
    fake, real = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(
        2, 3, 32, 32) * 2 - 1
    a, b = masked(fake, real, masks), plain(fake, real)
    assert a.item() == pytest.approx(b.item(), rel=1e-4)
    # ... and that plain form is sum_l lambda_l * mean |Phi_l(x) - Phi_l(y)|.
    feats = masked.vgg(torch.cat([fake, real]))
    ref = 127.5 * (fake - real).abs().mean()
    for name, w in masked.layer_weights.items():
        if name != 'input':
            ref = ref + w * (feats[name][:2] - feats[name][2:]).abs().mean()
    assert b.item() == pytest.approx(ref.item(), rel=1e-4)


def test_vgg_layer_masks_are_area_resized():
    loss = CRNContentLoss(layer_weights={'relu2_2': 1.0}, pretrained=None)
    err = torch.rand(1, 2, 4, 4)
    masks = torch.rand(1, 3, 8, 8)
    got = loss.masked_error(err, masks)
    small = F.interpolate(masks, size=(4, 4), mode='area')
    ref = (err[:, :, None] * small[:, None]).mean((3, 4))
    assert torch.allclose(got, ref, atol=1e-6)


def test_official_layer_weights():
    assert CRN_LAYER_WEIGHTS_256P == pytest.approx(
        (1, 1 / 1.6, 1 / 2.3, 1 / 1.8, 1 / 2.8, 10 / 0.8))
    assert CRN_LAYER_WEIGHTS_512P == pytest.approx(
        (1, 1 / 2.6, 1 / 4.8, 1 / 3.7, 1 / 5.6, 10 / 1.5))
    loss = CRNContentLoss(pretrained=None)
    assert loss.vgg.layers == ('relu1_2', 'relu2_2', 'relu3_2', 'relu4_2',
                               'relu5_2')


def test_vgg_average_pooling_and_caffe_input():
    torch.manual_seed(0)
    vgg = VGGFeatureExtractor('vgg19', ['relu2_1', 'pool3'], None,
                              input_range='caffe', pooling='avg')
    assert not any(isinstance(m, nn.MaxPool2d) for m in vgg.features)
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    # caffe: RGB on [0, 255] minus the ImageNet mean, no scaling.
    y = (x + 1) * 127.5 - torch.tensor([123.68, 116.779, 103.939]).view(
        1, 3, 1, 1)
    h = vgg.features[:4](y)  # conv1_1, relu, conv1_2, relu
    h = F.avg_pool2d(h, 2)
    h = vgg.features[5:7](h)
    assert torch.allclose(vgg(x)['relu2_1'], h, atol=1e-4)
    with pytest.raises(ValueError, match='pooling'):
        VGGFeatureExtractor('vgg19', ['relu1_1'], None, pooling='min')


def test_bad_shapes():
    loss = CRNContentLoss(layer_weights={'input': 1.0}, pretrained=None)
    with pytest.raises(ValueError, match='does not match'):
        loss(torch.zeros(1, 3, 3, 4, 4), torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match='masks'):
        loss(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4),
             torch.zeros(1, 2, 8, 8))
    with pytest.raises(ValueError, match='layer weights'):
        CRNContentLoss(layer_weights=(1.0, 2.0), pretrained=None)


def test_vgg_conv_taps_are_before_the_relu():
    """A conv tap is the conv output itself, not overwritten by the
    in-place ReLU that follows it in torchvision's VGG."""
    torch.manual_seed(0)
    vgg = VGGFeatureExtractor('vgg19', ['conv1_2', 'relu1_2'], None)
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    feats = vgg(x)
    ref = vgg.features[2](vgg.features[1](vgg.features[0](x)))
    assert torch.allclose(feats['conv1_2'], ref)
    assert feats['conv1_2'].min() < 0
    assert torch.allclose(feats['relu1_2'], ref.clamp(min=0))
