"""CRNGenerator: module shapes, layer-norm placement, official layout and
parameter counts (CQFIO/PhotographicImageSynthesis ``recursive_generator``).
"""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.generators.crn import CRNGenerator, crn_official_channels


def tiny(num_outputs=2, channels=(8, 8, 6, 4), in_channels=5, **kwargs):
    torch.manual_seed(0)
    return CRNGenerator(in_channels=in_channels, channels=channels,
                        num_outputs=num_outputs, **kwargs)


def test_module_shapes_at_every_scale():
    gen = tiny()
    shapes = []
    for module in gen.refinement_modules:
        module.register_forward_hook(
            lambda m, i, o: shapes.append(tuple(o.shape)))
    out = gen(torch.rand(2, 5, 32, 64))
    # 4x8, 8x16, 16x32, 32x64 -- each module doubles the previous one.
    assert shapes == [(2, 8, 4, 8), (2, 8, 8, 16), (2, 6, 16, 32),
                      (2, 4, 32, 64)]
    assert out.shape == (2, 3 * 2, 32, 64)
    # Module i sees the upsampled features of i-1 plus the label channels.
    assert [m.conv1[0].in_channels for m in gen.refinement_modules] == \
        [5, 8 + 5, 8 + 5, 6 + 5]


def test_official_widths():
    assert crn_official_channels(7) == [1024] * 5 + [512] * 2
    assert crn_official_channels(8) == [1024] * 5 + [512] * 2 + [128]
    assert crn_official_channels(9) == [1024] * 5 + [512] * 2 + [128, 32]


def test_layer_norm_placement():
    gen = tiny()
    for module in gen.refinement_modules:
        for block in (module.conv1, module.conv2):
            conv, norm, act = block
            assert isinstance(conv, nn.Conv2d) and conv.bias is None
            assert conv.kernel_size == (3, 3) and conv.padding == (1, 1)
            # Layer norm = one group over (C, H, W), per-channel affine.
            assert isinstance(norm, nn.GroupNorm) and norm.num_groups == 1
            assert norm.weight.shape == (conv.out_channels, )
            assert isinstance(act, nn.LeakyReLU)
            assert act.negative_slope == 0.2
    # No norm / activation after the 1x1 output conv.
    assert gen.to_rgb.kernel_size == (1, 1) and gen.to_rgb.bias is not None

    # Behaviour: right after a norm, each sample is standardised over
    # (C, H, W) jointly, not per channel (that would be instance norm).
    normed = []
    gen.refinement_modules[2].conv1[1].register_forward_hook(
        lambda m, i, o: normed.append(o))
    gen(torch.rand(2, 5, 32, 64))
    x = normed[0]
    flat = x.flatten(1)
    assert torch.allclose(flat.mean(1), torch.zeros(2), atol=1e-5)
    assert torch.allclose(flat.var(1, unbiased=False), torch.ones(2),
                          atol=1e-3)
    assert x.mean((2, 3)).abs().max() > 0.05


def test_no_output_activation():
    gen = tiny(num_outputs=1)
    with torch.no_grad():
        gen.to_rgb.bias.fill_(5.0)
        gen.to_rgb.weight.zero_()
    # The official (x + 1) / 2 * 255 has no tanh: values past [-1, 1] stay.
    assert torch.allclose(gen(torch.rand(1, 5, 32, 64)),
                          torch.full((1, 3, 32, 64), 5.0))


def test_official_colour_major_output_layout():
    n = 3
    gen = tiny(num_outputs=n)
    with torch.no_grad():
        gen.to_rgb.weight.zero_()
        gen.to_rgb.bias.copy_(torch.arange(3 * n, dtype=torch.float))
    out = gen(torch.rand(1, 5, 32, 64))
    for k in range(n):
        for c in range(3):
            # Official image k, colour c = conv channel c * n + k.
            assert torch.all(out[0, 3 * k + c] == c * n + k)


def official_recursion(gen, label, level):
    """Independent re-statement of the official recursive_generator: the
    label map is area-downsampled on the way down, features bilinearly
    upsampled (align corners) on the way up."""
    module = gen.refinement_modules[level]
    if level == 0:
        x = label
    else:
        small = F.interpolate(label, scale_factor=0.5, mode='area')
        prev = official_recursion(gen, small, level - 1)
        prev = F.interpolate(prev, size=label.shape[-2:], mode='bilinear',
                             align_corners=True)
        x = torch.cat([prev, label], 1)
    return module.conv2(module.conv1(x))


def test_equals_official_recursion():
    gen = tiny(num_outputs=1)
    label = torch.rand(2, 5, 32, 64)
    ref = gen.to_rgb(official_recursion(gen, label, gen.num_modules - 1))
    assert torch.allclose(gen(label), ref, atol=1e-5)


def test_extra_input_channel_and_gradients():
    gen = tiny(num_outputs=1, in_channels=6)  # 5 label + 1 noise channel
    x = torch.rand(1, 6, 32, 64, requires_grad=True)
    gen(x).sum().backward()
    assert x.grad[:, 5].abs().sum() > 0
    assert all(p.grad is not None for p in gen.parameters())


def test_frozen_stages():
    gen = tiny(num_outputs=1, frozen_stages=2)
    gen(torch.rand(1, 5, 32, 64)).sum().backward()
    for i, module in enumerate(gen.refinement_modules):
        grads = [p.grad for p in module.parameters()]
        if i < 2:
            assert all(g is None for g in grads)
        else:
            assert all(g is not None for g in grads)


@pytest.mark.parametrize('num_modules,num_outputs,expected', [
    (7, 9, 97_875_483),   # 256x512, 9 images (demo_256p.py)
    (8, 1, 98_622_851),   # 512x1024 (demo_512p.py)
    (9, 1, 98_674_531),   # 1024x2048 (demo_1024p.py)
])
def test_official_parameter_counts(num_modules, num_outputs, expected):
    with torch.device('meta'):  # count without allocating ~400 MB
        gen = CRNGenerator(in_channels=20, num_modules=num_modules,
                           num_outputs=num_outputs)
    assert sum(p.numel() for p in gen.parameters()) == expected


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match='num_outputs'):
        tiny(num_outputs=0)
    with pytest.raises(ValueError, match='frozen_stages'):
        tiny(frozen_stages=5)
    gen = tiny()
    with pytest.raises(ValueError, match='divisible by 8'):
        gen(torch.rand(1, 5, 36, 64))
    with pytest.raises(ValueError, match=r'\(B, 5, H, W\)'):
        gen(torch.rand(1, 4, 32, 64))
