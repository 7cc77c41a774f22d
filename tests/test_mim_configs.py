"""mim-style config references: ``mmsemsyn::`` from another project's
config and through mmengine's get_config; ``mmseg::`` segmenter configs
through mmengine's own resolution."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.hub import get_config

import mmsemsyn  # noqa: F401  (registers mmsemsyn with mmengine)
from mmsemsyn.mim import get_installed_path

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_package_mim_folder_mirrors_the_repository():
    pkg = get_installed_path('mmsemsyn')
    assert osp.samefile(osp.join(pkg, '.mim', 'configs', 'spade',
                                 'spade_cityscapes.py'),
                        osp.join(REPO, 'configs', 'spade',
                                 'spade_cityscapes.py'))
    assert osp.isfile(osp.join(pkg, '.mim', 'model-index.yml'))
    assert get_installed_path('mmsegmentation').endswith('mmseg')


def test_base_reference_from_another_project(tmp_path):
    child = tmp_path / 'my_spade.py'
    child.write_text("_base_ = ['mmsemsyn::spade/spade_cityscapes.py']\n"
                     "model = dict(generator=dict(ngf=32))\n")
    cfg = Config.fromfile(str(child))
    own = Config.fromfile(osp.join(REPO, 'configs', 'spade',
                                   'spade_cityscapes.py'))
    assert cfg.model.generator.ngf == 32
    assert cfg.model.discriminator == own.model.discriminator
    assert cfg.default_scope == 'mmsemsyn'
    # mmengine tags what came from another package with its scope.
    assert [m['type'] for m in cfg.val_evaluator] == \
        [m['type'] for m in own.val_evaluator]
    assert cfg.model.get('_scope_') == 'mmsemsyn'


def test_get_config_and_model_index():
    cfg = get_config('mmsemsyn::pix2pixhd/pix2pixhd_512p_cityscapes.py')
    own = Config.fromfile(osp.join(REPO, 'configs', 'pix2pixhd',
                                   'pix2pixhd_512p_cityscapes.py'))
    assert cfg.model == own.model
    with pytest.raises(FileNotFoundError):
        get_config('mmsemsyn::spade/no_such_config.py')


def test_mmseg_reference_resolves_through_mmengine():
    from mmsemsyn.models.pretrained.segmenter import load_mmseg_model_config
    model = load_mmseg_model_config(
        'mmseg::deeplabv3plus/'
        'deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py')
    assert model.type == 'EncoderDecoder'
    assert model.backbone.depth == 101
    with pytest.raises(FileNotFoundError, match='mmseg::deeplabv3plus'):
        load_mmseg_model_config('mmseg::nope/nope.py')


def test_example_project_uses_a_package_reference():
    path = osp.join(REPO, 'projects', 'example_hinge_pix2pix', 'configs',
                    'hinge-pix2pix_resnet6_synthetic.py')
    with open(path) as f:
        assert "'mmsemsyn::pix2pix/pix2pix_synthetic.py'" in f.read()
