"""Per-class noise at inference: the inferencer's values, tools/infer.py
--class-noise, the gradation-strip tool, test.py --num-samples, and the
diversity configs training end to end (tiny models, CPU)."""

import cv2
import numpy as np
import pytest
import torch
from tiny_train_configs import REPO, load_tool, write_tiny_config

from mmsemsyn.apis import SynthesisInferencer
from mmsemsyn.datasets.synthetic_scenes import render_scene
from mmsemsyn.models.data_preprocessors.class_noise import paint_class_noise

infer_tool = load_tool('infer')
train_tool = load_tool('train')
test_tool = load_tool('test')
gradation_tool = load_tool('analysis_tools/noise_gradation')
DIV_P2P = f'{REPO}/configs/diversity/pix2pix-div_synthetic.py'
DIV_SPADE = f'{REPO}/configs/diversity/spade-div_synthetic.py'
DIV_CRN = f'{REPO}/configs/diversity/crn-div_synthetic.py'
TINY_MODEL = {
    DIV_SPADE: ("model = dict(generator=dict(ngf=4, spade_hidden=8, "
                "num_upsampling_layers='normal'), discriminator=dict("
                "_delete_=True, type='MultiScaleDiscriminator', num_D=1, "
                "in_channels=11, ndf=4, n_layers_D=2, "
                "discriminator=dict(type='PatchDiscriminator', norm='IN')))\n"),
    DIV_CRN: ("model = dict(generator=dict(channels=(8, 8, 8, 8)))\n"
              "val_cfg = None\nval_dataloader = None\n"
              "val_evaluator = None\n"
              "train_cfg = dict(max_iters=2, val_interval=10**9)\n"
              "default_hooks = dict(logger=dict(interval=1), checkpoint=dict("
              "interval=2, save_best=None))\n"),
}


@pytest.fixture
def files(tmp_path):
    cfg = write_tiny_config(tmp_path, size=32, base=DIV_P2P)
    torch.manual_seed(0)
    inferencer = SynthesisInferencer(cfg)  # random weights
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=inferencer.model.state_dict()), ckpt)
    _, label, _ = render_scene(7, 0, 32, 32)
    path = str(tmp_path / 'scene_label.png')
    cv2.imwrite(path, label.astype(np.uint8))
    return dict(cfg=cfg, ckpt=str(ckpt), label=path, tmp=tmp_path,
                ids=torch.from_numpy(label.astype(np.int64)))


def test_inferencer_paints_the_given_values(files):
    inferencer = SynthesisInferencer(files['cfg'], files['ckpt'])
    values = {'road': 0.5, 'sky': -1.0, 5: 0.25}
    images = inferencer([files['label']], class_noise=values)
    vec = torch.tensor([-1.0, 0.5, 0, 0, 0, 0.25])
    model = inferencer.model
    sem = model.data_preprocessor.one_hot(files['ids'][None])
    sem = torch.cat([sem, paint_class_noise(files['ids'][None],
                                            vec[None])], 1)
    with torch.no_grad():
        fake = model.generator(sem)
    expected = ((fake.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    assert np.array_equal(images[0], expected[0].permute(1, 2, 0).numpy())
    # same values, same image; another value of a present class, another
    again = inferencer([files['label']], class_noise=values)[0]
    assert np.array_equal(images[0], again)
    other = inferencer([files['label']],
                       class_noise={**values, 'road': -0.5})[0]
    assert not np.array_equal(images[0], other)


def test_bad_class_noise_is_refused(files):
    inferencer = SynthesisInferencer(files['cfg'], files['ckpt'])
    with pytest.raises(ValueError, match="unknown class 'tree'"):
        inferencer([files['label']], class_noise={'tree': 0.5})
    with pytest.raises(ValueError, match=r'outside \[-1, 1\]'):
        inferencer([files['label']], class_noise={'road': 1.5})
    plain = write_tiny_config(files['tmp'], size=32, name='plain.py')
    with pytest.raises(ValueError, match='no per-class noise'):
        SynthesisInferencer(plain)([files['label']],
                                   class_noise={'road': 0.5})


def test_infer_tool_class_noise_flag(files):
    out = files['tmp'] / 'out'
    args = [files['cfg'], files['ckpt'], files['label'], '--out-dir',
            str(out)]
    a = infer_tool.main(args + ['--class-noise', '{"road": 1, "car": -1}'])
    img_a = cv2.imread(a[0])
    b = infer_tool.main(args + ['--class-noise', 'road=1,car=-1'])
    assert np.array_equal(img_a, cv2.imread(b[0]))
    with pytest.raises(SystemExit, match='name=value'):
        infer_tool.main(args + ['--class-noise', 'road'])
    with pytest.raises(ValueError, match='unknown class'):
        infer_tool.main(args + ['--class-noise', 'lake=0.1'])


def test_gradation_strip_and_locality(files):
    out = str(files['tmp'] / 'strip.png')
    report = gradation_tool.main([files['cfg'], files['ckpt'], files['label'],
                                  '--classes', 'road', '5', '--steps', '4',
                                  '--out', out])
    strip = cv2.imread(out)
    # 2 rows x (layout + 4 images) of 32x32 with 2-px gaps
    assert strip.shape == (2 * 34 - 2, 5 * 34 - 2, 3)
    assert [r['cls'] for r in report] == ['road', 'car']
    for r in report:
        assert r['ratio'] is None or r['ratio'] >= 0
    with pytest.raises(ValueError, match='steps'):
        gradation_tool.main([files['cfg'], files['ckpt'], files['label'],
                             '--classes', 'road', '--steps', '1',
                             '--out', out])
    with pytest.raises(ValueError, match='unknown class'):
        gradation_tool.main([files['cfg'], files['ckpt'], files['label'],
                             '--classes', 'lake', '--out', out])


def test_class_locality_hand_computation():
    ids = torch.tensor([[0, 0], [1, 1]])
    first = np.zeros((2, 2, 3), np.uint8)
    last = first.copy()
    last[0] = 30  # class 0 pixels change by 30
    last[1, 0] = 6  # one class-1 pixel by 6
    got = gradation_tool.class_locality(first, last, ids, 0)
    assert got == dict(inside=30.0, outside=3.0, ratio=10.0)
    assert gradation_tool.class_locality(first, last, ids, 4)['ratio'] is None


@pytest.mark.parametrize('base', [DIV_P2P, DIV_SPADE, DIV_CRN])
def test_diversity_configs_train_test_and_sample(tmp_path, base):
    """The synthetic pix2pix+div, SPADE+div and CRN+div configs: 2
    training iterations (loss_div logged), then test.py with --num-samples 3
    gives 3 different images per layout (the noise is drawn per sample)."""
    if base in TINY_MODEL:
        cfg = write_tiny_config(tmp_path, size=32, base=base,
                                extra=TINY_MODEL[base])
        text = open(cfg).read().replace(
            'model = dict(generator=dict(num_downs=5, ngf=4),\n'
            '             discriminator=dict(ndf=4))\n', '')
        open(cfg, 'w').write(text)
    else:
        cfg = write_tiny_config(tmp_path, size=32, base=base)
    work = tmp_path / 'work'
    train_tool.main([cfg, '--work-dir', str(work)])
    ckpt = work / 'iter_2.pth'
    assert ckpt.is_file()
    scalars = list(work.rglob('scalars.json'))
    assert scalars and 'loss_div' in scalars[0].read_text()
    save = tmp_path / 'images'
    test_tool.main([cfg, str(ckpt), '--num-samples', '3',
                    '--save-dir', str(save), '--work-dir',
                    str(tmp_path / 'test_work')])
    names = sorted(p.name for p in (save / 'fake_samples').iterdir())
    assert len(names) == 2 * 3
    first = [cv2.imread(str(save / 'fake_samples' / n)) for n in names[:3]]
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[1], first[2])
