"""official_runners.lggan / lab2pix_v2: our Cityscapes configs -> the
official train.py options (pure mapping, no official code needed), the
settings the official code cannot express, and the missing-code error."""
import argparse
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]
LGGAN_CFG = REPO / 'configs' / 'lggan' / 'lggan_cityscapes.py'
LAB2PIX_CFG = REPO / 'configs' / 'lab2pix' / \
    'lab2pix-v2_cityscapes-512x256.py'


@pytest.fixture
def runners(monkeypatch):
    """The official_runners package (a folder of tools/analysis_tools)."""
    import importlib
    monkeypatch.syspath_prepend(str(REPO / 'tools' / 'analysis_tools'))
    lggan = importlib.import_module('official_runners.lggan')
    lab2pix = importlib.import_module('official_runners.lab2pix_v2')
    return argparse.Namespace(lggan=lggan, lab2pix_v2=lab2pix)


def bench_args(size=(128, 256), batch=1, device='cpu'):
    return argparse.Namespace(hw=size, batch_size=batch, device=device,
                              mode='train', seed=0)


def parse(argv):
    """argv -> {option: value or True}; every option appears once."""
    out, i = {}, 0
    while i < len(argv):
        key = argv[i]
        assert key.startswith('--'), argv
        assert key not in out, f'{key} given twice'
        if i + 1 < len(argv) and not argv[i + 1].startswith('--'):
            out[key] = argv[i + 1]
            i += 2
        else:
            out[key] = True
            i += 1
    return out


def test_lggan_cityscapes_maps_to_the_official_script(runners):
    opts = parse(runners.lggan.official_argv(Config.fromfile(LGGAN_CFG),
                                             bench_args()))
    want = {
        '--dataset_mode': 'cityscapes', '--netG': 'lggan',
        '--label_nc': '35', '--gpu_ids': '-1',
        '--crop_size': '256', '--aspect_ratio': '2.0', '--batchSize': '1',
        '--ngf': '64', '--num_upsampling_layers': 'more',
        '--norm_G': 'spectralspadesyncbatch3x3',
        '--netD': 'multiscale', '--num_D': '2',
        # ours counts the strided convs, the official also the last group
        '--n_layers_D': '4', '--ndf': '64', '--norm_D': 'spectralinstance',
        '--gan_mode': 'hinge', '--lambda_feat': '10.0',
        '--lambda_vgg': '10.0', '--lambda_class': '1.0',
        '--lambda_l1': '1.0',
        # TTUR: official G lr = lr / 2 = 1e-4, D = 2 lr = 4e-4
        '--lr': '0.0002',
        # train_cityscapes.sh
        '--no_l1_loss': True,
    }
    for key, value in want.items():
        assert opts.get(key) == value, key
    for absent in ('--no_TTUR', '--no_instance', '--no_vgg_loss',
                   '--no_ganFeat_loss', '--no_class_loss',
                   '--no_l1_local_loss', '--beta1'):
        assert absent not in opts


def test_lab2pix_v2_cityscapes_maps_to_the_official_defaults(runners):
    opts = parse(runners.lab2pix_v2.official_argv(
        Config.fromfile(LAB2PIX_CFG), bench_args(size=(64, 256), batch=2)))
    want = {
        '--dataset_mode': 'cityscapes', '--netG': 'labelcomprehensive',
        '--label_nc': '35', '--gpu_ids': '-1',
        '--crop_size': '256', '--aspect_ratio': '4.0', '--batchSize': '2',
        '--ngf': '64', '--num_upsampling_layers': 'more',
        '--norm_G': 'spectralspadebatch3x3',
        '--netD': 'multiscale', '--netD_subarch': 'hie_per',
        '--num_D': '2', '--ndf': '64', '--norm_D': 'spectralinstance',
        '--gan_mode': 'hinge', '--lambda_foreground': '5.0',
        '--lambda_sharp': '1.0', '--lambda_feat': '10.0',
        '--lambda_vgg': '10.0', '--lr': '0.0002', '--beta1': '0.0',
        '--beta2': '0.9',
    }
    for key, value in want.items():
        assert opts.get(key) == value, key
    for absent in ('--no_TTUR', '--no_instance', '--no_vgg_loss',
                   '--no_ganFeat_loss'):
        assert absent not in opts


def test_gpu_device_and_switches_follow_the_config(runners):
    cfg = Config.fromfile(LAB2PIX_CFG)
    cfg.model.data_preprocessor.use_instance_edges = False
    cfg.model.losses.pop('vgg')
    cfg.optim_wrapper.discriminator.optimizer.lr = 1e-4  # = G: no TTUR
    opts = parse(runners.lab2pix_v2.official_argv(
        cfg, bench_args(device='cuda')))
    assert opts['--gpu_ids'] == '0'
    assert opts['--no_instance'] is True
    assert opts['--no_vgg_loss'] is True
    assert opts['--no_TTUR'] is True and opts['--lr'] == '0.0001'


@pytest.mark.parametrize('change, words', [
    (lambda c: setattr(c.model.data_preprocessor, 'num_classes', 19),
     '35 classes'),
    (lambda c: setattr(c.model.generator, 'use_classifier', False),
     'use_classifier'),
    (lambda c: [setattr(c.optim_wrapper[k].optimizer, 'betas', (0.5, 0.999))
                for k in ('generator', 'discriminator')], 'hard-codes'),
    (lambda c: setattr(c.optim_wrapper.generator.optimizer, 'betas',
                       (0.5, 0.999)), 'one pair'),
    (lambda c: setattr(c.optim_wrapper.discriminator.optimizer, 'lr', 3e-4),
     'TTUR'),
])
def test_lggan_settings_the_official_code_lacks_are_refused(
        runners, change, words):
    cfg = Config.fromfile(LGGAN_CFG)
    change(cfg)
    with pytest.raises(ValueError, match=words):
        runners.lggan.official_argv(cfg, bench_args())


@pytest.mark.parametrize('change, words', [
    (lambda c: setattr(c.model.discriminator, 'num_levels', (3, 3)),
     r'max\(1, 3 - n\)'),
    (lambda c: setattr(c.model.generator, 'use_global_encoder', False),
     'GlobalEncoder'),
    (lambda c: setattr(c.model, 'foreground_mask', None), 'foreground'),
])
def test_lab2pix_v2_settings_the_official_code_lacks_are_refused(
        runners, change, words):
    cfg = Config.fromfile(LAB2PIX_CFG)
    change(cfg)
    with pytest.raises(ValueError, match=words):
        runners.lab2pix_v2.official_argv(cfg, bench_args())


@pytest.mark.parametrize('name, cfg', [('lggan', LGGAN_CFG),
                                       ('lab2pix_v2', LAB2PIX_CFG)])
def test_build_names_the_missing_official_file(runners, tmp_path, name, cfg):
    (tmp_path / 'models').mkdir()
    with pytest.raises(FileNotFoundError, match='options/train_options.py'):
        getattr(runners, name).build(str(tmp_path), Config.fromfile(cfg),
                                     bench_args(), 'cpu')
