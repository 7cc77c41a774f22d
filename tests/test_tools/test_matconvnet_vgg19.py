"""tools/model_converters/matconvnet_vgg19.py: MatConvNet VGG-19 (CRN's
official loss network) -> torchvision state dict, conv semantics kept."""
import numpy as np
import pytest
import torch
from scipy.io import savemat
from tiny_train_configs import load_tool

from mmsemsyn.models.pretrained.vgg import VGGFeatureExtractor

converter = load_tool('model_converters/matconvnet_vgg19')

VGG19_CONVS = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256),
               (256, 256), (256, 256), (256, 256), (256, 512), (512, 512),
               (512, 512), (512, 512), (512, 512), (512, 512), (512, 512),
               (512, 512)]


def write_mat(path, rng):
    """A file laid out as MatConvNet's simplenn: a cell array of layer
    structs (name, type, weights = {kernel (kh, kw, in, out), bias})."""
    layers, kernels = [], []

    def conv(name, kernel, bias):
        w = np.empty((1, 2), dtype=object)
        w[0, 0], w[0, 1] = kernel, bias.reshape(-1, 1)
        layers.append({'name': name, 'type': 'conv', 'weights': w})

    for i, (cin, cout) in enumerate(VGG19_CONVS):
        kernel = rng.standard_normal((3, 3, cin, cout)).astype(np.float32)
        bias = rng.standard_normal(cout).astype(np.float32)
        kernels.append((kernel, bias))
        conv(f'conv{i}', kernel, bias)
        layers.append({'name': f'relu{i}', 'type': 'relu'})
        if i in (1, 3, 7, 11, 15):
            layers.append({'name': f'pool{i}', 'type': 'pool'})
    conv('fc6', np.zeros((7, 7, 512, 2), np.float32), np.zeros(2))
    cell = np.empty((1, len(layers)), dtype=object)
    for i, layer in enumerate(layers):
        cell[0, i] = layer
    savemat(str(path), {'layers': cell})
    return kernels


def test_convert_keeps_the_convolution(tmp_path):
    rng = np.random.default_rng(0)
    kernels = write_mat(tmp_path / 'vgg.mat', rng)
    out = converter.main([str(tmp_path / 'vgg.mat'), '--out',
                          str(tmp_path / 'vgg19.pth')])
    vgg = VGGFeatureExtractor('vgg19', ['relu1_1', 'relu5_4'],
                              pretrained=out, input_range='caffe')
    # conv1_1 at an interior pixel, computed as tf.nn.conv2d does from the
    # (kh, kw, in, out) kernel: a cross-correlation.
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    y = ((x + 1) * 127.5 - torch.tensor([123.68, 116.779, 103.939]).view(
        1, 3, 1, 1))[0].numpy()
    kernel, bias = kernels[0]
    ref = np.maximum(
        np.einsum('ihw,hwio->o', y[:, 1:4, 1:4], kernel) + bias, 0)
    assert (ref > 0).any() and (ref == 0).any()
    got = vgg(x)['relu1_1'][0, :, 2, 2].numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-2)
    # Every conv was taken (the fc layer stored as a conv was not).
    last = vgg.features[34]
    assert torch.equal(last.weight, torch.from_numpy(
        kernels[15][0].transpose(3, 2, 0, 1).copy()))


def test_bad_files(tmp_path):
    savemat(str(tmp_path / 'other.mat'), {'x': np.zeros(3)})
    with pytest.raises(ValueError, match='not a MatConvNet'):
        converter.convert(str(tmp_path / 'other.mat'))
    with pytest.raises(FileNotFoundError):
        converter.convert(str(tmp_path / 'missing.mat'))
