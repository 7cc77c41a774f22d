"""The base dataset configs and the pix2pix real-data configs."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from syn_fake_data import write_image

from mmsemsyn.datasets.cityscapes import CITYSCAPES_PALETTE
from mmsemsyn.datasets.facades import FACADES_PALETTE
from mmsemsyn.registry import DATASETS, MODELS

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')
ALLOWED = {'dataset_type', 'data_root', 'train_pipeline', 'test_pipeline',
           'train_dataloader', 'test_dataloader', 'val_dataloader',
           'test_evaluator', 'val_evaluator', 'val_num_samples'}


def load(name):
    return Config.fromfile(osp.join(CONFIGS, '_base_', 'datasets', name))


def samples(cfg, root, split_key, **override):
    """Build the config's train and test datasets on ``root``."""
    outs = []
    for loader in ('train_dataloader', 'test_dataloader'):
        ds_cfg = cfg[loader]['dataset'].copy()
        ds_cfg.update(data_root=str(root), **override)
        ds = DATASETS.build(ds_cfg)
        outs.append(ds[0])
    return outs


@pytest.fixture
def ade_coco_roots(make_flat_set):
    def label(i):
        lab = np.zeros((30, 40), np.uint8)
        lab[:, 20:] = 5
        return lab

    ade = make_flat_set('ade', dict(training=['a'], validation=['b']), label,
                        with_inst=False,
                        folders=dict(img='images/{split}',
                                     label='annotations/{split}',
                                     inst='-'))
    coco = make_flat_set('coco', dict(train=['a'], val=['b']), label)
    return ade, coco


@pytest.mark.parametrize('name', [
    'cityscapes_512x256.py', 'cityscapes_1024x512.py', 'ade20k_256.py',
    'coco_stuff_256.py', 'facades_256.py', 'cityscapes_pix2pix_256.py'])
def test_top_level_names(name):
    """Only the agreed names, so model/schedule bases never collide."""
    cfg = load(name)
    assert set(cfg.keys()) <= ALLOWED
    # the evaluator bases decide the metrics; here: there are some
    assert cfg.test_evaluator and all('type' in m for m in cfg.test_evaluator)
    assert cfg.data_root.startswith('data/')


def test_cityscapes_configs(cityscapes_tree):
    train, test = samples(load('cityscapes_512x256.py'), cityscapes_tree,
                          None)
    for out in (train, test):
        assert out['inputs']['label'].shape == (1, 256, 512)
        assert out['inputs']['inst'].shape == (1, 256, 512)
        assert out['inputs']['img'].shape == (3, 256, 512)
    train, test = samples(load('cityscapes_1024x512.py'), cityscapes_tree,
                          None)
    # scale_width: 48x32 frames → 1024 wide, aspect kept
    assert train['inputs']['img'].shape == (3, 683, 1024)
    assert 'flip' in train['data_samples'].metainfo
    assert 'flip' not in test['data_samples'].metainfo


def test_ade_coco_configs(ade_coco_roots):
    ade, coco = ade_coco_roots
    train, test = samples(load('ade20k_256.py'), ade, None)
    for out in (train, test):
        assert out['inputs']['img'].shape == (3, 256, 256)
        assert set(out['inputs']['label'].unique().tolist()) <= {4, 255}
    assert 'crop_bbox' in train['data_samples'].metainfo
    train, test = samples(load('coco_stuff_256.py'), coco, None)
    for out in (train, test):
        assert out['inputs']['inst'].shape == (1, 256, 256)
        assert set(out['inputs']['label'].unique().tolist()) <= {0, 5}


def test_aligned_configs(tmp_path):
    ids = np.kron(np.arange(12).reshape(3, 4), np.ones((32, 32), int))
    # Each config's labels drawn in its own palette (a foreign palette is
    # refused by LoadLabelMap's distance check).
    for name, palette in (('facades_256.py', FACADES_PALETTE),
                          ('cityscapes_pix2pix_256.py',
                           CITYSCAPES_PALETTE[5:17])):
        ab = np.concatenate([np.zeros((96, 128, 3), np.uint8),
                             np.asarray(palette, np.uint8)[ids]], 1)
        for split in ('train', 'test', 'val'):
            write_image(tmp_path / split / '1.png', ab)
        for out in samples(load(name), tmp_path, None):
            assert out['inputs']['label'].shape == (1, 256, 256)
            assert out['inputs']['img'].shape == (3, 256, 256)
            assert out['inputs']['img'].max() == 0  # the photo half


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_pix2pix_facades_config():
    cfg = Config.fromfile(osp.join(CONFIGS, 'pix2pix',
                                   'pix2pix_facades.py'))
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.train_dataloader.dataset.type == 'FacadesDataset'
    assert cfg.train_cfg.max_iters == 80000  # (100 + 100) epochs x 400
    # one list, built by mmengine's Runner for every optimizer (G and D)
    assert len(cfg.param_scheduler) == 1
    sched = cfg.param_scheduler[0]
    assert (sched.begin, sched.end, sched.end_factor) == (40000, 80000, 0.)
    gen = cfg.optim_wrapper.generator.optimizer
    assert gen.lr == 2e-4 and tuple(gen.betas) == (0.5, 0.999)
    model = MODELS.build(cfg.model)
    assert model.data_preprocessor.semantic_nc == 12
    assert n_params(model.generator) == 54_423_171
    assert n_params(model.discriminator) == 2_777_921
    # The same networks on the official 3-channel colour input: table §9.
    cfg.model.generator.in_channels = 3
    cfg.model.discriminator.in_channels = 6
    model = MODELS.build(cfg.model)
    assert n_params(model.generator) == 54_413_955
    assert n_params(model.discriminator) == 2_768_705


def test_pix2pix_cityscapes_config():
    cfg = Config.fromfile(osp.join(CONFIGS, 'pix2pix',
                                   'pix2pix_cityscapes.py'))
    assert cfg.train_dataloader.dataset.type == 'CityscapesABDataset'
    assert cfg.model.data_preprocessor.num_classes == 35
    assert cfg.model.generator.in_channels == 35
    assert cfg.model.discriminator.in_channels == 38
    assert cfg.train_cfg.max_iters == 2 * 100 * 2975
