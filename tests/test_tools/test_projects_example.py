"""The example project loads through custom_imports and trains."""
import os.path as osp
import sys

import torch
from mmengine.config import Config
from tiny_train_configs import REPO, load_tool, write_tiny_config

PROJECT_CFG = osp.join(REPO, 'projects', 'example_hinge_pix2pix', 'configs',
                       'hinge-pix2pix_resnet6_synthetic.py')


def test_project_config_imports_its_module():
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    cfg = Config.fromfile(PROJECT_CFG)  # runs custom_imports
    assert cfg.model.generator.type == 'ExampleResnetGenerator'
    assert cfg.model.losses.gan.gan_type == 'hinge'
    from mmsemsyn.registry import MODELS
    assert MODELS.get('ExampleResnetGenerator') is not None


def test_resnet_9blocks_parameter_count():
    """The official pix2pix resnet_9blocks (input 3, ngf 64, IN):
    11,378,179 parameters (official-implementations §9)."""
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    from projects.example_hinge_pix2pix.models import ExampleResnetGenerator
    net = ExampleResnetGenerator(3, 3, ngf=64, n_blocks=9, norm='IN')
    assert sum(p.numel() for p in net.parameters()) == 11378179
    small = ExampleResnetGenerator(6, 3, ngf=4, n_blocks=2)
    out = small(torch.randn(1, 6, 32, 32))
    assert out.shape == (1, 3, 32, 32) and out.abs().max() <= 1


def test_project_trains_with_train_tool(tmp_path):
    cfg = write_tiny_config(
        tmp_path, size=32, iters=2, base=PROJECT_CFG,
        # Replaces the tiny U-Net settings (the ResNet G has no num_downs).
        extra="model = dict(generator=dict(ngf=4, n_blocks=1), "
        "discriminator=dict(ndf=4))\n")
    runner = load_tool('train').main([cfg, '--work-dir',
                                      str(tmp_path / 'work')])
    assert runner.iter == 2
    assert type(runner.model.generator).__name__ == 'ExampleResnetGenerator'
    assert osp.isfile(tmp_path / 'work' / 'iter_2.pth')
