"""Issue 13 item 5: configurations that cannot train stop in the first
iteration with the layer, the sizes and the fix -- not with PyTorch's
"Expected more than 1 value per channel when training"."""
import types

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config

import mmsemsyn  # noqa: F401
from mmsemsyn.engine.hooks.trainability_check_hook import (
    TrainabilityCheckHook,
    stride2_layers,
)
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

register_all_modules()


class Synthesizer(nn.Module):
    """What the hook sees of a synthesizer: .generator / .discriminator."""

    def __init__(self, generator=None, discriminator=None):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator


def first_iteration(model):
    """A runner stand-in; returns (hook, runner) with the checks on."""
    runner = types.SimpleNamespace(model=model, cfg=Config(dict()))
    hook = TrainabilityCheckHook()
    hook.before_train_iter(runner, 0, None)
    return hook, runner


def spade(**kwargs):
    return MODELS.build(dict(type='SPADEGenerator', semantic_nc=4, ngf=4,
                             spade_hidden=8, init_gain=None,
                             **kwargs)).train()


def test_spade_batch_one_with_1x1_bottleneck():
    """32x32 with 5 up-samplings: the first SPADE norm sees 1x1 maps."""
    gen = spade()
    hook, runner = first_iteration(Synthesizer(gen))
    with pytest.raises(ValueError, match=r'(?s)generator\.head_0\..*'
                       r'BatchNorm.*batch 1, feature map 1x1.*'
                       r'batch_size >= 2.*larger crop.*num_upsampling'):
        gen(torch.rand(1, 4, 32, 32))
    gen(torch.rand(2, 4, 32, 32))  # batch 2 trains
    # Only the first iteration is watched: afterwards nothing is hooked
    # (PyTorch's own error again), and eval mode was never affected.
    hook.after_train_iter(runner, 0)
    with pytest.raises(ValueError, match='Expected more than 1 value'):
        gen(torch.rand(1, 4, 32, 32))
    hook.before_train_iter(runner, 1)  # no second install
    with pytest.raises(ValueError, match='Expected more than 1 value'):
        gen(torch.rand(1, 4, 32, 32))
    assert 'forward' not in vars(gen)


def test_fixed_crop_size_other_than_the_data():
    """SPADE with crop_size=64 (latent from the config) on 32x32 data
    made a 64x64 fake that the losses cannot compare with the photo."""
    gen = spade(crop_size=64, aspect_ratio=1.0)
    first_iteration(Synthesizer(gen))
    with pytest.raises(ValueError, match=r'(?s)turns a 32x32 input into a '
                       r'64x64 image.*crop_size = W and aspect_ratio'):
        gen(torch.rand(2, 4, 32, 32))
    gen(torch.rand(2, 4, 64, 64))


def test_too_many_discriminator_scales_for_the_image():
    disc = MODELS.build(dict(
        type='MultiScaleDiscriminator', in_channels=7, ndf=4, n_layers_D=3,
        num_D=4,
        discriminator=dict(type='PatchDiscriminator', norm='IN'))).train()
    first_iteration(Synthesizer(discriminator=disc))
    with pytest.raises(ValueError, match=r'(?s)discriminator\.discriminators'
                       r'\.2\..*1x1 feature map.*num_D'):
        disc(torch.rand(2, 7, 64, 64))
    disc.discriminators = disc.discriminators[:2]
    disc.num_D = 2
    disc(torch.rand(2, 7, 64, 64))


class SkipNet(nn.Module):
    """A one-level U-Net without a size check of its own."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 4, 4, 2, 1)
        self.up = nn.ConvTranspose2d(4, 3, 4, 2, 1)
        self.out = nn.Conv2d(6, 3, 3, padding=1)

    def forward(self, x):
        return self.out(torch.cat([x, self.up(self.down(x))], 1))


def test_sizes_the_generator_cannot_divide():
    gen = SkipNet()
    assert stride2_layers(gen) == 1
    first_iteration(Synthesizer(gen))
    with pytest.raises(ValueError, match=r'(?s)SkipNet cannot process a '
                       r'7x8 input.*Sizes of tensors.*multiples of 2'):
        gen(torch.rand(1, 3, 7, 8))
    assert gen(torch.rand(1, 3, 8, 8)).shape == (1, 3, 8, 8)


def test_kernel_larger_than_the_feature_map():
    """A conv whose padded input is smaller than its kernel, and a
    reflection pad wider than its input, are named before PyTorch fails."""
    net = nn.Sequential(nn.Conv2d(3, 3, 4, 2, 1), nn.Conv2d(3, 3, 4, 2, 1))
    pad = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, 3, 7))
    first_iteration(Synthesizer(Synthesizer(net, pad)))
    with pytest.raises(ValueError, match=r'generator\.generator\.1: a 1x1 '
                       r'feature map.*4x4 kernel'):
        net(torch.rand(1, 3, 2, 2))
    with pytest.raises(ValueError, match=r'reflection padding of 3.*2x2'):
        pad(torch.rand(1, 3, 2, 2))


def test_before_train_checks_the_schedule():
    cfg = Config(dict(
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=2),
        train_dataloader=dict(sampler=dict(type='InfiniteSampler')),
        param_scheduler=[dict(type='LinearLR', by_epoch=True)]))
    runner = types.SimpleNamespace(cfg=cfg)
    with pytest.raises(ValueError, match='epoch never ends'):
        TrainabilityCheckHook().before_train(runner)
