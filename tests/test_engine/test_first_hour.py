"""Issue 13 items 14, 16-20 (a new user's first hour): one logging rhythm
with a line at the last iteration, exactly the known stack warnings
filtered, an honest device banner, pretrained-weight errors that name the
key of *this* network, a dataset built without the default scope says so,
sample grids with column titles."""
import glob
import os.path as osp
import re
import sys
import warnings

import numpy as np
import pytest
import torch
from mmengine.config import Config

import mmsemsyn  # noqa: F401
from mmsemsyn import compat
from mmsemsyn.models.pretrained.weights_error import (
    PretrainedWeightsError,
    locate_in_evaluators,
)

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'test_tools'))
from tiny_train_configs import load_tool, write_tiny_config  # noqa: E402


def _train_log(tmp_path, iters, interval, samples):
    cfg = write_tiny_config(tmp_path, size=32, iters=iters, extra=(
        f'default_hooks = dict(logger=dict(interval={interval}))\n'
        f'train_dataloader = dict(batch_size=1, dataset=dict('
        f'num_samples={samples}))\n'
        'custom_hooks = []\nval_cfg = None\nval_dataloader = None\n'
        'val_evaluator = None\n'))
    work = tmp_path / 'work'
    load_tool('train').main([cfg, '--work-dir', str(work)])
    text = open(glob.glob(str(work / '*' / '*.log'))[0]).read()
    return text, [int(m) for m in re.findall(r'Iter\(train\) \[\s*(\d+)/',
                                             text)]


def test_logging_rhythm_and_last_iteration(tmp_path):
    # 5 iterations, interval 2, a 3-sample dataset: mmengine logged at 2, 3
    # (the dataloader length), 4; never at the last iteration 5.
    text, logged = _train_log(tmp_path, iters=5, interval=2, samples=3)
    assert logged == [2, 4, 5]
    # The environment banner names the device actually used.
    device = 'cuda' if torch.cuda.is_available() else \
        'cpu (CUDA not available)'
    assert f'Device: {device}' in text and 'GPU number' not in text
    # mmengine's notices about its own internals are not shown.
    assert '"FileClient" will be deprecated' not in text
    assert 'HardDiskBackend' not in text


def test_short_run_logs_its_only_iterations(tmp_path):
    _, logged = _train_log(tmp_path, iters=3, interval=10, samples=2)
    assert logged == [3]


def test_exactly_the_known_warnings_are_filtered():
    known = ('``build_loss`` would be deprecated soon, please use '
             '``mmseg.registry.MODELS.build()``', 'mmseg.models.builder')
    mmcv_lite = ('Fail to import ``MultiScaleDeformableAttention`` from '
                 '``mmcv.ops.multi_scale_deform_attn``, You should install '
                 '``mmcv`` rather than ``mmcv-lite`` if you need this module.',
                 'mmcv.cnn.bricks.transformer')
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always')
        compat.filter_known_warnings()
        for message, module in (known, mmcv_lite):
            warnings.warn_explicit(message, UserWarning, 'x.py', 1,
                                   module=module)
        # Same text from another module, other text from mmseg, another
        # category: all still shown.
        warnings.warn_explicit(known[0], UserWarning, 'x.py', 1,
                               module='my_project.builder')
        warnings.warn_explicit('Default ``avg_non_ignore`` is False',
                               UserWarning, 'x.py', 1,
                               module='mmseg.models.losses.cross_entropy')
        warnings.warn_explicit(known[0], DeprecationWarning, 'x.py', 1,
                               module='mmseg.models.builder')
    shown = [(str(w.message)[:30], w.category.__name__) for w in seen]
    fallback = compat.install_mmcv_ops_fallback()
    assert len(seen) == 3 + (0 if fallback else 1), shown


def test_inferencer_device_defaults_to_cuda_when_available(tmp_path):
    from mmsemsyn.apis import SynthesisInferencer
    cfg = write_tiny_config(tmp_path, size=32)
    inferencer = SynthesisInferencer(cfg, device=None)
    expected = 'cuda' if torch.cuda.is_available() else 'cpu'
    assert inferencer.device.type == expected
    infer = load_tool('infer')
    args = infer.parse_args([cfg, 'x.pth', 'l.png', '--out-dir', 'o'])
    assert args.device is None  # resolved by the inferencer as above


@pytest.fixture
def offline(monkeypatch):
    """Every download fails as it does without internet."""
    from torchvision.models._api import WeightsEnum

    def no_network(*args, **kwargs):
        raise OSError('<urlopen error [Errno -2] Name or service not known>')

    monkeypatch.setattr(WeightsEnum, 'get_state_dict', no_network)
    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', no_network)


def test_missing_weights_name_the_key_of_this_network(offline):
    from mmengine.registry import DefaultScope

    from mmsemsyn.registry import MODELS
    from mmsemsyn.utils import register_all_modules

    # No process-wide default scope (other tests build mmseg parts).
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        _check_vgg_keys(MODELS)


def _check_vgg_keys(MODELS):
    # The Lab2Pix-V2 discriminator's VGG-16 branch: its vgg_pretrained.
    cfg = Config.fromfile('configs/lab2pix/lab2pix-v2_synthetic.py')
    cfg.model.discriminator.discriminator.vgg_pretrained = True
    for loss in cfg.model.losses.values():
        if isinstance(loss, dict) and 'pretrained' in loss:
            loss.pretrained = None
    with pytest.raises(PretrainedWeightsError) as err:
        MODELS.build(cfg.model)
    key = 'model.discriminator.discriminator.vgg_pretrained'
    assert err.value.keys == [key]
    assert f'"{key}=/path/to/vgg16.pth"' in str(err.value)
    # A VGG loss: its own entry under model.losses.
    cfg = Config.fromfile('configs/spade/spade_synthetic.py')
    cfg.model.losses.vgg.pretrained = True
    with pytest.raises(PretrainedWeightsError) as err:
        MODELS.build(cfg.model)
    assert err.value.keys == ['model.losses.vgg.pretrained']


def test_metric_weights_name_their_evaluator_entries(offline):
    from mmsemsyn.models.pretrained.inception import build_fid_inception
    with pytest.raises(PretrainedWeightsError) as err:
        build_fid_inception(None)
    cfg = Config.fromfile('configs/spade/spade_cityscapes.py')
    fid = [i for i, m in enumerate(cfg.test_evaluator)
           if m['type'] == 'FrechetInceptionDistance']
    seg = [i for i, m in enumerate(cfg.test_evaluator)
           if m['type'] == 'SegmentationScore']
    located = locate_in_evaluators(err.value, cfg)
    assert f'test_evaluator.{fid[0]}.inception_path' in located.keys
    assert f'val_evaluator.{fid[0]}.inception_path' in located.keys
    seg_err = PretrainedWeightsError('segmenter checkpoint x', 'offline',
                                     'seg_checkpoint', guess='whatever')
    located = locate_in_evaluators(seg_err, cfg)
    assert f'test_evaluator.{seg[0]}.seg_checkpoint' in located.keys
    assert 'whatever' not in str(located)


def test_dataset_without_default_scope_says_so():
    import subprocess

    from mmengine.registry import DefaultScope

    from mmsemsyn.datasets.synthetic_scenes import SyntheticScenesDataset

    # A fresh process: no default scope (tests set one process-wide).
    code = ('from mmsemsyn.datasets.synthetic_scenes import '
            'SyntheticScenesDataset\n'
            'try:\n'
            '    SyntheticScenesDataset(num_samples=1, img_size=(32, 32), '
            'pipeline=[dict(type="PackSynInputs")])\n'
            'except KeyError as err:\n'
            '    print("KeyError:", err)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=120,
                         cwd=osp.dirname(osp.dirname(osp.dirname(
                             osp.abspath(__file__))))).stdout
    assert 'KeyError' in out and 'no default scope is set' in out, out
    assert 'register_all_modules()' in out
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        ds = SyntheticScenesDataset(num_samples=1, img_size=(32, 32),
                                    pipeline=[dict(type='PackSynInputs')])
        assert 'inputs' in ds[0]


def test_sample_grid_column_titles():
    from mmsemsyn.visualization.colorize import make_grid, title_height
    tiles = [[np.full((32, 32, 3), 200, np.uint8)] * 3]
    plain = make_grid(tiles)
    titled = make_grid(tiles, titles=['label', 'generated', 'real'])
    top = title_height(32)
    assert titled.shape == (plain.shape[0] + top, plain.shape[1], 3)
    # The images sit below the band, unchanged.
    assert np.array_equal(titled[top + 2:], plain[2:])
    # Every column's band holds dark text pixels.
    for j in range(3):
        band = titled[2:top + 2, 2 + j * 34:2 + j * 34 + 32]
        assert (band.min(axis=2) < 100).sum() > 5, j
    # The visualizer names label | generated | intermediates | real.
    from mmsemsyn.structures import SynDataSample
    from mmsemsyn.visualization.visualizer import (
        SynthesisVisualizer,
        column_title,
    )
    sample = SynDataSample(metainfo=dict(visual_keys=('global_img', )))
    sample.gt_label = torch.zeros(1, 32, 32, dtype=torch.long)
    sample.fake_img = torch.zeros(3, 32, 32, dtype=torch.uint8)
    sample.global_img = torch.zeros(3, 32, 32, dtype=torch.uint8)
    sample.gt_img = torch.zeros(3, 32, 32, dtype=torch.uint8)
    grid = SynthesisVisualizer.get_instance(
        'first_hour_grid').sample_grid([sample])
    assert grid.shape == (top + 2 + 34, 2 + 4 * 34, 3)
    assert column_title('local_weight') == 'local weight'
    assert column_title('global_img') == 'global'


WEIGHT_ARGS = ('inception_path', 'seg_checkpoint', 'backbone_path',
               'classifier_path')


def test_every_config_names_valid_keys_for_metric_weights():
    """For every config and every metric that loads weights, the key the
    error names is one that --cfg-options accepts."""
    from mmsemsyn.config_check import check_cfg_options
    from mmsemsyn.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    paths = sorted(p for p in glob.glob(osp.join(root, 'configs', '**',
                                                 '*.py'), recursive=True)
                   if '_base_' not in p)
    # LPIPS diversity is added for --num-samples runs from this base.
    paths.append(osp.join(root, 'configs', '_base_', 'evaluators',
                          'diversity.py'))
    named = set()
    for path in paths:
        cfg = Config.fromfile(path)
        for arg in WEIGHT_ARGS:
            err = PretrainedWeightsError('weights', 'offline', arg)
            for key in locate_in_evaluators(err, cfg).keys:
                check_cfg_options(cfg, {key: '/x.pth'}, path)
                named.add(arg)
    # Each kind of metric weights occurs in some config.
    assert named == set(WEIGHT_ARGS), named
