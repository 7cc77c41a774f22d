"""tools/test.py --num-samples K on a model that draws no noise at test time
(the denoising GAN's default seeded test noise) warns that its K samples
are identical instead of silently scoring K copies (LPIPS diversity 0)."""
import types
import warnings

import pytest
import torch
from mmengine.registry import DefaultScope

import mmsemsyn.models  # noqa: F401  (registers the modules)
from mmsemsyn.engine.runner.synthesis_test_loop import (
    IdenticalSamplesWarning,
    SynthesisTestLoop,
)
from mmsemsyn.registry import MODELS
from mmsemsyn.structures import SynDataSample


def denoising_gan(test_mode):
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        model = MODELS.build(dict(
            type='DenoisingGAN',
            data_preprocessor=dict(
                type='SynDataPreprocessor', num_classes=4,
                semantic_noise=dict(std=0.4, test_mode=test_mode)),
            generator=dict(type='DenoisingGANGenerator', in_channels=4,
                           ngf=4, n_blocks=1),
            discriminator=dict(type='PatchDiscriminator', in_channels=7,
                               ndf=4, n_layers_D=2),
            losses=dict(gan=dict(type='GANLoss'))))
    return model.eval()


def loop_of(model, k=3):
    # The sampling part of the loop only needs the model, K and the seed.
    loop = SynthesisTestLoop.__new__(SynthesisTestLoop)
    loop._runner = types.SimpleNamespace(model=model)
    loop.num_samples, loop.seed = k, 0
    return loop


def batch():
    g = torch.Generator().manual_seed(0)
    return dict(
        inputs=dict(label=[torch.randint(0, 4, (1, 16, 16), generator=g)
                           for _ in range(2)]),
        data_samples=[SynDataSample(metainfo=dict(sample_idx=i))
                      for i in range(2)])


def sample(loop):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        outputs = loop._predict_samples(batch())
    return outputs, [w for w in caught
                     if issubclass(w.category, IdenticalSamplesWarning)]


@pytest.mark.parametrize('test_mode', ['seeded', 'none'])
def test_noise_free_test_time_samples_are_reported(test_mode):
    loop = loop_of(denoising_gan(test_mode))
    outputs, found = sample(loop)
    imgs = outputs[0].fake_imgs
    assert imgs.shape[0] == 3 and torch.equal(imgs[0], imgs[2])
    assert len(found) == 1
    assert 'semantic_noise.test_mode=random' in str(found[0].message)
    assert sample(loop)[1] == []  # once per test run


def test_stochastic_samples_are_not_reported():
    outputs, found = sample(loop_of(denoising_gan('random')))
    imgs = outputs[0].fake_imgs
    assert not torch.equal(imgs[0], imgs[1])
    assert found == []
