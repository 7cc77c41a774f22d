"""tools/infer.py --all-outputs writes every image of a multi-output
generator (CRN, n outputs of one forward pass); without the flag only
image 0; a one-output model refuses the flag with a clear error."""
import os.path as osp
import uuid

import cv2
import numpy as np
import pytest
import torch
from tiny_train_configs import REPO, load_tool

from mmsemsyn.datasets.synthetic_scenes import render_scene

infer_tool = load_tool('infer')

CONFIG = '''
_base_ = [{base!r}]
experiment_name = 'crn_all_{tag}'
visualizer = dict(name='visualizer_{tag}')
test_dataloader = dict(dataset=dict(img_size=(32, 32)))
model = dict(generator=dict(channels=(8, 8, 8, 4), num_outputs={n}))
'''


def _model(tmp_path, n):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmsemsyn.registry import MODELS
    from mmsemsyn.utils import register_all_modules
    cfg = tmp_path / f'crn_{n}.py'
    cfg.write_text(CONFIG.format(
        base=osp.join(REPO, 'configs', 'crn', 'crn_synthetic.py'),
        tag=uuid.uuid4().hex[:8], n=n))
    register_all_modules(init_default_scope=False)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        model = MODELS.build(Config.fromfile(str(cfg)).model)
    ckpt = tmp_path / f'crn_{n}.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    return str(cfg), str(ckpt)


def _labels(tmp_path):
    paths = []
    for i in range(2):
        # 48x40: not the generated size (multiples of 16), so the outputs
        # are also resized back to the label map's size.
        _, label, _ = render_scene(3, i, 48, 40)
        path = str(tmp_path / f'scene{i}_label.png')
        cv2.imwrite(path, label.astype(np.uint8))
        paths.append(path)
    return paths


def test_all_outputs_writes_every_image(tmp_path):
    cfg, ckpt = _model(tmp_path, 3)
    labels = _labels(tmp_path)
    out = tmp_path / 'all'
    paths = infer_tool.main([cfg, ckpt, *labels, '--out-dir', str(out),
                             '--device', 'cpu', '--all-outputs',
                             '--batch-size', '2'])
    assert [osp.basename(p) for p in paths] == [
        f'scene{i}_{k}.png' for i in range(2) for k in range(3)]
    imgs = [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in paths]
    assert all(img.shape == (48, 40, 3) for img in imgs)
    # The n outputs of one label map differ; image 0 is the plain output.
    assert not np.array_equal(imgs[0], imgs[1])
    assert not np.array_equal(imgs[1], imgs[2])
    plain = infer_tool.main([cfg, ckpt, labels[0], '--out-dir',
                             str(tmp_path / 'one'), '--device', 'cpu'])
    assert [osp.basename(p) for p in plain] == ['scene0.png']
    assert np.array_equal(cv2.imread(plain[0]), imgs[0])
    assert sorted(p.name for p in (tmp_path / 'one').iterdir()) == [
        'scene0.png']


def test_all_outputs_refused_by_a_one_output_model(tmp_path):
    cfg, ckpt = _model(tmp_path, 1)
    labels = _labels(tmp_path)
    with pytest.raises(ValueError, match='multi-output.*Leave the flag'):
        infer_tool.main([cfg, ckpt, labels[0], '--out-dir',
                         str(tmp_path / 'x'), '--device', 'cpu',
                         '--all-outputs'])
    assert not osp.exists(tmp_path / 'x')
