"""LGGAN cross-view: one full training step equals the official one.

The reference re-states ``cross_view_translation/models/lggan_model.py``
(``optimize_parameters``): one G forward; ``optimizer_D`` (one Adam over D1
and D2, lr 2e-4, betas (0.5, 0.999)) steps on ``backward_D1`` +
``backward_D2``, each ``sum_o 0.5 * (BCE(D(cond, o.detach()), 0) +
BCE(D(cond, real), 1))`` over the global, local and final outputs with a
fresh real pass per output (sigmoid D + ``BCELoss``, ``pool_size`` 0); then,
with both Ds frozen, ``optimizer_G`` steps on GAN_D1 + GAN_D2 (three outputs
each) + 100 * (local L1 of the six class images vs the masked target +
global L1 of the three outputs) + 10 * VGG of the three outputs + 1e-6 * TV
of the three outputs, using the same G forward (the fakes are not
regenerated). Our ``train_step`` on a copy in the same state must leave
every parameter equal.
"""
import copy

import torch
import torch.nn as nn
from mmengine.registry import init_default_scope
from test_lggan_cross_view_synthesizer import make_batch, small_cfg

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS


def official_step(model, inputs):
    """The official optimize_parameters on ``model`` (changed in place);
    returns the official loss values."""
    G, D1, D2 = (model.generator, model.discriminator.image,
                 model.discriminator.semantic)
    opt_G = torch.optim.Adam([p for p in G.parameters() if p.requires_grad],
                             lr=2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(list(D1.parameters()) + list(D2.parameters()),
                             lr=2e-4, betas=(0.5, 0.999))
    A, B, Dsem = inputs['source_img'], inputs['img'], inputs[
        'target_semantic']
    masks = inputs['semantics'][:, :G.num_classes]
    out = G(torch.cat([A, Dsem], 1), masks)  # forward()
    outs = [out['global_img'], out['local_img'], out['fake_img']]
    bce, l1 = nn.BCELoss(), nn.L1Loss()

    def prob(d, cond, img):  # 'basic' D with use_sigmoid (no_lsgan)
        return torch.sigmoid(d(torch.cat([cond, img], 1)))

    def target(p, value):
        return torch.full_like(p, value)

    for p in list(D1.parameters()) + list(D2.parameters()):
        p.requires_grad_(True)
    opt_D.zero_grad()
    loss_d = {}
    for name, d, cond in (('D1', D1, A), ('D2', D2, Dsem)):
        total = 0
        for o in outs:
            pf = prob(d, cond, o.detach())
            pr = prob(d, cond, B)  # a fresh real pass per output
            total = total + 0.5 * (bce(pf, target(pf, 0.)) +
                                   bce(pr, target(pr, 1.)))
        total.backward()  # backward_D1, backward_D2
        loss_d[name] = total.detach()
    opt_D.step()

    for p in list(D1.parameters()) + list(D2.parameters()):
        p.requires_grad_(False)
    opt_G.zero_grad()
    gan = {}
    for name, d, cond in (('D1', D1, A), ('D2', D2, Dsem)):
        gan[name] = sum(bce(prob(d, cond, o), target(prob(d, cond, o), 1.))
                        for o in outs)
    local = sum(l1(out['class_images'][:, i], B * masks[:, i:i + 1])
                for i in range(G.num_classes)) * 100
    global_l1 = sum(l1(o, B) for o in outs) * 100
    vgg = sum(model.losses['vgg'](o, B) for o in outs)  # lambda 10 inside
    tv = sum(1e-6 * ((o[..., :, :-1] - o[..., :, 1:]).abs().sum() +
                     (o[..., :-1, :] - o[..., 1:, :]).abs().sum())
             for o in outs)
    loss_g = gan['D1'] + gan['D2'] + local + global_l1 + vgg + tv
    loss_g.backward()
    opt_G.step()
    for p in list(D1.parameters()) + list(D2.parameters()):
        p.requires_grad_(True)
    return dict(loss_g=loss_g.detach(), **loss_d)


def test_one_training_step_equals_the_official_step():
    init_default_scope('mmsemsyn')
    cfg = small_cfg()
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ref = copy.deepcopy(model)
    optim_cfg = cfg.optim_wrapper.copy()
    optim = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type=optim_cfg.pop('constructor'), optim_wrapper_cfg=optim_cfg))(
            model)
    assert model.update_order == 'd_then_g'  # the official order
    data = make_batch()
    log = model.train_step(copy.deepcopy(data), optim)
    inputs = ref.data_preprocessor(copy.deepcopy(data), True)['inputs']
    official = official_step(ref, inputs)

    torch.testing.assert_close(log['loss_disc'],
                               official['D1'] + official['D2'], rtol=1e-4,
                               atol=1e-5)
    torch.testing.assert_close(log['loss_gen'], official['loss_g'],
                               rtol=1e-4, atol=1e-5)
    # Adam's first step moves a weight by ~lr * sign(grad): compare to 1% of
    # lr wherever the gradient is not float noise (conv biases in front of
    # InstanceNorm have a zero gradient in exact arithmetic; with losses of
    # ~100 their float gradient is ~1e-6 and its sign arbitrary)
    compared = 0
    for (name, a), b in zip(model.named_parameters(), ref.parameters()):
        if b.grad is None:
            torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
            continue
        real = b.grad.abs() > 1e-4
        compared += int(real.sum())
        torch.testing.assert_close(a[real], b[real], rtol=0, atol=2e-6,
                                   msg=name)
    assert compared > 0.9 * sum(p.numel() for p in ref.parameters()
                                if p.grad is not None)
    assert not torch.equal(
        model.generator.attention_head.weight,
        copy.deepcopy(MODELS.build(cfg.model)).generator.attention_head
        .weight)
