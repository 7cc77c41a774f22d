"""benchmark.py's ``official`` variant: the config -> official options
mapping of the SPADE and pix2pixHD adapters (no official code needed), the
--official-root errors, the parameter-count comparison, and one run of the
worker path against a tiny fake official code base."""
import argparse
import importlib.util
import json
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / 'tools' / 'analysis_tools'


def load_tool():
    spec = importlib.util.spec_from_file_location('benchmark_tool',
                                                  TOOLS / 'benchmark.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def adapter(name):
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    return importlib.import_module(f'official_runners.{name}')


def bench_args(hw=(128, 256), batch_size=1, device='cpu', mode='train'):
    return argparse.Namespace(hw=hw, batch_size=batch_size, device=device,
                              mode=mode, seed=0)


def options(argv):
    """argv list -> {option: value or True} (flags without a value)."""
    out, i = {}, 0
    while i < len(argv):
        key = argv[i]
        assert key.startswith('--'), argv
        if i + 1 < len(argv) and not argv[i + 1].startswith('--'):
            out[key] = argv[i + 1]
            i += 2
        else:
            out[key] = True
            i += 1
    return out


def cfg(path):
    return Config.fromfile(str(REPO / path))


# ---- SPADE ----------------------------------------------------------------
def test_spade_cityscapes_maps_to_the_official_options():
    o = options(adapter('spade').official_argv(
        cfg('configs/spade/spade_cityscapes.py'), bench_args()))
    expect = {'--netG': 'spade', '--ngf': '64', '--label_nc': '35',
              '--num_upsampling_layers': 'more',
              '--norm_G': 'spectralspadesyncbatch3x3',
              '--netD': 'multiscale', '--num_D': '2',
              # ours counts the stride-2 groups, the official also the
              # stride-1 group: the same 4-conv-group D
              '--n_layers_D': '4', '--ndf': '64',
              '--norm_D': 'spectralinstance', '--gan_mode': 'hinge',
              '--lambda_feat': '10.0', '--lambda_vgg': '10.0',
              # TTUR: G 1e-4 = lr/2, D 4e-4 = 2 lr
              '--lr': '0.0002', '--beta1': '0.0', '--beta2': '0.9',
              '--batchSize': '1', '--crop_size': '256', '--load_size': '256',
              '--aspect_ratio': '2.0', '--gpu_ids': '-1'}
    assert {k: o.get(k) for k in expect} == expect
    for absent in ('--no_instance', '--contain_dontcare_label', '--use_vae',
                   '--no_TTUR', '--no_vgg_loss', '--no_ganFeat_loss'):
        assert absent not in o


def test_spade_dontcare_vae_batch_and_device():
    o = options(adapter('spade').official_argv(
        cfg('configs/spade/spade_ade20k.py'),
        bench_args(hw=(64, 64), batch_size=4, device='cuda')))
    assert o['--label_nc'] == '150' and o['--contain_dontcare_label']
    assert o['--no_instance'] and o['--batchSize'] == '4'
    assert o['--aspect_ratio'] == '1.0' and o['--gpu_ids'] == '0'
    o = options(adapter('spade').official_argv(
        cfg('configs/spade/spade-vae_cityscapes.py'), bench_args()))
    assert o['--use_vae'] and o['--lambda_kld'] == '0.05'
    assert o['--z_dim'] == '256'


def test_spade_settings_the_official_cannot_express_are_named():
    c = cfg('configs/spade/spade_cityscapes.py')
    c.model.generator.spade_hidden = 64
    with pytest.raises(ValueError, match='spade_hidden'):
        adapter('spade').official_argv(c, bench_args())
    c = cfg('configs/spade/spade_cityscapes.py')
    c.optim_wrapper.discriminator.optimizer.lr = 3e-4
    with pytest.raises(ValueError, match='TTUR'):
        adapter('spade').official_argv(c, bench_args())


# ---- pix2pixHD ------------------------------------------------------------
def test_pix2pixhd_512p_maps_to_the_official_options():
    o = options(adapter('pix2pixhd').official_argv(
        cfg('configs/pix2pixhd/pix2pixhd_512p_cityscapes.py'),
        bench_args(batch_size=2)))
    expect = {'--label_nc': '35', '--netG': 'global', '--ngf': '64',
              '--n_downsample_global': '4', '--n_blocks_global': '9',
              '--norm': 'instance', '--num_D': '2', '--n_layers_D': '3',
              '--ndf': '64', '--lambda_feat': '10.0', '--lr': '0.0002',
              '--beta1': '0.5', '--batchSize': '2', '--loadSize': '256',
              '--fineSize': '256', '--gpu_ids': '-1'}
    assert {k: o.get(k) for k in expect} == expect
    for absent in ('--no_instance', '--instance_feat', '--no_lsgan',
                   '--no_vgg_loss', '--no_ganFeat_loss'):
        assert absent not in o


def test_pix2pixhd_local_feature_and_dontcare_configs():
    o = options(adapter('pix2pixhd').official_argv(
        cfg('configs/pix2pixhd/pix2pixhd_1024p_cityscapes.py'),
        bench_args()))
    assert (o['--netG'], o['--ngf'], o['--num_D'], o['--n_local_enhancers'],
            o['--n_blocks_local']) == ('local', '32', '3', '1', '3')
    o = options(adapter('pix2pixhd').official_argv(
        cfg('configs/pix2pixhd/pix2pixhd_512p-feat_cityscapes.py'),
        bench_args()))
    assert o['--instance_feat'] and o['--feat_num'] == '3'
    assert o['--nef'] == '16' and o['--n_downsample_E'] == '4'
    o = options(adapter('pix2pixhd').official_argv(
        cfg('configs/pix2pixhd/pix2pixhd_ade20k.py'), bench_args()))
    # no dontcare option in the official code: label_nc counts its channel
    assert o['--label_nc'] == '151' and o['--no_instance']


def test_pix2pixhd_vgg_weight_must_equal_the_feature_weight():
    c = cfg('configs/pix2pixhd/pix2pixhd_512p_cityscapes.py')
    c.model.losses.vgg.loss_weight = 5.0
    with pytest.raises(ValueError, match='lambda_feat'):
        adapter('pix2pixhd').official_argv(c, bench_args())


def test_dispatch_names_the_known_model_types():
    adapter('spade')  # puts tools/analysis_tools on sys.path
    runners = importlib.import_module('official_runners')
    assert runners.ADAPTERS['SPADEGAN'] == 'spade'
    assert runners.adapter_for('Pix2PixHD').__name__.endswith('pix2pixhd')
    with pytest.raises(ValueError, match='CRN'):
        runners.adapter_for('CRN')


# ---- command line and table ----------------------------------------------
SPADE_SYN = str(REPO / 'configs/spade/spade_synthetic.py')


def test_official_needs_an_official_root(capsys):
    tool = load_tool()
    with pytest.raises(SystemExit):
        tool.parse_args([SPADE_SYN, '--variant', 'official'])
    assert '--official-root DIR' in capsys.readouterr().err


def test_official_root_without_the_packages_names_dir_and_fix(tmp_path,
                                                              capsys):
    tool = load_tool()
    with pytest.raises(SystemExit):
        tool.parse_args([SPADE_SYN, '--variant', 'official',
                         '--official-root', str(tmp_path)])
    err = capsys.readouterr().err
    assert str(tmp_path) in err and 'no models/ package' in err
    assert 'repository root' in err
    with pytest.raises(SystemExit):
        tool.parse_args([SPADE_SYN, '--variant', 'official+bf16',
                         '--official-root', str(tmp_path)])
    assert 'stands alone' in capsys.readouterr().err


def test_parameter_lines_warn_when_official_and_ours_differ():
    tool = load_tool()
    same = tool.params_lines([
        dict(variant='official', num_params={'G': 10, 'D': 5}),
        dict(variant='fp32', num_params={'G': 10, 'D': 5})])
    assert same[-1] == 'official and ours: equal parameter counts'
    differ = '\n'.join(tool.params_lines([
        dict(variant='official', num_params={'G': 10, 'D': 5, 'E': 3}),
        dict(variant='fp32', num_params={'G': 12, 'D': 5})]))
    assert 'WARNING: G has 10 parameters in the official code and 12' \
        in differ
    assert 'WARNING: network E only in the official code' in differ
    assert 'WARNING: D' not in differ


# A tiny stand-in for NVlabs/SPADE: the files the SPADE adapter checks, an
# option parser that reads sys.argv, and a trainer with one conv per net.
FAKE_OPTIONS = '''
import argparse, json, os, sys
class TrainOptions:
    def parse(self):
        p = argparse.ArgumentParser()
        p.add_argument('--ngf', type=int)
        p.add_argument('--batchSize', type=int)
        opt, _ = p.parse_known_args()
        with open(os.path.join(os.path.dirname(__file__), '..', 'argv.json'),
                  'w') as f:
            json.dump(sys.argv[1:], f)
        return opt
'''
FAKE_TRAINER = '''
import torch
import torch.nn as nn
class Model(nn.Module):
    def __init__(self, opt):
        super().__init__()
        self.netG = nn.Conv2d(7, 3, 3, padding=1)
        self.netD = nn.Conv2d(10, 1, 3, padding=1)
        self.netE = None
    def forward(self, data, mode):
        label = torch.zeros(data['label'].shape[0], 7,
                            *data['label'].shape[2:])
        label.scatter_(1, data['label'], 1.0)
        fake = self.netG(label)
        if mode == 'inference':
            return fake
        return self.netD(torch.cat([label, fake], 1)).mean()
class Pix2PixTrainer:
    def __init__(self, opt):
        self.pix2pix_model = self.pix2pix_model_on_one_gpu = Model(opt)
    def run_generator_one_step(self, data):
        self.pix2pix_model(data, mode='generator').backward()
    def run_discriminator_one_step(self, data):
        self.pix2pix_model(data, mode='discriminator').backward()
'''


def test_fake_official_root_runs_through_the_worker(tmp_path):
    root = tmp_path / 'SPADE'
    for rel in ('models/__init__.py', 'models/pix2pix_model.py',
                'models/networks/generator.py',
                'models/networks/sync_batchnorm/__init__.py',
                'options/__init__.py', 'trainers/__init__.py'):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text('')
    (root / 'options/train_options.py').write_text(FAKE_OPTIONS)
    (root / 'trainers/pix2pix_trainer.py').write_text(FAKE_TRAINER)
    out = tmp_path / 'result.json'
    tool = load_tool()
    results = tool.main([
        SPADE_SYN, '--variant', 'official', '--official-root', str(root),
        '--size', '32x64', '--batch-size', '2', '--iters', '1', '--warmup',
        '0', '--threads', '1', '--out', str(out),
        '--cfg-options', 'model.generator.spade_hidden=128'])
    (r,) = results
    assert 'error' not in r, r
    assert r['variant'] == 'official' and r['median_s'] > 0
    # the adapter's counts of the official networks (no E: not a VAE)
    assert r['num_params'] == {'G': 7 * 3 * 9 + 3, 'D': 10 * 9 + 1}
    assert r['flops_per_step'] > 0  # the FLOP pass ran the official modules
    argv = options(json.loads((root / 'argv.json').read_text()))
    assert argv['--ngf'] == '16' and argv['--batchSize'] == '2'
    assert argv['--crop_size'] == '64' and argv['--label_nc'] == '6'
    assert json.loads(out.read_text())['results'][0]['variant'] == 'official'


def test_our_variants_take_cudnn_autotuning_from_the_config():
    """As the Runner: env_cfg.cudnn_benchmark (the official pix2pixHD turns
    it on in its own process; a like-for-like GPU run sets it for ours)."""
    import torch
    tool = load_tool()
    tiny = ['model.generator.ngf=2', 'model.discriminator.ndf=4',
            "model.losses.vgg.layers=['relu1_1']",
            'model.losses.vgg.layer_weights=[1.0]']
    saved = torch.backends.cudnn.benchmark
    try:
        for flag in (True, False):
            args = tool.parse_args([
                SPADE_SYN, '--size', '32x32', '--cfg-options', *tiny,
                f'env_cfg.cudnn_benchmark={flag}'])
            tool._build(args, ['fp32'], 'cpu')
            assert torch.backends.cudnn.benchmark is flag
    finally:
        torch.backends.cudnn.benchmark = saved
