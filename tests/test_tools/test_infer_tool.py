"""tools/infer.py and SynthesisInferencer."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from tiny_train_configs import load_tool, write_tiny_config

from mmsemsyn.apis import SynthesisInferencer
from mmsemsyn.datasets.synthetic_scenes import render_scene

infer_tool = load_tool('infer')


@pytest.fixture
def files(tmp_path):
    """A tiny config, a checkpoint of its model, label and instance maps
    (48x80, not the model's 32x32 test size)."""
    cfg = write_tiny_config(tmp_path, size=32)
    inferencer = SynthesisInferencer(cfg)  # random weights
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=inferencer.model.state_dict()), ckpt)
    labels, insts = [], []
    for i in range(2):
        _, label, inst = render_scene(7, i, 48, 80)
        labels.append(str(tmp_path / f'scene{i}_label.png'))
        insts.append(str(tmp_path / f'scene{i}_inst.png'))
        cv2.imwrite(labels[-1], label.astype(np.uint8))
        cv2.imwrite(insts[-1], inst.astype(np.uint16))
    return dict(cfg=cfg, ckpt=str(ckpt), labels=labels, insts=insts,
                tmp=tmp_path)


def test_infer_tool_writes_pngs(files):
    out = files['tmp'] / 'out'
    paths = infer_tool.main([files['cfg'], files['ckpt'], *files['labels'],
                             '--out-dir', str(out), '--device', 'cpu'])
    # Named after the inputs' stems; the role is the folder (issue 13.13).
    assert [p.split('/')[-1] for p in paths] == ['scene0.png', 'scene1.png']
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        # The label map's own size (48x80), not the config's 32x32.
        assert img.shape == (48, 80, 3) and img.dtype == np.uint8


def test_inferencer_matches_model_predict(files):
    inferencer = SynthesisInferencer(files['cfg'], files['ckpt'],
                                     size='config')
    images = inferencer(files['labels'], batch_size=2)
    assert len(images) == 2 and images[0].shape == (32, 32, 3)
    # Same as the model on the same (nearest-resized) label map.
    label = cv2.imread(files['labels'][0], cv2.IMREAD_UNCHANGED)
    label = cv2.resize(label, (32, 32), interpolation=cv2.INTER_NEAREST)
    model = inferencer.model
    one_hot = model.data_preprocessor.one_hot(
        torch.from_numpy(label.astype(np.int64))[None])
    with torch.no_grad():
        fake = model.generator(one_hot)
    expected = ((fake.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    assert np.array_equal(images[0], expected[0].permute(1, 2, 0).numpy())


def test_extra_inputs_reach_the_generator(files, monkeypatch):
    inferencer = SynthesisInferencer(files['cfg'], files['ckpt'])
    seen = []
    original = inferencer.model.forward_generator

    def spy(inputs):
        seen.append({k: inputs.get(k) for k in ('style_indices', 'noise')})
        return original(inputs)

    monkeypatch.setattr(inferencer.model, 'forward_generator', spy)
    noise = torch.randn(1, 4)
    inferencer(files['labels'][:1],
               extra_inputs=dict(style_indices=torch.tensor([3]),
                                 noise=noise))
    assert int(seen[0]['style_indices']) == 3
    assert torch.equal(seen[0]['noise'], noise)
    # Callable form: called per batch with the sample positions.
    inferencer(files['labels'], extra_inputs=lambda inputs, idx: dict(
        style_indices=torch.tensor(idx)))
    assert [int(s['style_indices']) for s in seen[1:]] == [0, 1]


def test_instance_maps(files, tmp_path):
    cfg = Config.fromfile(files['cfg'])
    cfg.model.data_preprocessor.use_instance_edges = True
    cfg.model.generator.in_channels = 7
    inferencer = SynthesisInferencer(cfg)
    with pytest.raises(ValueError, match='one instance map per label'):
        inferencer(files['labels'], files['insts'][:1])
    images = inferencer(files['labels'], files['insts'])
    assert images[1].shape == (48, 80, 3)


def test_missing_and_foreign_checkpoints(files, tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        SynthesisInferencer(files['cfg'], str(tmp_path / 'nothing.pth'))
    other = write_tiny_config(tmp_path, name='other.py', extra=(
        "model = dict(generator=dict(ngf=8))\n"))
    with pytest.raises(ValueError) as err:
        SynthesisInferencer(other, files['ckpt'])
    msg = str(err.value)
    assert 'model.pth' in msg and 'other.py' in msg and 'shape' in msg
    with pytest.raises(FileNotFoundError, match='missing_label'):
        infer_tool.main([files['cfg'], files['ckpt'],
                         str(tmp_path / 'missing_label.png'),
                         '--out-dir', str(tmp_path / 'o')])


def test_checkpoint_with_ddp_infix_loads(files, tmp_path):
    state = torch.load(files['ckpt'])['state_dict']
    wrapped = {k.replace('generator.', 'generator.module.', 1): v
               for k, v in state.items()}
    path = tmp_path / 'ddp.pth'
    torch.save(dict(state_dict=wrapped), path)
    a = SynthesisInferencer(files['cfg'], files['ckpt'])(files['labels'][0])
    b = SynthesisInferencer(files['cfg'], str(path))(files['labels'][0])
    assert np.array_equal(a[0], b[0])


def test_size_is_kept_and_reported(files, capsys):
    """Issue 13 item 11: a 333x517 map stays 333x517; --size / config."""
    _, label, _ = render_scene(3, 0, 333, 517)
    path = str(files['tmp'] / 'wide_gtFine_labelIds.png')
    cv2.imwrite(path, label.astype(np.uint8))
    out = files['tmp'] / 'wide'
    paths = infer_tool.main([files['cfg'], files['ckpt'], path, '--out-dir',
                             str(out), '--device', 'cpu'])
    assert paths == [str(out / 'wide.png')]
    assert cv2.imread(paths[0]).shape == (333, 517, 3)
    said = capsys.readouterr().out
    # num_downs=5: sides multiples of 32, nearest to 333x517 is 320x512.
    assert '333x517' in said and 'generated at 320x512' in said
    assert 'resized back' in said
    for size, shape in (('100x60', (100, 60, 3)), ('config', (32, 32, 3))):
        p = infer_tool.main([files['cfg'], files['ckpt'], path, '--out-dir',
                             str(out / size), '--size', size])[0]
        assert cv2.imread(p).shape == shape
    # --cfg-options reach the model (and typos stop).
    with pytest.raises(KeyError, match='use_instance_edgs'):
        infer_tool.main([files['cfg'], files['ckpt'], path, '--out-dir',
                         str(out), '--cfg-options',
                         'model.data_preprocessor.use_instance_edgs=True'])
    with pytest.raises(SystemExit):
        infer_tool.parse_args([files['cfg'], files['ckpt'], path,
                               '--out-dir', 'o', '--size', '12y4'])


def test_generator_size_divisor_and_fixed_size(files):
    from mmsemsyn.apis.inferencer import generator_size_divisor
    inferencer = SynthesisInferencer(files['cfg'])  # U-Net, num_downs=5
    assert generator_size_divisor(inferencer.model) == 32
    assert inferencer.generation_size(48, 80) == (64, 96)
    assert inferencer.generation_size(10, 10) == (32, 32)


def test_missing_instance_map_falls_back_to_label_edges(files, capsys):
    """Issue 13 item 12: no --inst on an instance-edge model."""
    cfg = Config.fromfile(files['cfg'])
    cfg.model.data_preprocessor.use_instance_edges = True
    cfg.model.generator.in_channels = 7
    torch.manual_seed(0)
    inferencer = SynthesisInferencer(cfg)
    fallback = inferencer(files['labels'][:1])[0]
    said = capsys.readouterr().out
    assert 'no instance map' in said and 'merge' in said
    # Exactly the label map used as the instance map.
    same = inferencer(files['labels'][:1], files['labels'][:1])[0]
    assert np.array_equal(fallback, same)
    real = inferencer(files['labels'][:1], files['insts'][:1])[0]
    assert not np.array_equal(fallback, real)  # instance edges matter


def test_output_names_drop_role_suffixes():
    """Issue 13 item 13: the sample's name, the role in the folder."""
    from mmsemsyn.engine.runner.synthesis_test_loop import _sample_name
    from mmsemsyn.structures import SynDataSample
    from mmsemsyn.utils import sample_stem
    assert sample_stem('a/frankfurt_000000_000294_gtFine_labelIds.png') == \
        'frankfurt_000000_000294'
    assert sample_stem('synthetic://seed1/00000_label') == '00000'
    assert sample_stem('ADE_val_00000001.png') == 'ADE_val_00000001'
    assert sample_stem('_label.png') == '_label'  # nothing else to keep
    sample = SynDataSample(metainfo=dict(
        label_path='x/00003_label.png', img_path='x/00003_img.jpg'))
    assert _sample_name(sample, 7) == '00003'  # fake/00003.png, real/...
    assert _sample_name(SynDataSample(metainfo=dict(sample_idx=7)), 0) == \
        '000007'
