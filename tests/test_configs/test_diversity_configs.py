"""configs/diversity: the paper's settings (Yang et al., TIP 2019, §IV)."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmsemsyn.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load(name):
    return Config.fromfile(osp.join(REPO, 'configs', 'diversity', name))


@pytest.mark.parametrize('name,num_classes,beta', [
    ('pix2pix-div_facades.py', 12, 0.1),
    ('pix2pix-div_cityscapes.py', 35, 0.1),
    ('pix2pix-div_synthetic.py', 6, 10.0),
])
def test_pix2pix_div_settings(name, num_classes, beta):
    model = load(name).model
    assert model.data_preprocessor.class_noise.sampler == 'uniform'
    assert model.generator.in_channels == num_classes + 1  # + noise
    assert model.discriminator.in_channels == num_classes + 1 + 3
    div = model.losses.diversity
    assert div.type == 'DiversityLoss' and div.margin == 0.3
    assert div.loss_weight == beta
    assert div.get('ramp_epochs') is None  # the paper has no ramp
    assert model.losses.l1.loss_weight == 100.0  # pix2pix base kept


def test_pix2pix_div_facades_parameter_count():
    """The official-width pix2pix (facades config: G 54,423,171) plus one
    noise input channel: + 64 x 4 x 4 weights in the first conv."""
    g = load('pix2pix-div_facades.py').model.generator
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        net = MODELS.build(g)
    assert sum(p.numel() for p in net.parameters()) == 54423171 + 64 * 16


def test_spade_div_synthetic_channels():
    model = load('spade-div_synthetic.py').model
    assert model.generator.semantic_nc == 6 + 1 + 1
    assert model.discriminator.in_channels == 8 + 3
    assert model.data_preprocessor.use_instance_edges


def test_crn_div_cityscapes_is_the_paper_setup():
    """CRN 256p with one output (the noise gives the diversity), one more
    input channel, beta 10, 100 epochs (Yang et al. §IV)."""
    cfg = load('crn-div_cityscapes.py')
    g = cfg.model.generator
    assert g.in_channels == 19 + 1 + 1 and g.num_outputs == 1
    assert g.channels is None and g.num_modules == 7  # official widths
    assert cfg.model.losses.diversity.loss_weight == 10.0
    assert cfg.model.losses.diversity.margin == 0.3
    assert cfg.model.data_preprocessor.class_noise.sampler == 'uniform'
    assert cfg.train_cfg.max_epochs == 100
    import torch
    with torch.device('meta'), \
            DefaultScope.overwrite_default_scope('mmsemsyn'):
        net = MODELS.build(g)
    # the official 256p n = 9 network has 97,875,483 parameters; n = 1
    # drops 24 x (512 + 1) from the 1x1 output conv, the noise channel
    # adds 3x3 weights to the first conv of all 7 modules (5 x 1024 +
    # 2 x 512 channels)
    expected = 97875483 - 24 * 513 + 9 * (5 * 1024 + 2 * 512)
    assert sum(p.numel() for p in net.parameters()) == expected
