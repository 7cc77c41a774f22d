"""Issue 13 items 8 and 10: checkpoints are written atomically, every
checkpoint reader names a truncated file, and no reader runs code from a
crafted pickle (checkpoints, converted official files, cluster files)."""
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch

import mmsemsyn  # noqa: F401  (installs the safe loader / atomic backend)
from mmsemsyn.fileio import (
    AtomicLocalBackend,
    CorruptFileError,
    UnsafeFileError,
    atomic_write_bytes,
    load_checkpoint_file,
    load_cluster_centers,
    save_cluster_centers,
)

sys.path.insert(0, osp.join(osp.dirname(__file__), 'test_tools'))
from tiny_train_configs import REPO, write_tiny_config  # noqa


class RunsCode:
    """Unpickling this calls ``os.mkdir(marker)``: the marker folder
    appearing proves that a loader executed code from the file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker, )


@pytest.fixture
def evil(tmp_path):
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={'w': torch.zeros(1)},
                    payload=RunsCode(marker)), path)
    return str(path), marker


@pytest.fixture
def truncated(tmp_path):
    path = tmp_path / 'iter_4.pth'
    torch.save(dict(state_dict={'w': torch.randn(64, 64)}), path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])  # a write killed half-way
    return str(path)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp('tiny')
    return write_tiny_config(folder, size=32)


def checkpoint_readers(tiny):
    """Every reader of checkpoints, as ``fn(path)``."""
    from mmengine.runner import load_checkpoint

    from mmsemsyn.apis import SynthesisInferencer
    from mmsemsyn.engine.checkpoint import load_model_checkpoint
    converter = load_tool_path('tools/model_converters/'
                               'official_to_mmsemsyn.py')
    cluster = load_tool_path('tools/analysis_tools/'
                             'pix2pixhd_cluster_features.py')
    segmenters = load_tool_path('tools/model_converters/'
                                'paper_segmenters.py')
    inferencer = SynthesisInferencer(tiny)
    model = inferencer.model
    return {
        'load_checkpoint_file': load_checkpoint_file,
        'inferencer': inferencer.load_checkpoint,
        # tools/test.py's Runner reads through mmengine (below); the
        # inferencer's and tools' helper:
        'load_model_checkpoint': lambda p: load_model_checkpoint(model, p,
                                                                 tiny),
        # Runner(resume=True) and load_from go through this function.
        'mmengine load_checkpoint': lambda p: load_checkpoint(model, p),
        'converter': converter.load_official,
        'cluster tool': lambda p: cluster.save_clustered_checkpoint(
            p, model, p + '.out'),
        'paper segmenter converter': segmenters._load,
    }


def load_tool_path(rel):
    import importlib.util
    name = 'mmsemsyn_tool_' + osp.basename(rel)[:-3]
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, rel))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_checkpoint_reader_refuses_code(evil, tiny):
    path, marker = evil
    readers = checkpoint_readers(tiny)
    for name, read in readers.items():
        with pytest.raises(UnsafeFileError, match='evil.pth') as info:
            read(path)
        assert 'could run code' in str(info.value), name
        assert not marker.exists(), f'{name} ran code from the file'


def test_every_checkpoint_reader_names_a_truncated_file(truncated, tiny):
    for name, read in checkpoint_readers(tiny).items():
        with pytest.raises(CorruptFileError, match='truncated') as info:
            read(truncated)
        assert truncated in str(info.value), name


def test_mmengine_checkpoints_still_load(tmp_path):
    # What mmengine writes (HistoryBuffer, numpy scalars) is allow-listed.
    from mmengine.logging import HistoryBuffer
    path = tmp_path / 'ok.pth'
    torch.save(dict(state_dict={'w': torch.ones(2)},
                    message_hub=dict(log=HistoryBuffer([1.0, 2.0], [1, 1])),
                    meta=dict(seed=np.int64(3))), path)
    ckpt = load_checkpoint_file(str(path))
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))


def test_checkpoint_writes_are_atomic(tmp_path, monkeypatch):
    from mmengine.fileio import get_file_backend
    from mmengine.runner.checkpoint import save_checkpoint
    assert isinstance(get_file_backend(str(tmp_path / 'x.pth')),
                      AtomicLocalBackend)
    path = tmp_path / 'iter_2.pth'
    save_checkpoint(dict(state_dict={'w': torch.ones(3)}), str(path))
    before = path.read_bytes()

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the run dies before the rename

    monkeypatch.setattr('mmsemsyn.fileio.os.replace', killed)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(dict(state_dict={'w': torch.zeros(3)}), str(path))
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(dict(state_dict={}), str(tmp_path / 'iter_4.pth'))
    # The old checkpoint is intact; no half-written file under any name.
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ['iter_2.pth']


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / 'last_checkpoint'
    atomic_write_bytes(b'first', str(path))
    AtomicLocalBackend().put_text('second', str(path))
    assert path.read_text() == 'second'
    assert os.listdir(tmp_path) == ['last_checkpoint']


def test_cluster_files_never_run_code(tmp_path):
    centers = {26: np.ones((2, 3), np.float32), 24: np.zeros((1, 3))}
    npz = tmp_path / 'features_clustered_010.npz'
    save_cluster_centers(centers, str(npz))
    loaded = load_cluster_centers(str(npz))
    assert sorted(loaded) == [24, 26] and loaded[26].shape == (2, 3)
    # The official format is a pickled dict: refused by default, read with
    # the opt-in; a crafted one is refused even then.
    official = tmp_path / 'features_clustered_010.npy'
    np.save(official, {26: np.ones((2, 3))}, allow_pickle=True)
    with pytest.raises(UnsafeFileError, match='allow_pickled_cluster_file'):
        load_cluster_centers(str(official))
    assert load_cluster_centers(str(official), allow_pickle=True)[26].shape \
        == (2, 3)
    marker = tmp_path / 'code_ran'
    crafted = tmp_path / 'crafted.npy'
    np.save(crafted, {26: RunsCode(marker)}, allow_pickle=True)
    for allow in (False, True):
        with pytest.raises(UnsafeFileError, match='crafted.npy'):
            load_cluster_centers(str(crafted), allow_pickle=allow)
    assert not marker.exists()


def test_downloaded_metric_weights_load_safely(monkeypatch):
    # torch.hub's loader unpickles anything unless told weights_only=True
    # (its default on torch 2.4/2.5): the downloaded FID Inception and
    # Places365 AlexNet files (or a tampered hub cache) must not run code.
    from mmsemsyn.models.pretrained.inception import build_fid_inception
    from mmsemsyn.models.pretrained.places_alexnet import (
        build_places365_alexnet,
    )
    from mmsemsyn.models.pretrained.weights_error import (
        PretrainedWeightsError,
    )
    calls = []

    def offline(url, *args, **kwargs):
        calls.append(kwargs)
        raise OSError('offline')

    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', offline)
    # torchvision's weight enums (the VGG of the losses and Ds) call their
    # own imported name.
    import torchvision.models._api as tv_api
    monkeypatch.setattr(tv_api, 'load_state_dict_from_url', offline)
    from mmsemsyn.models.pretrained.vgg import _build_features
    for build in (build_fid_inception, build_places365_alexnet,
                  lambda: _build_features('vgg19', True)):
        with pytest.raises(PretrainedWeightsError):
            build()
    assert len(calls) == 3
    assert all(kw.get('weights_only') is True for kw in calls), calls
