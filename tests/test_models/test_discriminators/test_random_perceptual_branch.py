"""Lab2Pix refuses to train its discriminators on a random VGG-16 branch
unless asked (issue 12 item 7; configs/lab2pix/README.md, "Stripes")."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import (
    load_state_dict as mmengine_load_state_dict,
)

from mmsemsyn.models.discriminators.hierarchical_perceptual import (
    ALLOW_RANDOM_KEY,
    RandomPerceptualBranchError,
)
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

register_all_modules()
CONFIGS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))), 'configs', 'lab2pix')


def shrink(cfg):
    """The demo's D config at 4/8 channels (whichever level holds ndf)."""
    if isinstance(cfg, dict):
        return {k: (4 if k in ('ndf', 'base_channels') else
                    8 if k == 'feat_channels' else shrink(v))
                for k, v in cfg.items()}
    return cfg


def demo_discriminator(version='v2'):
    cfg = Config.fromfile(osp.join(CONFIGS, f'lab2pix-{version}_synthetic.py'))
    return cfg.model.discriminator.to_dict()


def tiny_hpds(**kwargs):
    """Lab2Pix-V2's two scales (3 and 2 levels) at 4/8 channels, random
    VGG-16 branch, no flag unless given."""
    cfg = shrink(demo_discriminator())
    cfg.pop('allow_random_perceptual_branch', None)
    return MODELS.build(dict(cfg, **kwargs))


def test_train_refuses_random_branch_naming_the_key():
    d = tiny_hpds()  # building never refuses
    assert all(s.random_perceptual_branch for s in d.discriminators)
    with pytest.raises(RandomPerceptualBranchError) as err:
        d.train()
    msg = str(err.value)
    assert ALLOW_RANDOM_KEY + '=True' in msg
    assert 'vgg_pretrained' in msg and 'scale(s) [0, 1]' in msg
    assert isinstance(err.value, ValueError)
    # eval and inference never refuse
    d.eval()
    with torch.no_grad():
        preds = d(torch.randn(1, 10, 64, 64))  # 6 classes + edge + RGB
    assert len(preds) == 2 and len(preds[0][-1]) == 3


def test_allowed_explicitly():
    d = tiny_hpds(allow_random_perceptual_branch=True)
    d.train()
    assert d.training and d.discriminators[0].common.training
    assert not d.discriminators[0].vgg.training  # the branch stays frozen


def test_loading_the_branch_weights_clears_the_refusal():
    """A checkpoint (or converted official D) that holds the VGG weights
    replaces the random ones: training is then allowed."""
    d = tiny_hpds()
    source = tiny_hpds(allow_random_perceptual_branch=True)
    # mmengine's loader: what the Runner's load_from / resume use
    mmengine_load_state_dict(d, source.state_dict())
    assert not any(s.random_perceptual_branch for s in d.discriminators)
    d.train()
    assert d.training
    # a state dict without the branch leaves it random
    partial = tiny_hpds()
    state = {k: v for k, v in source.state_dict().items() if '.vgg.' not in k}
    partial.load_state_dict(state, strict=False)
    with pytest.raises(RandomPerceptualBranchError):
        partial.train()


@pytest.mark.parametrize('version', ['v1', 'v2'])
def test_configs(version):
    """The CPU demos set the flag; the Cityscapes configs (ImageNet weights)
    refuse once their branch is made random."""
    demo = Config.fromfile(osp.join(CONFIGS,
                                    f'lab2pix-{version}_synthetic.py'))
    assert demo.model.discriminator.allow_random_perceptual_branch is True
    assert demo.model.discriminator.discriminator.vgg_pretrained is None
    real = Config.fromfile(osp.join(CONFIGS,
                                    f'lab2pix-{version}_cityscapes.py'
                                    if version == 'v1' else
                                    'lab2pix-v2_cityscapes-512x256.py'))
    assert not real.model.discriminator.get(
        'allow_random_perceptual_branch', False)
    assert real.model.discriminator.discriminator.vgg_pretrained is True
    # the demo's discriminator without the flag refuses
    cfg = shrink(demo.model.discriminator.to_dict())
    cfg.pop('allow_random_perceptual_branch')
    with pytest.raises(RandomPerceptualBranchError, match='allow_random'):
        MODELS.build(cfg).train()


def test_runner_refuses_to_train_the_demo_without_the_flag(tmp_path):
    """End to end: mmengine's Runner stops before the first iteration."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(CONFIGS, 'lab2pix-v2_synthetic.py'))
    cfg.model.discriminator.pop('allow_random_perceptual_branch')
    cfg.model.discriminator = shrink(cfg.model.discriminator.to_dict())
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.work_dir = str(tmp_path)
    cfg.visualizer = dict(type='Visualizer', vis_backends=[])
    runner = Runner.from_cfg(cfg)
    with pytest.raises(RandomPerceptualBranchError, match='allow_random'):
        runner.train()
    assert runner.iter == 0
