"""The example method (projects/example_coarse_to_fine) is written only
against the contract of docs/architecture.md: it builds from its config,
gets its channel counts from the data, trains with the shared GAN step and
predicts through the one predict() path."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from tiny_train_configs import REPO, load_tool, write_tiny_config

import mmsemsyn  # noqa: F401  (mmsemsyn:: config references)

PROJECT_CFG = osp.join(REPO, 'projects', 'example_coarse_to_fine', 'configs',
                       'coarse-to-fine_synthetic.py')


@pytest.fixture
def project_on_path():
    if REPO not in sys.path:
        sys.path.insert(0, REPO)


def build(cfg):
    from mmengine.registry import DefaultScope

    from mmsemsyn.dataset_facts import resolve_channels
    from mmsemsyn.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        resolved = resolve_channels(cfg, PROJECT_CFG)
        model = MODELS.build(cfg.model)
        ow = build_optim_wrapper(model, cfg.optim_wrapper)
    return model, ow, resolved


def test_channels_come_from_the_data(project_on_path):
    cfg = Config.fromfile(PROJECT_CFG)
    assert cfg.model.generator.get('semantic_nc') is None
    _, _, resolved = build(cfg)
    # 6 classes + the instance-edge channel; D sees label + RGB photo
    assert resolved['model.generator.semantic_nc'] == 7
    assert resolved['model.discriminator.in_channels'] == 10


def test_one_training_step_and_predict(project_on_path):
    cfg = Config.fromfile(PROJECT_CFG)
    cfg.model.generator.update(ngf=8, n_blocks=2)
    cfg.model.discriminator.update(ndf=8)
    model, ow, _ = build(cfg)
    torch.manual_seed(0)
    label = torch.randint(0, 6, (2, 1, 32, 32))
    data = dict(inputs=dict(label=list(label),
                            inst=list(label.clone()),
                            img=list(torch.randint(0, 256, (2, 3, 32, 32),
                                                   dtype=torch.uint8))),
                data_samples=None)
    from mmsemsyn.structures import SynDataSample
    data['data_samples'] = [SynDataSample() for _ in range(2)]
    MessageHub.get_current_instance().update_info('iter', 0)
    before = [p.clone() for p in model.generator.parameters()]
    log = model.train_step(data, ow)
    # every configured role is a logged term; the totals are their sums
    for key in ('loss_gan', 'loss_feat', 'loss_l1', 'loss_coarse',
                'loss_d_fake', 'loss_d_real'):
        assert torch.isfinite(log[key])
    g_terms = sum(log[k] for k in ('loss_gan', 'loss_feat', 'loss_l1',
                                   'loss_coarse'))
    torch.testing.assert_close(log['loss_gen'], g_terms)
    assert any(not torch.equal(a, b)
               for a, b in zip(before, model.generator.parameters()))
    # predict: uint8 result plus the coarse image at the result's size
    model.eval()
    batch = model.data_preprocessor(data, False)
    samples = model.predict(batch['inputs'], batch['data_samples'])
    assert samples[0].fake_img.dtype == torch.uint8
    assert samples[0].fake_img.shape == (3, 32, 32)
    assert samples[0].coarse_img.shape == (3, 32, 32)
    assert samples[0].metainfo['visual_keys'] == ('coarse_img',)


def test_odd_size_is_refused(project_on_path):
    from projects.example_coarse_to_fine.models import (
        ExampleCoarseToFineGenerator,
    )
    net = ExampleCoarseToFineGenerator(semantic_nc=7, ngf=4, n_blocks=1)
    with pytest.raises(ValueError, match='even'):
        net(torch.zeros(1, 7, 33, 32))


def test_trains_with_the_train_tool(tmp_path):
    cfg = write_tiny_config(
        tmp_path, size=32, iters=2, base=PROJECT_CFG,
        extra="model = dict(generator=dict(ngf=4, n_blocks=1), "
        "discriminator=dict(ndf=4))\n")
    runner = load_tool('train').main([cfg, '--work-dir',
                                      str(tmp_path / 'work')])
    assert runner.iter == 2
    assert type(runner.model).__name__ == 'ExampleCoarseToFineGAN'
    assert osp.isfile(tmp_path / 'work' / 'iter_2.pth')


def test_infers_from_its_trained_checkpoint(tmp_path, project_on_path):
    """The inferencer (tools/infer.py, the Python API) builds a config that
    leaves its channel counts to the data, as train/test do."""
    import numpy as np

    from mmsemsyn.apis import SynthesisInferencer
    cfg = write_tiny_config(
        tmp_path, size=32, iters=1, base=PROJECT_CFG,
        extra="model = dict(generator=dict(ngf=4, n_blocks=1), "
        "discriminator=dict(ndf=4))\n")
    load_tool('train').main([cfg, '--work-dir', str(tmp_path / 'work')])
    inferencer = SynthesisInferencer(cfg, str(tmp_path / 'work' /
                                              'iter_1.pth'), verbose=False)
    ids = np.zeros((32, 32), np.int64)
    ids[16:] = 1
    photo, = inferencer(ids)
    assert photo.shape == (32, 32, 3) and photo.dtype == np.uint8
