"""Issue 13 item 9: tools/train.py --check-data checks the data first and
stops before anything trains."""
import os.path as osp

import pytest
from test_check_dataset_tool import CONFIG, make_dataset
from tiny_train_configs import load_tool, write_tiny_config


def test_train_check_data_stops_before_training(tmp_path, capsys):
    make_dataset(tmp_path / 'data')
    extra = CONFIG.format(root=str(tmp_path / 'data')).replace(
        'train_dataloader = dict(dataset=dict(',
        'train_dataloader = dict(dataset=dict(_delete_=True, ').replace(
        'model = dict(data_preprocessor=dict(',
        'model = dict(data_preprocessor=dict(type="SynDataPreprocessor", ')
    # only the folder dataset: the tiny base's synthetic val/test scenes
    # have 6 classes, not this dataset's 4 (the class-count check)
    extra += ('val_dataloader = None\nval_cfg = None\nval_evaluator = None\n'
              'test_dataloader = None\ntest_cfg = None\n'
              'test_evaluator = None\n')
    cfg = write_tiny_config(tmp_path, extra=extra)
    train_tool = load_tool('train')
    with pytest.raises(SystemExit, match='--check-data'):
        train_tool.main([cfg, '--work-dir', str(tmp_path / 'work'),
                         '--check-data'])
    assert 'corrupt file' in capsys.readouterr().out
    assert not osp.exists(tmp_path / 'work' / 'iter_2.pth')
