"""Loss scalings that used to be multiplications inside synthesizers are
options of the loss modules, and ramps are set by LossRampHook (issue 9
item 3). Each option equals the old explicit arithmetic."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from mmsemsyn.engine.hooks.loss_ramp_hook import LossRampHook
from mmsemsyn.models.losses.class_losses import ClassSpecificL1Loss
from mmsemsyn.models.losses.diversity_loss import DiversityLoss
from mmsemsyn.models.losses.gan_loss import GANLoss
from mmsemsyn.models.losses.hierarchical_gan_loss import HierarchicalGANLoss
from mmsemsyn.models.losses.perceptual_loss import VGGPerceptualLoss
from mmsemsyn.models.losses.pixel_loss import L1Loss
from mmsemsyn.models.losses.sharpness_loss import SharpnessEnhancementLoss


def test_disc_real_weight_scales_only_the_discriminator_real_term():
    torch.manual_seed(0)
    pred = [torch.randn(2, 1, 4, 4), torch.randn(2, 1, 2, 2)]
    plain = GANLoss('vanilla', loss_weight=0.5)
    tripled = GANLoss('vanilla', loss_weight=0.5, disc_real_weight=3.0)
    # LGGAN cross-view's former len(fakes) * gan(pred_real, True)
    assert torch.equal(tripled(pred, True, is_disc=True),
                       3 * plain(pred, True, is_disc=True))
    assert torch.equal(tripled(pred, False, is_disc=True),
                       plain(pred, False, is_disc=True))
    assert torch.equal(tripled(pred, True), plain(pred, True))  # G term


def test_vgg_output_reduction_sum_equals_the_old_multiplication():
    torch.manual_seed(0)
    vgg = VGGPerceptualLoss(arch='vgg16', layers=('relu1_1', 'relu2_1'),
                            layer_weights=(1., 0.5), pretrained=None,
                            output_reduction='sum')
    fakes = [torch.rand(2, 3, 16, 16) * 2 - 1 for _ in range(3)]
    real = torch.rand(2, 3, 16, 16) * 2 - 1
    got = vgg(torch.stack(fakes), real)
    # the former cross-view code: one batched pass, mean times 3
    feats = {k: v.repeat(3, 1, 1, 1)
             for k, v in vgg.target_features(real).items()}
    old = 3 * vgg(torch.cat(fakes, 0), target_feats=feats)
    assert torch.equal(got, old)
    # ... which is the official sum of three VGG losses
    torch.testing.assert_close(got, sum(vgg(f, real) for f in fakes))
    # 'mean' averages the N outputs; a (B, 3, H, W) prediction is
    # unaffected by the option
    mean = VGGPerceptualLoss(arch='vgg16', layers=('relu1_1', 'relu2_1'),
                             layer_weights=(1., 0.5), pretrained=None)
    mean.load_state_dict(vgg.state_dict())
    assert torch.equal(mean(fakes[0], real), vgg(fakes[0], real))
    torch.testing.assert_close(mean(torch.stack(fakes), real),
                               sum(mean(f, real) for f in fakes) / 3)
    with pytest.raises(ValueError, match='output_reduction'):
        VGGPerceptualLoss(pretrained=None, output_reduction='max')


def test_class_specific_l1_equals_the_former_cross_view_sum():
    torch.manual_seed(0)
    classes = torch.rand(2, 4, 3, 8, 8)
    masks = (torch.rand(2, 4, 8, 8) > 0.5).float()
    real = torch.rand(2, 3, 8, 8)
    loss = ClassSpecificL1Loss(loss_weight=100.0)(classes, masks, real)
    # the former LGGANCrossView code: C * L1Loss(classes, real * masks)
    old = classes.shape[1] * L1Loss(loss_weight=100.0)(
        classes, real.unsqueeze(1) * masks.unsqueeze(2))
    torch.testing.assert_close(loss, old)


@pytest.mark.parametrize('lam', [0.0, 0.3, 1.0])
def test_sharpness_balance_equals_the_former_synthesizer_arithmetic(lam):
    gan = HierarchicalGANLoss(gan_type='hinge')
    torch.manual_seed(0)
    pf, pr, pb, pr2 = (torch.randn(2, 1, 4, 4) for _ in range(4))
    fake, real = gan(pf, False, True), gan(pr, True, True)
    blurred, real2 = gan(pb, False, True), gan(pr2, True, True)
    # V1 (balance='real'): the former lab2pix_v1.py lines
    v1 = SharpnessEnhancementLoss(loss_weight=lam, balance='real')
    out = v1.balance(fake, real, blurred)
    assert list(out) == ['loss_d_fake', 'loss_d_sharp', 'loss_d_real']
    assert torch.equal(out['loss_d_fake'], fake)
    assert torch.equal(out['loss_d_sharp'], v1(pb, gan))
    assert torch.equal(out['loss_d_real'], (1 + lam) * real)
    # V2 (balance='average'): the former lab2pix_v2.py lines
    v2 = SharpnessEnhancementLoss(loss_weight=lam, balance='average')
    out = v2.balance(fake, real, blurred, real2)
    assert list(out) == ['loss_d_fake', 'loss_d_real', 'loss_d_sharp']
    assert torch.equal(out['loss_d_fake'], fake / (1 + lam))
    assert torch.equal(out['loss_d_real'], (real + lam * real2) / (1 + lam))
    assert torch.equal(out['loss_d_sharp'], v2(pb, gan) / (1 + lam))
    with pytest.raises(ValueError, match='loss_d_real_second'):
        v2.balance(fake, real, blurred)
    with pytest.raises(ValueError, match="balance='real'"):
        SharpnessEnhancementLoss().balance(fake, real, blurred)
    with pytest.raises(ValueError, match='balance must be'):
        SharpnessEnhancementLoss(balance='sum')


def fake_runner(losses: dict, max_iters=4, max_epochs=1):
    model = SimpleNamespace(losses=nn.ModuleDict(losses))
    return SimpleNamespace(model=model, iter=0, epoch=0,
                           max_iters=max_iters, max_epochs=max_epochs)


def test_loss_ramp_hook_sets_the_ramp_at_every_iteration():
    sharp = SharpnessEnhancementLoss(loss_weight=2.0, ramp='iter')
    by_epoch = SharpnessEnhancementLoss(loss_weight=1.0, ramp='epoch')
    div = DiversityLoss(ramp_epochs=4, iters_per_epoch=2)
    runner = fake_runner(dict(sharp=sharp, sharp_e=by_epoch, div=div,
                              l1=L1Loss()))
    runner.max_epochs = 4
    hook = LossRampHook()
    weights, factors = [], []
    for it in range(4):
        runner.iter = it
        runner.epoch = it // 2
        hook.before_train_iter(runner, batch_idx=it)
        weights.append(sharp.current_weight())
        factors.append((by_epoch.current_weight(), div.ramp_factor()))
    # lambda_2 * iter / max_iters, before iterations 0, 1, 2, 3 of 4
    assert weights == [0.0, 0.5, 1.0, 1.5]
    # epoch / max_epochs; the diversity ramp (epoch + 1) / ramp_epochs with
    # epoch = iter // iters_per_epoch
    assert factors == [(0.0, 0.25), (0.0, 0.25), (0.25, 0.5), (0.25, 0.5)]
    # a resumed run: the progress comes from the runner, not from history
    runner.iter, runner.epoch = 3, 1
    hook.before_train_iter(runner, batch_idx=0)
    assert sharp.current_weight() == 1.5
    # past the end of the ramp: the full weight
    runner.iter = 9
    hook.before_train_iter(runner, batch_idx=0)
    assert sharp.current_weight() == 2.0 and div.ramp_factor() == 1.0


def test_loss_ramp_hook_without_losses_is_a_no_op():
    runner = fake_runner({})
    runner.model = SimpleNamespace()
    LossRampHook().before_train_iter(runner, batch_idx=0)


def test_loss_ramp_hook_in_a_runner(tmp_path):
    """Through mmengine's Runner: the weight each training step sees."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Ramped(BaseModel):
        def __init__(self):
            super().__init__()
            self.param = nn.Parameter(torch.zeros(()))
            self.losses = nn.ModuleDict(dict(sharp=SharpnessEnhancementLoss(
                loss_weight=1.0, ramp='iter')))
            self.seen = []

        def forward(self, *args, **kwargs):
            return {}

        def train_step(self, data, optim_wrapper):
            self.seen.append(self.losses['sharp'].current_weight())
            return {}

    model = Ramped()
    runner = Runner(
        model=model, work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=[0] * 8, batch_size=1, collate_fn=dict(
                type='pseudo_collate'),
            sampler=dict(type='DefaultSampler', shuffle=False)),
        train_cfg=dict(by_epoch=False, max_iters=4),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[dict(type='LossRampHook')],
        default_hooks=dict(checkpoint=None, logger=None),
        default_scope='mmsemsyn', log_level='WARNING')
    runner.train()
    assert model.seen == [0.0, 0.25, 0.5, 0.75]
