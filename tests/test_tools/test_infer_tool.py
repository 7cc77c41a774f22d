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
    assert [p.split('/')[-1] for p in paths] == ['scene0_label.png',
                                                 'scene1_label.png']
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        # Resized to the config's test size (the dataset's 32x32).
        assert img.shape == (32, 32, 3) and img.dtype == np.uint8


def test_inferencer_matches_model_predict(files):
    inferencer = SynthesisInferencer(files['cfg'], files['ckpt'])
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
    with pytest.raises(ValueError, match='instance map'):
        inferencer(files['labels'])
    with pytest.raises(ValueError, match='one instance map per label'):
        inferencer(files['labels'], files['insts'][:1])
    images = inferencer(files['labels'], files['insts'])
    assert images[1].shape == (32, 32, 3)


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
