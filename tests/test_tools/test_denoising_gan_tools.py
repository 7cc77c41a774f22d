"""configs/denoising_gan/denoising-gan_synthetic.py end to end: tools/train.py,
tools/test.py (PSNR/SSIM/MSE/RMSE) and tools/infer.py (tiny sizes)."""
import json
import os.path as osp
import uuid

import cv2
import numpy as np
from tiny_train_configs import REPO, load_tool

from mmsemsyn.datasets.synthetic_scenes import render_scene

SYNTHETIC = osp.join(REPO, 'configs', 'denoising_gan',
                     'denoising-gan_synthetic.py')


def tiny_config(folder):
    tag = uuid.uuid4().hex[:8]
    text = f'''
_base_ = [{SYNTHETIC!r}]
experiment_name = 'tiny_dg_{tag}'
visualizer = dict(name='visualizer_dg_{tag}')
train_dataloader = dict(batch_size=2, dataset=dict(
    num_samples=4, img_size=(32, 32)))
test_dataloader = dict(batch_size=2, dataset=dict(
    num_samples=2, img_size=(32, 32)))
model = dict(generator=dict(ngf=4, n_blocks=1), discriminator=dict(ndf=4))
train_cfg = dict(max_iters=2)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=2,
                     num_samples=2)]
'''
    path = osp.join(str(folder), 'tiny_dg.py')
    with open(path, 'w') as f:
        f.write(text)
    return path


def test_train_test_infer(tmp_path, capsys):
    cfg = tiny_config(tmp_path)
    work = tmp_path / 'work'
    runner = load_tool('train').main([cfg, '--work-dir', str(work)])
    assert runner.iter == 2
    ckpt = str(work / 'iter_2.pth')
    log = open(next(iter(work.glob('*/*.log')))).read()
    for name in ('loss_perturbed', 'loss_cascade', 'loss_d_perturbed',
                 'loss_l1', 'loss_gan'):
        assert name in log

    out = tmp_path / 'metrics.json'
    metrics = load_tool('test').main([cfg, ckpt, '--out', str(out)])
    printed = capsys.readouterr().out
    for name in ('PSNR', 'SSIM', 'MSE', 'RMSE'):
        assert f'pixel/{name}' in metrics
        assert name in printed
    assert 0 < metrics['pixel/MSE'] < 1  # [0, 1] scale (the paper's)
    assert json.load(open(out))

    labels = []
    for i in range(2):
        _, label, _ = render_scene(3, i, 32, 48)
        labels.append(str(tmp_path / f'layout{i}.png'))
        cv2.imwrite(labels[-1], label.astype(np.uint8))
    paths = load_tool('infer').main([cfg, ckpt, *labels, '--out-dir',
                                     str(tmp_path / 'infer'), '--device',
                                     'cpu'])
    assert len(paths) == 2
    img = cv2.imread(paths[0])
    assert img.shape == (32, 48, 3)
