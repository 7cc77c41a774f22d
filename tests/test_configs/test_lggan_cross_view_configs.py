"""The cross-view configs hold the official settings (train_*.sh)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim.scheduler import LinearLR
from mmengine.registry import init_default_scope

import mmsemsyn  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def cfg_of(name):
    return Config.fromfile(osp.join(REPO, 'configs/lggan', name))


def official_lr_factor(epoch, niter, niter_decay):
    """pix2pix 0.4's lambda rule (epoch_count 1), 0-indexed epochs."""
    return 1.0 - max(0, epoch + 1 + 1 - niter) / float(niter_decay + 1)


@pytest.mark.parametrize('name,niter,niter_decay', [
    ('lggan_dayton-a2g.py', 20, 15), ('lggan_cvusa-a2g.py', 15, 15)])
def test_schedule_is_official_lambda_rule(name, niter, niter_decay):
    cfg = cfg_of(name)
    assert cfg.train_cfg.type == 'EpochBasedTrainLoop'
    assert cfg.train_cfg.max_epochs == niter + niter_decay
    # one list, built by mmengine's Runner for every optimizer (G and D)
    assert len(cfg.param_scheduler) == 1
    for sched in cfg.param_scheduler:
        sched_cfg = dict(sched)
        assert sched_cfg.pop('type') == 'LinearLR'
        param = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.Adam([param], lr=2e-4)
        sched = LinearLR(opt, **sched_cfg)
        for epoch in range(niter + niter_decay):
            expected = 2e-4 * official_lr_factor(epoch, niter, niter_decay)
            assert opt.param_groups[0]['lr'] == pytest.approx(expected,
                                                              abs=1e-12)
            opt.step()
            sched.step()


@pytest.mark.parametrize('name,match', [('lggan_dayton-a2g.py', 'exact'),
                                        ('lggan_cvusa-a2g.py', 'nearest')])
def test_data_settings(name, match):
    cfg = cfg_of(name)
    loader = cfg.train_dataloader
    assert loader.batch_size == 4
    types = [t['type'] for t in loader.dataset.pipeline]
    assert 'PairedFlip' not in types  # --no_flip
    load, resize, crop = loader.dataset.pipeline[:3]
    assert load['direction'] == 'a2g' and load['label_match'] == match
    assert resize['scale'] == (286, 286) and crop['crop_size'] == (256, 256)
    keys = {'source_img', 'target_semantic'}
    # The cross-view images are sample keys of the one key definition:
    # every transform moves them and the preprocessor normalises them
    # without a key list in the config (keys=None: all the sample holds).
    from mmsemsyn.datasets.transforms.keys import IMAGE_INPUTS, IMAGE_KEYS
    assert keys <= set(IMAGE_KEYS) and keys <= set(IMAGE_INPUTS)
    assert 'extra_image_keys' not in cfg.model.data_preprocessor
    assert all(t.get('keys') is None for t in loader.dataset.pipeline[1:])
    for wrapper in ('generator', 'discriminator'):
        opt = cfg.optim_wrapper[wrapper].optimizer
        assert (opt.type, opt.lr, tuple(opt.betas)) == ('Adam', 2e-4,
                                                        (0.5, 0.999))


def test_demo_config_builds():
    init_default_scope('mmsemsyn')
    from mmsemsyn.registry import MODELS
    cfg = cfg_of('lggan_dayton-a2g_tiny-demo.py')
    assert cfg.model.losses.vgg.pretrained is None
    gen = MODELS.build(cfg.model.generator)
    assert gen.num_classes == 6
