"""One option name per concept: the discriminator width is
``model.discriminator.ndf`` for every method, old spellings fail with an
error that names the new key, and the wrappers hand their options to every
scale without changing state-dict names."""
import glob
import inspect
import os.path as osp

import pytest
from mmengine.config import Config

from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

register_all_modules()
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


@pytest.mark.parametrize('cfg,match', [
    (dict(type='PatchDiscriminator', in_channels=3, n_layers=2),
     "'n_layers' is now n_layers_D"),
    (dict(type='MultiScaleDiscriminator',
          discriminator=dict(type='PatchDiscriminator', in_channels=4,
                             ndf=4)),
     "'ndf' is now model.discriminator.ndf"),
    (dict(type='MultiScaleDiscriminator', in_channels=4,
          discriminator=dict(type='PatchDiscriminator', n_layers=2)),
     'model.discriminator.n_layers_D'),
    (dict(type='MultiScaleDiscriminator'), 'model.discriminator.in_channels'),
    (dict(type='HierarchicalPerceptualDiscriminator', in_channels=3,
          base_channels=4), "'base_channels' is now ndf"),
    (dict(type='HierarchicalPerceptualDiscriminators', in_channels=3,
          discriminator=dict(type='HierarchicalPerceptualDiscriminator',
                             base_channels=4)),
     "'base_channels' is now model.discriminator.ndf"),
    (dict(type='Lab2PixV1Generator', label_nc=3),
     "'label_nc' is now semantic_nc"),
    (dict(type='SPADEVAEEncoder', ndf=4), "'ndf' is now nef"),
])
def test_old_spellings_name_the_new_key(cfg, match):
    with pytest.raises(TypeError, match=match):
        MODELS.build(cfg)


def test_multiscale_hands_its_options_to_every_scale():
    d = MODELS.build(dict(
        type='MultiScaleDiscriminator', in_channels=5, ndf=3, n_layers_D=2,
        num_D=3, discriminator=dict(type='PatchDiscriminator', norm='IN',
                                    padding=2)))
    assert len(d.discriminators) == 3
    for scale in d.discriminators:
        first = scale.blocks[0][0]
        assert (first.in_channels, first.out_channels) == (5, 3)
        assert len(scale.blocks) == 2 + 2  # first + n_layers_D + last
        assert scale.return_features
    # official state-dict names unchanged
    assert 'discriminators.2.blocks.3.0.weight' in d.state_dict()


def test_hierarchical_wrapper_hands_in_channels_and_ndf():
    d = MODELS.build(dict(
        type='HierarchicalPerceptualDiscriminators', in_channels=5, ndf=2,
        num_levels=(2, 1),
        discriminator=dict(type='HierarchicalPerceptualDiscriminator',
                           feat_channels=4, vgg_pretrained=None)))
    for scale, levels in zip(d.discriminators, (2, 1)):
        conv = scale.common[0][0]
        assert (conv.in_channels, conv.out_channels) == (5, 2)
        assert scale.num_levels == levels


def _configs():
    return sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**',
                                                '*.py'), recursive=True)
                  if '_base_' not in p)


def test_every_config_sets_the_width_at_model_discriminator():
    """No config sets a per-scale width or channel count under the
    wrappers' nested ``discriminator`` dict, nor an old name."""
    checked = 0
    for path in _configs():
        model = Config.fromfile(path).get('model', {})
        disc = model.get('discriminator') if isinstance(model, dict) \
            else None
        if not isinstance(disc, dict):
            continue
        inner = disc.get('discriminator')
        if isinstance(inner, dict):
            assert not {'ndf', 'in_channels', 'n_layers',
                        'base_channels'} & set(inner), path
            checked += 1
        assert not {'n_layers', 'base_channels'} & set(disc), path
    assert checked > 20


@pytest.mark.parametrize('type_, old', [
    ('LGGANGenerator', 'n_res_blocks'),
    ('DenoisingGANGenerator', 'num_blocks'),
    ('LGGANCrossViewGenerator', 'num_blocks'),
])
def test_residual_block_count_is_n_blocks(type_, old):
    """One name for a generator's residual-block count: an old spelling
    names the new one."""
    from mmsemsyn.registry import MODELS
    cls = MODELS.get(type_)
    assert 'n_blocks' in inspect.signature(cls.__init__).parameters
    with pytest.raises(TypeError, match=f"'{old}' is now n_blocks"):
        cls(**{old: 1})
