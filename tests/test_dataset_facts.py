"""Channel counts are derived from the dataset facts and checked once
(:mod:`mmsemsyn.dataset_facts`)."""
import copy
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmsemsyn  # noqa: F401
from mmsemsyn.dataset_facts import (
    ChannelMismatchError,
    dataset_metainfo,
    resolve_channels,
)
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
    if '_base_' not in p)


@pytest.fixture(autouse=True)
def _scope():
    register_all_modules(init_default_scope=False)


def _spade_synthetic():
    return Config.fromfile(osp.join(REPO, 'configs/spade/spade_synthetic.py'))


def test_every_shipped_config_agrees_with_its_data():
    """The hand-set counts of every config equal the derived ones, and a
    config that sets them all is left exactly as it is."""
    checked = 0
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        before = copy.deepcopy(cfg.to_dict())
        resolved = resolve_channels(cfg, path)
        assert cfg.to_dict() == before, path
        checked += len(resolved) > 1
    assert checked > 50


def test_unset_counts_are_filled_from_the_data():
    cfg = _spade_synthetic()
    del cfg.model.data_preprocessor['num_classes']
    del cfg.model.generator['semantic_nc']
    del cfg.model.discriminator['in_channels']
    resolved = resolve_channels(cfg, 'spade_synthetic.py')
    # 6 synthetic classes (METAINFO) + the instance-edge channel
    assert cfg.model.data_preprocessor.num_classes == 6
    assert cfg.model.generator.semantic_nc == 7
    assert cfg.model.discriminator.in_channels == 7 + 3
    assert resolved['model.discriminator.in_channels'] == 10
    # and the filled config builds a model whose networks agree
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        model = MODELS.build(cfg.model)
    assert model.data_preprocessor.semantic_nc == 7


def test_generator_mismatch_names_key_values_and_fix():
    cfg = _spade_synthetic()
    cfg.model.generator.semantic_nc = 9
    with pytest.raises(ChannelMismatchError) as err:
        resolve_channels(cfg, 'spade_synthetic.py')
    msg = str(err.value)
    assert 'spade_synthetic.py' in msg
    assert 'model.generator.semantic_nc=9' in msg
    assert '6 classes + 1 instance edges' in msg
    assert 'Fix: set model.generator.semantic_nc=7' in msg


def test_discriminator_mismatch_follows_multiscale_wrapper():
    cfg = _spade_synthetic()
    cfg.model.discriminator.in_channels = 7
    with pytest.raises(ChannelMismatchError,
                       match=r'model\.discriminator\.in_channels=7 '
                       r'but the data gives 10'):
        resolve_channels(cfg, 'spade_synthetic.py')


def test_num_classes_checked_against_dataset_metainfo():
    cfg = _spade_synthetic()
    cfg.model.data_preprocessor.num_classes = 8
    with pytest.raises(ChannelMismatchError) as err:
        resolve_channels(cfg, 'spade_synthetic.py')
    msg = str(err.value)
    assert 'num_classes=8' in msg and 'SyntheticScenesDataset' in msg
    assert 'has 6 classes' in msg


def test_metainfo_override_changes_the_facts():
    cfg = _spade_synthetic()
    classes = ('a', 'b', 'c')
    for key in ('train_dataloader', 'test_dataloader', 'val_dataloader'):
        cfg[key].dataset.metainfo = dict(classes=classes)
    del cfg.model.data_preprocessor['num_classes']
    del cfg.model.generator['semantic_nc']
    cfg.model.discriminator.in_channels = None
    resolve_channels(cfg, 'x.py')
    assert cfg.model.data_preprocessor.num_classes == 3
    assert cfg.model.generator.semantic_nc == 4
    assert cfg.model.discriminator.in_channels == 7


def test_pix2pixhd_generator_counts_instance_features():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/pix2pixhd/pix2pixhd_global-feat_synthetic.py'))
    cfg.model.generator.in_channels = 7  # forgot the 3 feature channels
    with pytest.raises(ChannelMismatchError,
                       match=r'in_channels=7 but the data gives 10 .*'
                       r'3 instance-feature channels'):
        resolve_channels(cfg, 'feat.py')


def test_wrapped_dataset_metainfo_is_found():
    name, meta = dataset_metainfo(
        dict(type='HoldoutSplit', num_test=1,
             dataset=dict(type='FacadesDataset', pipeline=[])))
    assert name == 'FacadesDataset' and len(meta['classes']) == 12


def test_class_attribute_rules_win():
    """A method declares its own roles (a project's synthesizer)."""
    SPADEGAN = MODELS.get('SPADEGAN')

    class NoDiscriminatorCheck(SPADEGAN):
        CHANNEL_RULES = {'generator': lambda S, C, F: S}

    cfg = _spade_synthetic()
    cfg.model.type = NoDiscriminatorCheck
    cfg.model.discriminator.in_channels = 99
    resolved = resolve_channels(cfg, 'x.py')
    assert 'model.discriminator.in_channels' not in resolved
    assert resolved['model.generator.semantic_nc'] == 7


def test_id_lists_and_maps_are_held_by_the_datasets():
    """The foreground mask's background ids and the metric's Cityscapes
    labelId -> trainId map are the datasets' own objects, not copies."""
    from mmsemsyn.datasets.ade20k import ADE20KDataset
    from mmsemsyn.datasets.cityscapes import (
        CITYSCAPES_TRAIN_IDS,
        CityscapesDataset,
    )
    from mmsemsyn.datasets.coco_stuff import COCOStuffDataset
    from mmsemsyn.evaluation.metrics.label_maps import LABEL_MAPS
    from mmsemsyn.models.losses.foreground_mask import (
        BACKGROUND_IDS,
        ForegroundEnhancementMask,
    )
    assert LABEL_MAPS['cityscapes_labelid_to_trainid'] is CITYSCAPES_TRAIN_IDS
    for name, dataset in (('cityscapes', CityscapesDataset),
                          ('coco', COCOStuffDataset),
                          ('ade20k', ADE20KDataset)):
        assert BACKGROUND_IDS[name] is dataset.METAINFO['background_ids']
    mask = ForegroundEnhancementMask('cityscapes')
    assert mask.background_ids.tolist() == list(
        CityscapesDataset.METAINFO['background_ids'])
    # road (7) is background, car (26) foreground
    assert 7 in mask.background_ids and 26 not in mask.background_ids


def test_one_scheduler_list_serves_every_optimizer():
    """The configs give ``param_scheduler`` as ONE list: mmengine's Runner
    builds a scheduler from it for every optimizer of the OptimWrapperDict,
    each with its own state (what the per-network copies did)."""
    import torch
    from mmengine.optim import OptimWrapper, OptimWrapperDict
    from mmengine.runner import Runner

    cfg = Config.fromfile(
        osp.join(REPO, 'configs/pix2pix/pix2pix_synthetic.py'))
    assert isinstance(cfg.param_scheduler, list)

    class _Runner:  # the attributes build_param_scheduler reads
        _train_loop = None
        train_dataloader = [None] * 4

    runner = _Runner()
    params = {k: torch.nn.Parameter(torch.zeros(1)) for k in ('g', 'd')}
    runner.optim_wrapper = OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam([params['g']], lr=2e-4)),
        discriminator=OptimWrapper(torch.optim.Adam([params['d']], lr=4e-4)))
    runner._build_param_scheduler = \
        lambda s, o: Runner._build_param_scheduler(runner, s, o)
    scheds = Runner.build_param_scheduler(runner, cfg.param_scheduler)
    assert set(scheds) == {'generator', 'discriminator'}
    n_iters = cfg.param_scheduler[0].begin
    for _ in range(n_iters + 250):  # half-way through the decay
        for name in scheds:
            runner.optim_wrapper[name].step()
            scheds[name][0].step()
    lrs = {k: runner.optim_wrapper[k].param_groups[0]['lr'] for k in scheds}
    # each network decays from its own lr by the same factor (~1/2 here)
    assert lrs['generator'] / 2e-4 == pytest.approx(0.5, abs=0.01)
    assert lrs['discriminator'] / 4e-4 == pytest.approx(
        lrs['generator'] / 2e-4)


def test_train_tool_checks_before_building(tmp_path):
    """tools/train.py resolves the counts once, before the work dir or any
    network exists."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'train_tool_dataset_facts', osp.join(REPO, 'tools', 'train.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    work = tmp_path / 'w'
    with pytest.raises(ChannelMismatchError,
                       match=r'num_classes=7 but train_dataloader\.dataset '
                       r'\(SyntheticScenesDataset\) has 6 classes'):
        tool.main([osp.join(REPO, 'configs/pix2pix/pix2pix_synthetic.py'),
                   '--work-dir', str(work), '--cfg-options',
                   'model.data_preprocessor.num_classes=7'])
    assert not work.exists()


def test_instance_edges_need_instance_maps():
    cfg = Config.fromfile(osp.join(REPO, 'configs/spade/spade_cityscapes.py'))
    resolve_channels(cfg, 'spade_cityscapes.py')  # loads instance maps
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        pipeline = cfg[key].dataset.pipeline
        pipeline[:] = [t for t in pipeline if t.type != 'LoadInstanceMap']
    with pytest.raises(ChannelMismatchError,
                       match=r'use_instance_edges=True but train_dataloader'
                       r'\.dataset \(CityscapesDataset\) gives no instance '
                       r"maps \(its loading steps: \['LoadLabelMap', "
                       r"'LoadSynImage'\]\)"):
        resolve_channels(cfg, 'spade_cityscapes.py')
