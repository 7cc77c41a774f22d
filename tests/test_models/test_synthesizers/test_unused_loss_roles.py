"""A configured loss role that the method's training step never reads is
reported (UnusedLossRoleWarning) instead of being silently ignored, e.g. the
denoising GAN's perturbed loss added to plain pix2pix by config."""
import warnings

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.registry import DefaultScope

import mmsemsyn.models  # noqa: F401  (registers the modules)
from mmsemsyn.models.synthesizers.base_synthesis_gan import (
    UnusedLossRoleWarning,
)
from mmsemsyn.registry import MODELS
from mmsemsyn.structures import SynDataSample

PIX2PIX_LOSSES = dict(
    gan=dict(type='GANLoss', gan_type='vanilla', loss_name='loss_gan'),
    gan_disc=dict(type='GANLoss', gan_type='vanilla', loss_weight=0.5,
                  loss_name='loss_gan_disc'),
    l1=dict(type='L1Loss', loss_weight=100.0, loss_name='loss_l1'))
PERTURBED = dict(
    perturbed=dict(type='PerturbedLoss', loss_name='loss_perturbed'),
    perturbed_disc=dict(type='PerturbedLoss', loss_weight=0.5,
                        loss_name='loss_perturbed_disc'))


def build(method, losses, generator):
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        return MODELS.build(dict(
            type=method,
            data_preprocessor=dict(type='SynDataPreprocessor', num_classes=4),
            generator=generator,
            discriminator=dict(type='PatchDiscriminator', in_channels=7,
                               ndf=4, n_layers_D=2),
            losses=losses))


UNET = dict(type='UnetGenerator', in_channels=4, num_downs=5, ngf=4,
            use_dropout=False)
DG = dict(type='DenoisingGANGenerator', in_channels=4, ngf=4, n_blocks=1)


def step(model):
    torch.manual_seed(0)
    optim = OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam(
            model.generator.parameters(), lr=1e-3)),
        discriminator=OptimWrapper(torch.optim.Adam(
            model.discriminator.parameters(), lr=1e-3)))
    data = dict(
        inputs=dict(label=[torch.randint(0, 4, (1, 32, 32))
                           for _ in range(2)],
                    img=[torch.randint(0, 256, (3, 32, 32),
                                       dtype=torch.uint8)
                         for _ in range(2)]),
        data_samples=[SynDataSample() for _ in range(2)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        log = model.train_step(data, optim)
    return log, [w for w in caught
                 if issubclass(w.category, UnusedLossRoleWarning)]


@pytest.fixture(autouse=True)
def first_iteration():
    MessageHub.get_current_instance().update_info('iter', 0)
    yield
    MessageHub.get_current_instance().update_info('iter', 0)


def test_loss_a_method_does_not_read_is_reported_once():
    model = build('Pix2Pix', dict(PIX2PIX_LOSSES, **PERTURBED), UNET)
    log, found = step(model)
    assert 'loss_perturbed' not in log  # pix2pix's step ignores the role
    assert len(found) == 1
    message = str(found[0].message)
    assert "['perturbed', 'perturbed_disc']" in message
    assert 'Pix2Pix' in message and 'no effect' in message
    # once per model, not every iteration
    assert step(model)[1] == []


def test_no_report_when_every_role_is_read():
    assert step(build('Pix2Pix', PIX2PIX_LOSSES, UNET))[1] == []
    # the same perturbed roles on the method that uses them
    log, found = step(build('DenoisingGAN', dict(PIX2PIX_LOSSES,
                                                 **PERTURBED), DG))
    assert found == []
    assert 'loss_perturbed' in log and 'loss_d_perturbed' in log
