"""pix2pixHD staged training from the configs, on tiny synthetic scenes:
global stage -> local enhancer with G1 fixed -> joint fine-tuning, and
resuming inside a stage (or exactly at the switch) continues it exactly."""
import os.path as osp
import shutil

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmsemsyn  # noqa: F401
from mmsemsyn.engine.hooks.pix2pixhd_staged_training_hook import (
    Pix2PixHDStagedTrainingHook,
)
from mmsemsyn.utils import register_all_modules

register_all_modules()
EPOCHS, FIX = 4, 2


def tiny(cfg, work_dir, tag):
    cfg.work_dir = str(work_dir)
    cfg.visualizer.name = f'p2phd_vis_{tag}'
    ds = cfg.train_dataloader.dataset
    ds.num_samples, ds.img_size = 4, (32, 32)
    ds.pipeline = [dict(type='PackSynInputs')]  # no random flip
    cfg.train_dataloader.batch_size = 2
    cfg.model.discriminator.ndf = 4
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1,
                                        by_epoch=True)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_level = 'WARNING'
    return cfg


def load_cfg(name):
    return Config.fromfile(osp.join('configs', 'pix2pixhd', name))


def global_cfg(work_dir):
    cfg = tiny(load_cfg('pix2pixhd_global_synthetic.py'), work_dir, 'g')
    cfg.model.generator.update(ngf=4, n_downsampling=2, n_blocks=1)
    cfg.train_cfg.max_epochs = 1
    cfg.custom_hooks = []
    return cfg


def local_cfg(work_dir, pretrained, tag):
    cfg = tiny(load_cfg('pix2pixhd_local_synthetic.py'), work_dir, tag)
    cfg.model.pretrained_global = pretrained
    cfg.model.generator.update(ngf=2, n_downsample_global=2,
                               n_blocks_global=1, n_blocks_local=1)
    cfg.train_cfg.max_epochs = EPOCHS
    cfg.param_scheduler = dict(
        generator=[dict(type='LinearLR', start_factor=1.0, end_factor=0.0,
                        by_epoch=True, begin=2, end=EPOCHS + 1)],
        discriminator=[dict(type='LinearLR', start_factor=1.0,
                            end_factor=0.0, by_epoch=True, begin=2,
                            end=EPOCHS + 1)])
    cfg.custom_hooks = [dict(type='Pix2PixHDStagedTrainingHook',
                             fix_global_epochs=FIX)]
    return cfg


def state(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def g_state(ckpt, prefix):
    return {k: v for k, v in ckpt['state_dict'].items()
            if k.startswith('generator.' + prefix)}


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp('p2phd_stages')
    Runner.from_cfg(global_cfg(root / 'global')).train()
    pretrained = str(root / 'global' / 'epoch_1.pth')
    Runner.from_cfg(local_cfg(root / 'local', pretrained, 'a')).train()
    return root, pretrained


def test_stages_freeze_then_unfreeze_and_reset_optimizer(runs):
    root, pretrained = runs
    glob = g_state(state(pretrained), 'model.')
    ckpts = [state(root / 'local' / f'epoch_{e}.pth')
             for e in range(1, EPOCHS + 1)]
    for e, ckpt in enumerate(ckpts, 1):
        inner = g_state(ckpt, 'model.')
        fixed = all(torch.equal(v, glob[k]) for k, v in inner.items())
        assert fixed == (e <= FIX), e  # G1 fixed exactly in stage 1
        assert ckpt['meta']['pix2pixhd_stage'] == (
            'fixed_global' if e <= FIX else 'joint')
    # The enhancer trains in both stages.
    for a, b in zip(ckpts, ckpts[1:]):
        assert any(not torch.equal(v, g_state(b, 'model1_')[k])
                   for k, v in g_state(a, 'model1_').items())
    # Stage 1: Adam state only for the enhancer. After the switch: a fresh
    # Adam over all of G (official update_fixed_params), so the enhancer's
    # step count restarts.
    n_enh = len([k for k in g_state(ckpts[0], 'model1_')
                 if k.endswith(('weight', 'bias'))])
    n_all = len([k for k in ckpts[0]['state_dict']
                 if k.startswith('generator.')])
    opt = [c['optimizer']['generator']['state'] for c in ckpts]
    assert len(opt[FIX - 1]) == n_enh
    assert len(opt[FIX]) == n_all
    iters_per_epoch = 2
    steps = sorted({int(s['step']) for s in opt[FIX].values()})
    assert steps == [iters_per_epoch]  # reset at the start of epoch FIX+1


@pytest.mark.parametrize('resume_epoch', [1, FIX])  # mid-stage, boundary
def test_resume_continues_the_stage(runs, tmp_path, resume_epoch):
    root, pretrained = runs
    work = tmp_path / f'resume{resume_epoch}'
    work.mkdir()
    src = root / 'local' / f'epoch_{resume_epoch}.pth'
    shutil.copy(src, work / src.name)
    cfg = local_cfg(work, pretrained, f'r{resume_epoch}')
    cfg.resume, cfg.load_from = True, str(work / src.name)
    Runner.from_cfg(cfg).train()
    ref = state(root / 'local' / f'epoch_{EPOCHS}.pth')
    got = state(work / f'epoch_{EPOCHS}.pth')
    for k, v in ref['state_dict'].items():
        assert torch.allclose(got['state_dict'][k], v, atol=1e-6), k
    assert len(got['optimizer']['generator']['state']) == len(
        ref['optimizer']['generator']['state'])


def test_hook_arguments_and_global_generator_error():
    with pytest.raises(ValueError, match='exactly one'):
        Pix2PixHDStagedTrainingHook()
    hook = Pix2PixHDStagedTrainingHook(fix_global_iters=3)
    with pytest.raises(TypeError, match='LocalEnhancer'):
        hook._prefixes(torch.nn.Conv2d(1, 1, 1))
