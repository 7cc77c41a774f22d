"""The one ``discriminate(condition, images)`` of BaseSynthesisGAN, its
splitter and the ``gan_disc`` fallback (issue 9 item 2)."""
import pytest
import torch
import torch.nn as nn
from mmengine.registry import DefaultScope

from mmsemsyn.models.synthesizers.base_synthesis_gan import (
    repeat_batch,
    split_batch,
)
from mmsemsyn.models.synthesizers.pix2pix import Pix2Pix


def nested_output(batch):
    """A 2-scale D output with 2 layer features each, rows numbered."""
    rows = torch.arange(batch, dtype=torch.float).view(batch, 1, 1, 1)
    return [[rows.expand(batch, 2, 4, 4) + s, rows.expand(batch, 1, 3, 3)]
            for s in range(2)]


def test_split_batch_keeps_the_nesting_of_multi_scale_outputs():
    pred = nested_output(5)
    fake, real = split_batch(pred, [3, 2])
    assert len(fake) == len(real) == 2  # scales
    for scale in range(2):
        assert [f.shape[0] for f in fake[scale]] == [3, 3]
        assert [r.shape[0] for r in real[scale]] == [2, 2]
        # rows 0..2 are the fakes, rows 3..4 the reals, for every feature
        assert torch.equal(fake[scale][1][:, 0, 0, 0], torch.tensor([0., 1,
                                                                      2]))
        assert torch.equal(real[scale][0][:, 0, 0, 0],
                           torch.tensor([3., 4]) + scale)


def test_split_batch_equal_chunks_and_dicts():
    pred = dict(image=torch.arange(6.).view(6, 1), semantic=nested_output(6))
    parts = split_batch(pred, [2, 2, 2])
    assert [p['image'].flatten().tolist() for p in parts] == [[0, 1], [2, 3],
                                                              [4, 5]]
    assert parts[2]['semantic'][1][0][:, 0, 0, 0].tolist() == [5., 6.]
    with pytest.raises(ValueError, match='do not add up'):
        split_batch(torch.zeros(4, 1), [2, 3])


def test_repeat_batch():
    c = torch.arange(2.).view(2, 1)
    assert torch.equal(repeat_batch(c, 3), c.repeat(3, 1))
    a, b = repeat_batch((c, c + 1), 2)
    assert a.shape == b.shape == (4, 1) and torch.equal(b[2:], c + 1)
    assert repeat_batch(None, 3) is None


class RecordingD(nn.Module):
    """A D with BatchNorm (train mode: batch statistics) that records the
    batch size of every call."""

    def __init__(self, in_channels=7):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 2, 3, padding=1)
        self.norm = nn.BatchNorm2d(2)
        self.calls = []

    def forward(self, x):
        self.calls.append(x.shape[0])
        y = self.norm(self.conv(x))
        return [[y, y.mean(1, keepdim=True)]]  # one scale, two features


def tiny(joint: bool):
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        model = Pix2Pix(
            data_preprocessor=dict(type='SynDataPreprocessor', num_classes=4),
            generator=dict(type='UnetGenerator', in_channels=4, num_downs=5,
                           ngf=4, use_dropout=False),
            discriminator=dict(type='PatchDiscriminator', in_channels=7,
                               ndf=4, n_layers_D=2),
            losses=dict(gan=dict(type='GANLoss', gan_type='vanilla')))
    torch.manual_seed(0)
    model.discriminator = RecordingD()
    model.joint_discrimination = joint
    return model


def test_discriminate_joint_vs_separate():
    cond = torch.rand(2, 4, 8, 8)
    fake, real = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    sep = tiny(False)
    pred_fake, pred_real = sep.discriminate(cond, [fake, real])
    assert sep.discriminator.calls == [2, 2]  # one call per batch, in order
    joint = tiny(True)
    joint.load_state_dict(sep.state_dict())
    j_fake, j_real = joint.discriminate(cond, [fake, real])
    assert joint.discriminator.calls == [4]  # one concatenated call
    # joint == one D call on concat(condition, image) of both, split
    whole = joint.discriminator(torch.cat([torch.cat([cond, fake], 1),
                                           torch.cat([cond, real], 1)], 0))
    torch.testing.assert_close(j_fake[0][0], whole[0][0][:2], rtol=0, atol=0)
    torch.testing.assert_close(j_real[0][1], whole[0][1][2:], rtol=0, atol=0)
    # separate == two single calls (a tensor in, one output out)
    torch.testing.assert_close(pred_real[0][0],
                               sep.discriminate(cond, real)[0][0],
                               rtol=0, atol=0)
    # with BatchNorm's batch statistics the two are different numerics
    assert not torch.allclose(pred_fake[0][0], j_fake[0][0])
    # in eval mode (the same running statistics) they agree
    joint.load_state_dict(sep.state_dict())
    sep.eval()
    joint.eval()
    e_fake, _ = sep.discriminate(cond, [fake, real])
    je_fake, _ = joint.discriminate(cond, [fake, real])
    torch.testing.assert_close(e_fake[0][0], je_fake[0][0])


def test_unconditional_discriminate_and_gan_disc_fallback():
    model = tiny(False)
    model.discriminator = RecordingD(in_channels=3)
    img = torch.rand(1, 3, 8, 8)
    assert model.discriminate(None, img)[0][0].shape == (1, 2, 8, 8)
    # no gan_disc role: the D step uses the gan loss
    assert model.disc_gan_loss is model.losses['gan']
    losses = model.adversarial_d_losses(torch.zeros(1, 1), torch.zeros(1, 1))
    assert set(losses) == {'loss_d_fake', 'loss_d_real'}
    torch.testing.assert_close(losses['loss_d_fake'],
                               torch.log(torch.tensor(2.)))
