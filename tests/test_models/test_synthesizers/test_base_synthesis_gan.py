"""The shared GAN training step of BaseSynthesisGAN (via a tiny pix2pix)."""
import copy

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.registry import DefaultScope

from mmsemsyn.models.synthesizers.base_synthesis_gan import frozen
from mmsemsyn.models.synthesizers.pix2pix import Pix2Pix
from mmsemsyn.structures import SynDataSample


def tiny_pix2pix(**kwargs):
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        return _tiny_pix2pix(**kwargs)


def _tiny_pix2pix(**kwargs):
    return Pix2Pix(
        data_preprocessor=dict(type='SynDataPreprocessor', num_classes=4),
        generator=dict(type='UnetGenerator', in_channels=4, num_downs=5,
                       ngf=4, use_dropout=False),
        discriminator=dict(type='PatchDiscriminator', in_channels=7, ndf=4,
                           n_layers_D=2),
        losses=dict(
            gan=dict(type='GANLoss', gan_type='vanilla', loss_name='loss_gan'),
            gan_disc=dict(type='GANLoss', gan_type='vanilla',
                          loss_weight=0.5, loss_name='loss_gan_disc'),
            l1=dict(type='L1Loss', loss_weight=100.0, loss_name='loss_l1')),
        **kwargs)


def optim(model):
    return OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam(
            model.generator.parameters(), lr=1e-3)),
        discriminator=OptimWrapper(torch.optim.Adam(
            model.discriminator.parameters(), lr=1e-3)))


def batch(n=2, size=32):
    g = torch.Generator().manual_seed(0)
    inputs = dict(
        label=[torch.randint(0, 4, (1, size, size), generator=g)
               for _ in range(n)],
        img=[torch.randint(0, 256, (3, size, size), generator=g,
                           dtype=torch.uint8) for _ in range(n)])
    return dict(inputs=inputs, data_samples=[SynDataSample()
                                             for _ in range(n)])


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def changed(before, module):
    return any(not torch.equal(a, b)
               for a, b in zip(before, module.parameters()))


def set_iter(i):
    MessageHub.get_current_instance().update_info('iter', i)


@pytest.fixture(autouse=True)
def reset_iter():
    set_iter(0)
    yield
    set_iter(0)


def test_train_step_updates_both_and_logs_every_loss():
    torch.manual_seed(0)
    model = tiny_pix2pix()
    g0, d0 = snapshot(model.generator), snapshot(model.discriminator)
    log = model.train_step(batch(), optim(model))
    assert set(log) == {'loss_d_fake', 'loss_d_real', 'loss_disc',
                        'loss_gan', 'loss_l1', 'loss_gen'}
    assert torch.allclose(log['loss_disc'],
                          log['loss_d_fake'] + log['loss_d_real'])
    assert torch.allclose(log['loss_gen'], log['loss_gan'] + log['loss_l1'])
    assert changed(g0, model.generator) and changed(d0, model.discriminator)
    # Every network is trainable again after the step.
    assert all(p.requires_grad for p in model.parameters())


def test_discriminator_frozen_during_generator_update():
    torch.manual_seed(0)
    model = tiny_pix2pix()
    seen = {}
    original = model.generator_losses

    def spy(inputs, outputs):
        seen['d_requires_grad'] = [
            p.requires_grad for p in model.discriminator.parameters()]
        seen['d_grads_before'] = [
            None if p.grad is None else p.grad.clone()
            for p in model.discriminator.parameters()]
        losses = original(inputs, outputs)
        total = sum(losses.values())
        # The G loss reaches G but cannot create gradients in D.
        torch.autograd.grad(total, list(model.generator.parameters())[:1],
                            retain_graph=True)
        return losses

    model.generator_losses = spy
    d_ow = optim(model)
    model.train_step(batch(), d_ow)
    assert seen['d_requires_grad'] and not any(seen['d_requires_grad'])
    # D grads were cleared after its own update and the G backward added
    # nothing: all None or zero after the whole step.
    for p in model.discriminator.parameters():
        assert p.grad is None or not p.grad.abs().sum()


def test_discriminator_update_does_not_touch_generator():
    """D is trained on the detached fake: no gradient flows into G."""
    torch.manual_seed(0)
    model = tiny_pix2pix(discriminator_steps=2)
    g0, d0 = snapshot(model.generator), snapshot(model.discriminator)
    log = model.train_step(batch(), optim(model))  # iter 0: D only
    assert 'loss_gen' not in log and 'loss_disc' in log
    assert not changed(g0, model.generator)
    assert changed(d0, model.discriminator)
    assert all(p.grad is None for p in model.generator.parameters())


@pytest.mark.parametrize('kwargs,g_turns', [
    (dict(discriminator_steps=2), [False, True, False, True]),
    (dict(disc_init_steps=2), [False, False, True, True]),
    (dict(), [True, True, True, True]),
])
def test_generator_schedule(kwargs, g_turns):
    torch.manual_seed(0)
    model = tiny_pix2pix(**kwargs)
    ow = optim(model)
    for i, expect in enumerate(g_turns):
        set_iter(i)
        g0 = snapshot(model.generator)
        log = model.train_step(batch(), ow)
        assert ('loss_gen' in log) == expect
        assert changed(g0, model.generator) == expect


def test_generator_steps_runs_several_updates():
    torch.manual_seed(0)
    model = tiny_pix2pix(generator_steps=2)
    calls = []
    original = model.forward_generator
    model.forward_generator = lambda inputs: calls.append(1) or original(
        inputs)
    model.train_step(batch(), optim(model))
    assert len(calls) == 2  # once shared with D, once for the 2nd G step


def _official_sequence(model, data, order):
    """The update sequence of each official trainer, written out by hand."""
    ow = optim(model)
    inputs = model.data_preprocessor(data, True)['inputs']

    def d_step(out):
        loss, _ = model.parse_losses(model.discriminator_losses(
            inputs, model.detach_outputs(out)))
        ow['discriminator'].update_params(loss)

    def g_step(out):
        with frozen(model.discriminator):
            loss, _ = model.parse_losses(model.generator_losses(inputs, out))
            ow['generator'].update_params(loss)

    out = model.forward_generator(inputs)
    if order == 'd_then_g':  # pix2pix: backward_D, then backward_G
        d_step(out)
        g_step(out)
        return
    g_step(out)  # pix2pixHD / SPADE: the generator first
    if order == 'g_then_d_fresh_fake':  # SPADE: D draws a new fake
        with torch.no_grad():
            out = model.forward_generator(inputs)
    d_step(out)


def test_update_orders_follow_the_official_trainers():
    data = batch()
    after = {}
    for order in Pix2Pix.UPDATE_ORDERS:
        torch.manual_seed(0)
        model = tiny_pix2pix(update_order=order)
        reference = copy.deepcopy(model)
        model.train_step(data, optim(model))
        _official_sequence(reference, data, order)
        for (name, ours), theirs in zip(model.named_parameters(),
                                        reference.parameters()):
            assert torch.equal(ours, theirs), (order, name)
        after[order] = model
    # The orders really differ: G meets the updated or the old D; D judges
    # the fake of the old or of the updated G.
    assert changed(snapshot(after['d_then_g'].generator),
                   after['g_then_d'].generator)
    assert changed(snapshot(after['g_then_d'].discriminator),
                   after['g_then_d_fresh_fake'].discriminator)


def test_g_then_d_judges_the_last_generator_step_fake():
    torch.manual_seed(0)
    model = tiny_pix2pix(update_order='g_then_d', generator_steps=2)
    fakes, judged = [], []
    forward, d_losses = model.forward_generator, model.discriminator_losses
    model.forward_generator = lambda inputs: (
        lambda out: fakes.append(out['fake_img'].detach()) or out)(
            forward(inputs))
    model.discriminator_losses = lambda inputs, outputs: (
        judged.append(outputs['fake_img']) or d_losses(inputs, outputs))
    model.train_step(batch(), optim(model))
    assert len(fakes) == 2 and len(judged) == 1
    assert torch.equal(judged[0], fakes[1])
    assert not torch.equal(fakes[0], fakes[1])


def test_method_default_update_orders():
    from mmsemsyn.models.synthesizers.lab2pix_v1 import Lab2PixV1
    from mmsemsyn.models.synthesizers.lab2pix_v2 import Lab2PixV2
    from mmsemsyn.models.synthesizers.lggan import LGGAN
    from mmsemsyn.models.synthesizers.lggan_cross_view import LGGANCrossView
    from mmsemsyn.models.synthesizers.pix2pixhd import Pix2PixHD
    from mmsemsyn.models.synthesizers.spade import SPADEGAN
    assert tiny_pix2pix().update_order == 'd_then_g'
    assert Pix2PixHD.default_update_order == 'g_then_d'
    assert Lab2PixV1.default_update_order == 'g_then_d'
    for cls in (SPADEGAN, LGGAN, Lab2PixV2):
        assert cls.default_update_order == 'g_then_d_fresh_fake'
    assert LGGANCrossView.default_update_order == 'd_then_g'
    with pytest.raises(ValueError, match="'g_first'.*d_then_g"):
        tiny_pix2pix(update_order='g_first')


def test_predict_returns_uint8_samples():
    torch.manual_seed(0)
    model = tiny_pix2pix().eval()
    data = model.data_preprocessor(batch(n=3), False)
    samples = model(data['inputs'], data['data_samples'], mode='predict')
    assert len(samples) == 3
    fake = samples[0].fake_img
    assert fake.dtype == torch.uint8 and fake.shape == (3, 32, 32)
    tensor = model(data['inputs'], mode='tensor')
    assert tensor.shape == (3, 3, 32, 32)
    with pytest.raises(ValueError, match='train_step'):
        model(data['inputs'], mode='loss')


def test_frozen_discriminator_parts_stay_frozen():
    """The G step freezes D and then restores each parameter's own flag: a
    part frozen before (e.g. a perceptual VGG branch) is not unfrozen."""
    torch.manual_seed(0)
    model = tiny_pix2pix()
    first = model.discriminator.blocks[0][0]
    first.requires_grad_(False)
    before = snapshot(first)
    model.train_step(batch(), optim(model))
    assert not any(p.requires_grad for p in first.parameters())
    assert all(p.requires_grad
               for p in model.discriminator.blocks[1].parameters())
    assert not changed(before, first)
