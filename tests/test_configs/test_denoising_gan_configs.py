"""configs/denoising_gan: every Table III ablation builds and differs from
the full config only where it should; the cross-method config; the
synthetic config end to end (train, test, infer)."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FOLDER = osp.join(REPO, 'configs', 'denoising_gan')
FULL = osp.join(FOLDER, 'denoising-gan_cityscapes.py')

NOISE = 'data_preprocessor.semantic_noise'
INS = ('data_preprocessor.thing_instance', 'generator.in_channels',
       'discriminator.in_channels')
LP = ('losses.perturbed', 'losses.perturbed_disc')
LC = ('losses.cascade', )
# Table III row -> what differs from "Ours" (noise 0.1 + Lp + Lc + Ins).
ABLATIONS = {
    'z0.04': {NOISE + '.std', *INS, *LP, *LC},
    'z0.1': {*INS, *LP, *LC},
    'z0.4': {NOISE + '.std', *INS, *LP, *LC},
    'lp': {NOISE, *INS, *LC},
    'lc': {NOISE, *INS, *LP},
    'lc-lp': {NOISE, *INS},
    'lc-ins': {NOISE, *LP},
    'lp-ins': {NOISE, *LC},
    'lc-lp-ins': {NOISE},
    'full': set(),
}


def differences(a, b, prefix=''):
    """Dotted keys where two configs differ, at the level where one side
    stops being a dict (or the key is missing on one side)."""
    out = set()
    for key in set(a) | set(b):
        va, vb = a.get(key, 'absent'), b.get(key, 'absent')
        if isinstance(va, dict) and isinstance(vb, dict):
            out |= differences(va, vb, prefix + key + '.')
        elif va != vb:
            out.add(prefix + key)
    return out


def build_model(model_cfg):
    model_cfg = ConfigDict(model_cfg.to_dict())
    if model_cfg.losses.get('cascade'):
        model_cfg.losses.cascade.pretrained = None
    model_cfg.generator.update(ngf=4, n_blocks=1)
    model_cfg.discriminator.update(ndf=4)
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        return MODELS.build(model_cfg)


def test_every_table_iii_row_has_a_config():
    found = {osp.basename(p)[len('denoising-gan_ablation-'):-len(
        '_cityscapes.py')] for p in glob.glob(
            osp.join(FOLDER, 'denoising-gan_ablation-*_cityscapes.py'))}
    assert found == set(ABLATIONS)


@pytest.mark.parametrize('row', sorted(ABLATIONS))
def test_ablation_differs_from_full_only_where_it_should(row):
    full = Config.fromfile(FULL)
    cfg = Config.fromfile(osp.join(
        FOLDER, f'denoising-gan_ablation-{row}_cityscapes.py'))
    assert differences(cfg.model, full.model) == ABLATIONS[row]
    # nothing else of the experiment changes
    for key in ('train_dataloader', 'test_dataloader', 'optim_wrapper',
                'train_cfg', 'param_scheduler', 'test_evaluator'):
        assert cfg[key] == full[key], key
    model = build_model(cfg.model)
    pre = model.data_preprocessor
    assert model.generator.in_channels == pre.semantic_nc
    # D sees layout (+ instance map) + image
    assert model.discriminator.blocks[0][0].in_channels == \
        pre.semantic_nc + 3
    noise = pre.semantic_noise
    if row.startswith('z') or row == 'full':
        assert noise.std == (0.1 if row == 'full' else float(row[1:]))
    else:
        assert noise is None
    assert (pre.thing_instance is not None) == (
        'ins' in row or row == 'full')
    has = set(model.losses)
    assert ('perturbed' in has) == ('lp' in row or row == 'full')
    assert ('perturbed_disc' in has) == ('perturbed' in has)
    assert ('cascade' in has) == ('lc' in row or row == 'full')


def test_full_config_is_the_paper_setup():
    cfg = Config.fromfile(FULL)
    m = cfg.model
    assert m.losses.l1.loss_weight == 100  # gamma
    assert m.losses.perturbed.loss_weight == 1  # theta
    assert m.losses.cascade.loss_weight == 1  # sigma
    assert m.data_preprocessor.semantic_noise.std == 0.1
    assert m.data_preprocessor.thing_instance.thing_classes == [26]  # car
    assert m.generator.ngf == 64 and m.generator.n_blocks == 9
    assert cfg.optim_wrapper.generator.optimizer.lr == 2e-4
    assert cfg.train_cfg.max_iters == 200 * 2675
    for loader, subset in (('train_dataloader', 'train'),
                           ('test_dataloader', 'test')):
        ds = cfg[loader].dataset
        assert (ds.type, ds.subset, ds.num_test, ds.expected_total) == (
            'HoldoutSplit', subset, 300, 2975)
    assert cfg.test_evaluator == [dict(type='PixelMetrics', scale='[0,1]')]


def test_dataset_configs_parse():
    facades = Config.fromfile(osp.join(FOLDER, 'denoising-gan_facades.py'))
    assert 'thing_instance' not in facades.model.data_preprocessor
    assert facades.test_dataloader.dataset.split == 'val'  # 100 images
    nyu = Config.fromfile(osp.join(FOLDER, 'denoising-gan_nyu.py'))
    model = build_model(nyu.model)
    assert model.data_preprocessor.semantic_nc == 7
    assert nyu.train_dataloader.dataset.num_test == 95


def test_pix2pix_with_the_noisy_input_through_config_alone():
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(osp.join(FOLDER, 'pix2pix_noisy-input_synthetic.py'))
    assert cfg.model.type == 'Pix2Pix'
    cfg.model.generator.update(num_downs=5, ngf=4)
    cfg.model.discriminator.update(ndf=4)
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        model = MODELS.build(cfg.model)
    label = torch.randint(0, 6, (2, 1, 32, 32))
    img = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    inputs = model.data_preprocessor(
        dict(inputs=dict(label=label, img=img)), True)['inputs']
    diff = inputs['semantics'][:, :6] - inputs['semantics_clean'][:, :6]
    assert abs(diff.std().item() - 0.1) < 0.01
    losses = model.generator_losses(inputs, model.forward_generator(inputs))
    assert set(losses) == {'loss_gan', 'loss_l1'}


@pytest.mark.parametrize('name', [
    'denoising-gan_cityscapes.py', 'denoising-gan_nyu.py',
    'denoising-gan_synthetic.py', 'pix2pix_noisy-input_synthetic.py'])
def test_thing_instances_are_numbered_in_the_training_pipeline(name):
    """The connected components run in the dataloader workers, after every
    geometric transform, with the preprocessor's own thing classes: the
    training step reads nothing on the host (issue 14 item 3)."""
    cfg = Config.fromfile(osp.join(FOLDER, name))
    dataset = cfg.train_dataloader.dataset
    while 'pipeline' not in dataset:
        dataset = dataset.dataset
    types = [t['type'] for t in dataset.pipeline]
    assert types[-2:] == ['ThingInstanceIds', 'PackSynInputs']
    numbering = dataset.pipeline[-2]
    own = cfg.model.data_preprocessor.thing_instance
    assert numbering.thing_classes == own.thing_classes
    assert numbering.get('connectivity', 4) == own.get('connectivity', 4)
