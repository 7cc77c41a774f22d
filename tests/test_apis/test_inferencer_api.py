"""SynthesisInferencer's public API on mmengine's BaseInferencer: arrays in
and out, model-zoo names, files written atomically, configs without a test
pipeline."""
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.infer import BaseInferencer

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)),
                            'test_tools'))
from tiny_train_configs import REPO, write_tiny_config  # noqa: E402

from mmsemsyn.apis import SynthesisInferencer  # noqa: E402
from mmsemsyn.datasets.synthetic_scenes import render_scene  # noqa: E402


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A tiny pix2pix config (32x32, U-Net of 5 downs), a checkpoint of its
    model and two 48x80 label maps as arrays and as PNG files."""
    tmp = tmp_path_factory.mktemp('inferencer_api')
    cfg = write_tiny_config(tmp, size=32)
    torch.manual_seed(0)
    model = SynthesisInferencer(cfg).model
    ckpt = str(tmp / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    arrays, paths = [], []
    for i in range(2):
        _, label, _ = render_scene(7, i, 48, 80)
        arrays.append(label.astype(np.int64))
        paths.append(str(tmp / f'scene{i}_label.png'))
        cv2.imwrite(paths[-1], label.astype(np.uint8))
    return dict(tmp=tmp, cfg=cfg, ckpt=ckpt, arrays=arrays, paths=paths)


def test_is_an_mmengine_inferencer_with_the_four_steps(tiny):
    inferencer = SynthesisInferencer(tiny['cfg'], tiny['ckpt'])
    assert isinstance(inferencer, BaseInferencer)
    items = inferencer._inputs_to_list(tiny['arrays'])
    batches = list(inferencer.preprocess(items, batch_size=2))
    assert len(batches) == 1 and batches[0][0] == [0, 1]
    preds = inferencer.forward(batches[0][1], [0, 1], items)
    # predict(): uint8 (3, h, w) at the generation size (multiples of 32).
    assert preds[0].fake_img.dtype == torch.uint8
    assert tuple(preds[0].fake_img.shape) == (3, 64, 96)
    photos = inferencer.visualize(items, preds)
    assert photos[0].shape == (48, 80, 3) and photos[0].dtype == np.uint8
    assert inferencer.postprocess(preds, photos) is photos
    assert inferencer.postprocess(preds, photos, True) is preds


def test_array_input_equals_file_input(tiny):
    inferencer = SynthesisInferencer(tiny['cfg'], tiny['ckpt'])
    from_arrays = inferencer(tiny['arrays'], batch_size=2)
    from_files = inferencer(tiny['paths'], batch_size=2)
    assert len(from_arrays) == 2
    for a, f in zip(from_arrays, from_files):
        assert a.shape == (48, 80, 3) and a.dtype == np.uint8
        assert np.array_equal(a, f)
    # One array alone, and the dict form, give the same photo.
    single = inferencer(tiny['arrays'][1])
    as_dict = inferencer([dict(label=tiny['arrays'][1], name='x')])
    assert np.array_equal(single[0], from_files[1])
    assert np.array_equal(as_dict[0], from_files[1])
    samples = inferencer(tiny['arrays'][:1], return_datasamples=True)
    assert tuple(samples[0].fake_img.shape) == (3, 64, 96)


def test_bad_array_inputs_are_named(tiny):
    inferencer = SynthesisInferencer(tiny['cfg'])
    with pytest.raises(ValueError, match=r'Input 0: the label array must '
                       r'be \(H, W\) integer ids.*float'):
        inferencer(np.zeros((8, 8), np.float32))
    with pytest.raises(ValueError, match='one instance map per label'):
        inferencer(tiny['arrays'], insts=tiny['arrays'][:1])


def test_out_dir_writes_atomically_through_the_one_writer(tiny, monkeypatch):
    import mmsemsyn.fileio as fileio
    inferencer = SynthesisInferencer(tiny['cfg'], tiny['ckpt'])
    written = []
    original = fileio.write_image

    def spy(img, path):
        written.append(path)
        return original(img, path)

    monkeypatch.setattr(fileio, 'write_image', spy)
    out = tiny['tmp'] / 'out'
    photos = inferencer([tiny['paths'][0], tiny['arrays'][1]],
                        out_dir=str(out))
    # Named after the file's stem (role suffix dropped) and the array's
    # position; written only through fileio.write_image.
    assert sorted(os.listdir(out)) == ['00001.png', 'scene0.png']
    assert written == [str(out / 'scene0.png'), str(out / '00001.png')]
    back = cv2.imread(str(out / 'scene0.png'))[..., ::-1]
    assert np.array_equal(back, photos[0])
    # A write that fails half-way leaves neither the target nor a
    # temporary file behind.

    def broken_fsync(fd):
        raise OSError('disk full')

    monkeypatch.setattr(fileio.os, 'fsync', broken_fsync)
    failed = tiny['tmp'] / 'failed'
    with pytest.raises(OSError, match='disk full'):
        inferencer(tiny['arrays'][:1], out_dir=str(failed))
    assert os.listdir(failed) == []


def test_model_zoo_name_resolves_to_config_and_checkpoint(tiny):
    """A model-index entry (Name, Config, Weights) is enough to build."""
    root = tiny['tmp'] / 'zoo'
    (root / 'configs' / 'tiny').mkdir(parents=True)
    (root / 'configs' / 'tiny' / 'tiny.py').write_text(
        open(tiny['cfg']).read())
    (root / 'model-index.yml').write_text(
        'Import:\n- configs/tiny/metafile.yml\n')
    (root / 'configs' / 'tiny' / 'metafile.yml').write_text(
        'Models:\n'
        '- Name: tiny_pix2pix\n'
        '  Alias: [tiny]\n'
        '  Config: configs/tiny/tiny.py\n'
        f'  Weights: {tiny["ckpt"]}\n')
    by_name = SynthesisInferencer('Tiny_Pix2Pix', model_index=str(root))
    by_alias = SynthesisInferencer('tiny', model_index=str(root))
    by_path = SynthesisInferencer(tiny['cfg'], tiny['ckpt'])
    assert by_name.config_path == str(root / 'configs/tiny/tiny.py')
    expected = by_path(tiny['arrays'][0])[0]
    assert np.array_equal(by_name(tiny['arrays'][0])[0], expected)
    assert np.array_equal(by_alias(tiny['arrays'][0])[0], expected)
    # ``weights`` overrides the zoo's (the local-file override).
    other = tiny['tmp'] / 'other.pth'
    state = torch.load(tiny['ckpt'])['state_dict']
    torch.save(dict(state_dict={k: torch.zeros_like(v) if v.is_floating_point()
                                else v for k, v in state.items()}), other)
    zeroed = SynthesisInferencer('tiny', str(other), model_index=str(root))
    assert all(float(p.abs().sum()) == 0
               for p in zeroed.model.generator.parameters())
    with pytest.raises(ValueError, match="'tiny_pix2px'.*did you mean "
                       'tiny_pix2pix'):
        SynthesisInferencer('tiny_pix2px', model_index=str(root))


def test_the_real_model_zoo_names_resolve():
    from mmsemsyn.model_zoo import find_model
    entry = find_model('pix2pix_synthetic')
    assert entry['config'].endswith('configs/pix2pix/pix2pix_synthetic.py')
    assert osp.isfile(entry['config']) and entry['weights'] is None


def test_config_without_test_pipeline_is_a_clear_error(tiny):
    cfg = write_tiny_config(tiny['tmp'], name='no_pipe.py', extra=(
        'test_dataloader = dict(dataset=dict(pipeline=[]))\n'))
    with pytest.raises(ValueError, match=r'no_pipe\.py: test_dataloader'
                       r'\.dataset\.pipeline is missing'):
        SynthesisInferencer(cfg)
    cfg = write_tiny_config(tiny['tmp'], name='no_pack.py', extra=(
        "test_dataloader = dict(dataset=dict(pipeline=[dict("
        "type='LoadLabelMap')]))\n"))
    with pytest.raises(ValueError, match='no PackSynInputs'):
        SynthesisInferencer(cfg)


def test_style_photo_reaches_the_model_as_img(tiny, monkeypatch):
    """A style photo (SPADE-VAE) is the real image the encoder reads:
    (B, 3, h, w) in [-1, 1] at the generation size."""
    inferencer = SynthesisInferencer(tiny['cfg'], tiny['ckpt'])
    seen = []
    original = inferencer.model.predict

    def spy(inputs, data_samples):
        seen.append(inputs.get('img'))
        return original(inputs, data_samples)

    monkeypatch.setattr(inferencer.model, 'predict', spy)
    style = np.full((40, 40, 3), 255, np.uint8)
    style[..., 0] = 0
    inferencer([dict(label=tiny['arrays'][0], style=style)])
    img = seen[0]
    assert tuple(img.shape) == (1, 3, 64, 96)
    assert torch.all(img[:, 0] == -1) and torch.all(img[:, 1:] == 1)
    inferencer(tiny['arrays'][:1])
    assert seen[1] is None


def test_training_only_networks_are_left_out_unless_the_method_needs_them():
    """No broad ``except`` around building: a synthesizer whose
    constructor needs its discriminator says so (``training_only``)."""
    from mmsemsyn.engine.checkpoint import TRAINING_ONLY
    pix2pix = SynthesisInferencer(
        osp.join(REPO, 'configs/pix2pix/pix2pix_synthetic.py'))
    assert pix2pix.model.discriminator is None
    assert 'gan' not in pix2pix.model.losses
    cyclegan = SynthesisInferencer(
        osp.join(REPO, 'configs/diversity/cyclegan-div_synthetic.py'))
    assert type(cyclegan.model).training_only == ('losses', )
    assert cyclegan.model.discriminator is not None
    assert not any(True for _ in cyclegan.model.losses.keys())
    assert TRAINING_ONLY == ('discriminator', 'losses')


def test_ids_the_model_has_no_class_for_are_named(tiny):
    """The synthetic scenes have 6 classes: id 9 stops before the model."""
    from mmsemsyn.datasets.transforms.loading import LabelIdError
    inferencer = SynthesisInferencer(tiny['cfg'])
    bad = tiny['arrays'][0].copy()
    bad[:2] = 9
    with pytest.raises(LabelIdError, match=r"array input '00000'.*id 9 "
                       r'\(160 pixels'):
        inferencer(bad)
    path = str(tiny['tmp'] / 'bad_label.png')
    cv2.imwrite(path, bad.astype(np.uint8))
    with pytest.raises(LabelIdError, match='bad_label.png'):
        inferencer(path)


def test_generators_that_take_their_size_from_the_input_are_not_fixed():
    from mmsemsyn.apis.inferencer import _fixed_generator_size
    from mmsemsyn.models.generators.lab2pix_v2 import Lab2PixV2Generator
    from mmsemsyn.models.generators.spade import SPADEGenerator

    def holder(generator):
        model = torch.nn.Module()
        model.generator = generator
        return model

    for cls in (Lab2PixV2Generator, SPADEGenerator):
        free = holder(cls(semantic_nc=3, ngf=4))
        fixed = holder(cls(semantic_nc=3, ngf=4, crop_size=256))
        assert not _fixed_generator_size(free), cls.__name__
        assert _fixed_generator_size(fixed), cls.__name__
