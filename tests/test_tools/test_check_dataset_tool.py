"""Issue 13 item 9: tools/analysis_tools/check_dataset.py decodes every file
up front (ids, sizes, instance maps, lossy formats; progress bar; summary
table; exit status), and the
Cityscapes converter's --check reads the flat layout the dataset reads.
(tools/train.py --check-data: test_train_check_data.py.)"""
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image
from tiny_train_configs import load_tool

TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools',
                'analysis_tools', 'check_dataset.py')


def check_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location('check_dataset_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def save(path, array, fmt=None):
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path, fmt)


def make_dataset(root, broken=True):
    """label/img/inst folders of 16x16 samples; with ``broken``, one
    sample per kind of problem."""
    label = np.zeros((16, 16), np.uint8)
    label[4:12, 4:12] = 2
    inst = label.astype(np.uint16) * 1000
    photo = np.zeros((16, 16, 3), np.uint8)
    names = ['good', 'truncated', 'jpeg', 'badid', 'size']
    for name in names if broken else names[:1]:
        save(f'{root}/label/{name}.png', label)
        save(f'{root}/inst/{name}.png', inst)
        save(f'{root}/img/{name}.jpg', photo)
    if broken:
        data = open(f'{root}/label/truncated.png', 'rb').read()
        open(f'{root}/label/truncated.png', 'wb').write(data[:len(data) // 2])
        save(f'{root}/label/jpeg.png', label, 'JPEG')  # JPEG under .png
        save(f'{root}/label/badid.png', np.full((16, 16), 9, np.uint8))
        save(f'{root}/inst/size.png', np.zeros((8, 16), np.uint16))


CONFIG = '''
model = dict(data_preprocessor=dict(num_classes=4, dontcare_label=255,
                                    use_instance_edges=True))
train_dataloader = dict(dataset=dict(
    type='SynthesisDataset', data_root={root!r},
    data_prefix=dict(label_path='label', img_path='img', inst_path='inst'),
    pipeline=[dict(type='LoadLabelMap'), dict(type='LoadInstanceMap'),
              dict(type='LoadSynImage'), dict(type='PackSynInputs')]))
'''


def test_every_problem_in_one_table(tmp_path, capsys, monkeypatch):
    make_dataset(tmp_path / 'data')
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(CONFIG.format(root=str(tmp_path / 'data')))
    tool = check_tool()
    monkeypatch.setenv('MMSEMSYN_PROGRESS', '1')
    assert tool.main([str(cfg), '--split', 'train']) == 1
    captured = capsys.readouterr()
    out = captured.out
    # mmengine's progress bar, on stderr like every tool's (the table on
    # stdout stays clean for logs)
    assert '5/5' in captured.err and '5/5' not in out
    assert '5 of 5 samples checked, 4 with problems -- FAILED' in out
    rows = {line.split('│')[1].strip() for line in out.splitlines()
            if line.startswith('│') and line.split('│')[1].strip()}
    assert {'corrupt file', 'lossy format', 'label ids',
            'size mismatch'} <= rows
    assert 'truncated.png' in out and 'jpeg.png' in out
    assert '9 (256 px)' in out and '0..3 or 255' in out

    # The same data without the broken samples passes (exit status 0),
    # and a split the config lacks is a usage error.
    make_dataset(tmp_path / 'clean', broken=False)
    cfg.write_text(CONFIG.format(root=str(tmp_path / 'clean')))
    assert tool.main([str(cfg), '--no-progress']) == 0
    assert 'with problems -- OK' in capsys.readouterr().out
    assert tool.main([str(cfg), '--split', 'val']) == 2
    assert 'no val_dataloader' in capsys.readouterr().err


def test_missing_instance_maps_and_parallel_workers(tmp_path, capsys):
    make_dataset(tmp_path / 'data', broken=False)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(CONFIG.format(root=str(tmp_path / 'data')).replace(
        ", inst_path='inst'", '').replace(
        "dict(type='LoadInstanceMap'), ", ''))
    tool = check_tool()
    assert tool.main([str(cfg), '--num-workers', '2']) == 1
    out = capsys.readouterr().out
    assert 'instance map' in out and 'use_instance_edges' in out


def test_cityscapes_check_reads_the_flat_layout(tmp_path):
    """--check used to demand gtFine/ even for the pix2pixHD layout that
    CityscapesDataset reads; both now share the dataset's layout rules."""
    conv = load_tool('dataset_converters/cityscapes')
    root = tmp_path / 'flat'
    for split, frames in (('train', ['aachen_000000_000019']),
                          ('test', ['frankfurt_000000_000294'])):
        for name in frames:
            for kind, suffix, value in (
                    ('label', '_gtFine_labelIds.png',
                     np.full((4, 8), 7, np.uint8)),
                    ('inst', '_gtFine_instanceIds.png',
                     np.full((4, 8), 26001, np.uint16)),
                    ('img', '_leftImg8bit.png', np.zeros((4, 8, 3),
                                                         np.uint8))):
                save(f'{root}/{split}_{kind}/{name}{suffix}', value)
    lines = []
    assert conv.convert(str(root), log=lines.append) == 0
    assert lines[:2] == ['layout: pix2pixhd', 'train: 1 frames, 1 complete']
    assert 'val (test_*): 1 frames, 1 complete' in lines
    os.remove(f'{root}/test_img/frankfurt_000000_000294_leftImg8bit.png')
    lines = []
    assert conv.main([str(root), '--check']) == 1
    assert conv.convert(str(root), log=lines.append) == 1
    assert '  frankfurt_000000_000294: missing img' in lines
    with pytest.raises(ValueError, match='already in the flat layout'):
        conv.convert(str(root), out=str(tmp_path / 'out'))
