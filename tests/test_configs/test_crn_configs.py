"""The CRN Cityscapes configs match the official setup: 20-channel input
(19 train ids + void), n = 9 at 256p, stage sizes that fit the modules."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmsemsyn.evaluation.metrics.label_maps import (
    CITYSCAPES_LABELID_TO_TRAINID,
)
from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
    SynDataPreprocessor,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.parametrize('stage,modules,n,scale,epochs', [
    ('256p', 7, 9, (512, 256), 200),
    ('512p', 8, 1, (1024, 512), 20),
    ('1024p', 9, 1, (2048, 1024), 5),
])
def test_cityscapes_stages(stage, modules, n, scale, epochs):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'crn', f'crn_{stage}_cityscapes.py'))
    gen = cfg.model.generator
    pre = dict(cfg.model.data_preprocessor)
    pre.pop('type')
    assert SynDataPreprocessor(**pre).semantic_nc == gen.in_channels == 20
    assert gen.num_modules == modules and gen.num_outputs == n
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.optim_wrapper.generator.optimizer.lr == 1e-4
    for dl in (cfg.train_dataloader, cfg.test_dataloader):
        load, _, resize, _ = dl.dataset.pipeline
        assert tuple(resize.scale) == scale
        # The first module works at 4x8, as the official.
        assert (scale[1] // 2 ** (modules - 1),
                scale[0] // 2 ** (modules - 1)) == (4, 8)
        # labelId -> trainId for the 19 classes, everything else void.
        mapping = load.label_map
        assert set(mapping) == set(range(34))
        assert {k: v for k, v in mapping.items() if v != 255} == \
            CITYSCAPES_LABELID_TO_TRAINID
    weights = cfg.model.losses.content.layer_weights
    if stage == '256p':
        assert weights[1] == pytest.approx(1 / 1.6)
        assert cfg.model.losses.content.mask_weighted
    else:
        assert weights[5] == pytest.approx(10 / 1.5)
    assert cfg.model.generator.get('frozen_stages', 0) == (
        7 if stage == '1024p' else 0)
