"""tools/test.py and tools/dist_test.sh on a tiny pix2pix model (CPU)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tests' / 'test_evaluation'))
from tiny_segmenter import tiny_segmenter_cfg  # noqa: E402

CONFIG = """
_base_ = [{base!r}]
model = dict(generator=dict(num_downs=5, ngf=4),
             discriminator=dict(ndf=4))
test_dataloader = dict(batch_size=2, dataset=dict(num_samples={n},
                                                  img_size=(32, 32)))
test_evaluator = [
    dict(type='PixelMetrics'),
    dict(type='FID', inception_path={inception!r}, dims=64, device='cpu'),
    dict(type='SegmentationScore', seg_config={seg_cfg!r},
         seg_checkpoint={seg_ckpt!r}, device='cpu'),
    dict(type='LPIPSDiversity', backbone_path={alex!r}, device='cpu'),
]
default_hooks = dict(logger=dict(interval=1))
"""


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """A config with FID + segmentation + pixel metrics and a checkpoint."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmsemsyn.models.pretrained.segmenter import build_mmseg_segmenter
    from mmsemsyn.registry import MODELS
    from mmsemsyn.utils import register_all_modules
    tmp = tmp_path_factory.mktemp('test_tool')
    torch.manual_seed(0)
    seg = build_mmseg_segmenter(tiny_segmenter_cfg(6), frozen=False)
    torch.save({'state_dict': seg.state_dict()}, tmp / 'seg.pth')
    cfg_path = tmp / 'tiny.py'
    cfg_path.write_text(CONFIG.format(
        base=str(REPO / 'configs/pix2pix/pix2pix_synthetic.py'), n=5,
        inception=str(tmp / 'inception.pth'),
        seg_cfg=tiny_segmenter_cfg(6), seg_ckpt=str(tmp / 'seg.pth'),
        alex=str(tmp / 'alexnet.pth')))
    import torchvision
    torch.save(torchvision.models.alexnet(weights=None).state_dict(),
               tmp / 'alexnet.pth')
    _write_inception_file(tmp / 'inception.pth')
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(str(cfg_path))
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        model = MODELS.build(cfg.model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}},
               tmp / 'model.pth')
    return tmp, cfg_path, tmp / 'model.pth'


def _write_inception_file(path):
    """Random weights in pytorch-fid's file layout (its torchvision-style
    Inception state dict), read back through ``inception_path``."""
    import warnings

    from mmsemsyn.models.pretrained.inception import build_fid_inception
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        net = build_fid_inception(allow_random=True, dims=2048)
    names = [['Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3'],
             ['Conv2d_3b_1x1', 'Conv2d_4a_3x3'],
             ['Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b',
              'Mixed_6c', 'Mixed_6d', 'Mixed_6e'],
             ['Mixed_7a', 'Mixed_7b', 'Mixed_7c']]
    state = {}
    for block, block_names in zip(net.blocks, names):
        for i, name in enumerate(block_names):
            for k, v in block[i].state_dict().items():
                state[f'{name}.{k}'] = v
    state['fc.weight'] = torch.zeros(1008, 2048)
    state['fc.bias'] = torch.zeros(1008)
    torch.save(state, path)


def _run(args, cwd, env_extra=None, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.update(env_extra or {})
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _single_run(tmp, cfg, ckpt):
    """tools/test.py in one process (once per module and worker)."""
    out1 = tmp / 'single.json'
    if not out1.exists():
        r = _run([sys.executable, str(REPO / 'tools/test.py'), str(cfg),
                  str(ckpt), '--work-dir', str(tmp / 'w1'), '--out',
                  str(out1), '--save-dir', str(tmp / 'pngs'),
                  '--num-samples', '2'], REPO)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        assert 'FID/fid' in r.stdout  # the printed table
    return out1


def test_test_tool_single_vs_two_processes(setup, free_port):
    tmp, cfg, ckpt = setup
    out1, out2 = _single_run(tmp, cfg, ckpt), tmp / 'dist.json'
    single = json.loads(out1.read_text())
    assert set(single) >= {'pixel/PSNR', 'pixel/SSIM', 'FID/fid',
                           'seg/mIoU', 'seg/aAcc', 'seg/mAcc',
                           'diversity/lpips'}
    for sub in ('fake', 'real', 'label_color'):
        assert len(list((tmp / 'pngs' / sub).glob('*.png'))) == 5
    assert len(list((tmp / 'pngs' / 'fake_samples').glob('*.png'))) == 10
    assert not (tmp / 'pngs.tmp').exists()
    # 5 samples over 2 processes: the sampler pads one duplicate.
    r = _run(['bash', str(REPO / 'tools/dist_test.sh'), str(cfg), str(ckpt),
              '2', '--work-dir', str(tmp / 'w2'), '--out', str(out2),
              '--num-samples', '2'], REPO,
             dict(PORT=str(free_port)))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert json.loads(out2.read_text()) == single


def test_fid_of_saved_pngs_equals_pytorch_fid(setup):
    """--save-dir output re-scored by pytorch-fid gives the reported FID."""
    tmp, cfg, ckpt = setup
    _single_run(tmp, cfg, ckpt)
    import pytorch_fid.fid_score as fid_score

    from mmsemsyn.models.pretrained.inception import build_fid_inception
    net = build_fid_inception(str(tmp / 'inception.pth'), dims=64)
    stats = [fid_score.calculate_activation_statistics(
        sorted(str(p) for p in (tmp / 'pngs' / sub).glob('*.png')), net,
        batch_size=5, dims=64, num_workers=0) for sub in ('fake', 'real')]
    ref = fid_score.calculate_frechet_distance(*stats[0], *stats[1])
    ours = json.loads((tmp / 'single.json').read_text())['FID/fid']
    assert abs(ours - ref) < 1e-3


def _load_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'mmsemsyn_test_tool', REPO / 'tools' / 'test.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_test_tool_failure_leaves_nothing(setup):
    tmp, cfg, ckpt = setup
    tool = _load_tool()
    out, pngs = tmp / 'fail.json', tmp / 'fail_pngs'
    base = [str(cfg), str(ckpt), '--work-dir', str(tmp / 'w3'), '--out',
            str(out), '--save-dir', str(pngs)]
    # Fails in the middle of the test set (after PNGs of batch 0 exist).
    with pytest.raises(KeyError, match='nope'):
        tool.main(base + ['--cfg-options', 'test_evaluator.0.fake_key=nope'])
    assert not out.exists()
    assert not pngs.exists() and not (tmp / 'fail_pngs.tmp').exists()
    # Missing metric weights: the message names the file to provide.
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        tool.main(base + ['--cfg-options', 'test_evaluator.1.inception_path='
                          + str(tmp / 'missing.pth')])
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        tool.main([str(cfg), str(tmp / 'nope.pth')])
    assert not out.exists() and not pngs.exists()


def test_checkpoint_of_another_model_stops_before_evaluation(setup):
    """mmengine would load it partly and evaluate random weights."""
    tmp, cfg, ckpt = setup
    state = torch.load(ckpt, map_location='cpu')['state_dict']
    wider = {k: (torch.zeros(8, *v.shape[1:]) if k.endswith(
        'generator.model.model.0.weight') else v) for k, v in state.items()}
    bad = tmp / 'other_width.pth'
    torch.save({'state_dict': wider}, bad)
    # only the generator matters: a checkpoint without D still evaluates
    g_only = tmp / 'g_only.pth'
    torch.save({'state_dict': {k: v for k, v in state.items()
                               if k.startswith('generator.')}}, g_only)
    r = _run([sys.executable, str(REPO / 'tools/test.py'), str(cfg),
              str(bad), '--work-dir', str(tmp / 'w_bad'), '--out',
              str(tmp / 'bad.json')], REPO)
    assert r.returncode != 0
    assert 'does not match the model of config' in r.stderr
    assert 'generator.model.model.0.weight: checkpoint (8, 6, 4, 4) vs ' \
        'model (4, 6, 4, 4)' in r.stderr
    assert not (tmp / 'bad.json').exists()
    from importlib import util
    spec = util.spec_from_file_location('test_tool_module',
                                        REPO / 'tools/test.py')
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmsemsyn.engine.checkpoint import (
        TRAINING_ONLY,
        check_checkpoint_fit,
    )
    from mmsemsyn.registry import MODELS
    # tools/test.py checks the file the Runner reads (read once) with
    # CheckpointFitHook, which skips the training-only networks ...
    built = module.build_cfg(module.parse_args([str(cfg), str(g_only)]))
    assert dict(type='CheckpointFitHook', config=str(cfg),
                skip=TRAINING_ONLY) in built.custom_hooks
    # ... so a checkpoint without D passes its check.
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        model = MODELS.build(Config.fromfile(str(cfg)).model)
    check_checkpoint_fit(model, torch.load(g_only)['state_dict'],
                         str(g_only), str(cfg), skip=TRAINING_ONLY)
