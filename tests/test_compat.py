"""mmsemsyn.compat: mmseg on mmcv-lite, and weights-only resume."""
import io
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import mmsemsyn  # noqa: F401  (applies compat)
from mmsemsyn import compat


def _swap_syncbn(cfg):
    """SyncBN needs a process group (and a GPU); BN is the same layer."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'SyncBN':
            cfg['type'] = 'BN'
        for v in cfg.values():
            _swap_syncbn(v)
    elif isinstance(cfg, (list, tuple)):
        for v in cfg:
            _swap_syncbn(v)


def test_mmseg_deeplabv3_builds_and_runs():
    import mmseg
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    path = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs',
                    'deeplabv3',
                    'deeplabv3_r50-d8_4xb2-40k_cityscapes-512x1024.py')
    cfg = Config.fromfile(path)
    model_cfg = cfg.model.to_dict()
    _swap_syncbn(model_cfg)
    model_cfg['pretrained'] = None  # no download; random weights
    model_cfg.pop('data_preprocessor', None)
    import mmseg.models  # noqa: F401  (imports mmcv.ops: the stand-in)
    from mmseg.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(model_cfg).eval()
    assert sum(p.numel() for p in model.parameters()) > 60e6
    with torch.no_grad():
        logits = model(torch.randn(1, 3, 64, 64), mode='tensor')
    assert logits.shape == (1, 19, 8, 8)  # output stride 8
    assert torch.isfinite(logits).all()


@pytest.mark.skipif(not compat.install_mmcv_ops_fallback(),
                    reason='a compiled mmcv is installed; no stand-in')
def test_mmcv_ops_stand_in():
    import mmcv.ops
    assert mmcv.ops.__mmsemsyn_fallback__
    with pytest.raises(RuntimeError, match='mmcv-lite') as err:
        mmcv.ops.RoIAlign(7, 1.0)
    assert 'RoIAlign' in str(err.value)
    with pytest.raises(RuntimeError, match='compiled mmcv ops'):
        mmcv.ops.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)
    # Dunders must look absent, or inspect/pickle break.
    with pytest.raises(AttributeError):
        mmcv.ops.__wrapped__
    # Subclassing a missing op still defines a class (mmseg does that).

    class Sub(mmcv.ops.ModulatedDeformConv2d):
        pass

    assert issubclass(Sub, torch.nn.Module)


def test_point_sample_matches_grid_sample():
    feats = torch.randn(2, 3, 8, 8)
    points = torch.rand(2, 5, 2)
    out = compat._point_sample(feats, points, align_corners=False)
    ref = F.grid_sample(feats, 2 * points[:, :, None] - 1,
                        align_corners=False)[..., 0]
    assert out.shape == (2, 3, 5) and torch.allclose(out, ref)


def test_weights_only_load_of_mmengine_state(tmp_path):
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('compat_test_hub')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', np.float64(0.5))
    state = dict(message_hub=hub.state_dict(),
                 meta=dict(seed=np.int64(3), dtype=np.dtype('float32'),
                           arr=np.arange(3)),
                 state_dict=dict(w=torch.ones(2)))
    path = tmp_path / 'ckpt.pth'
    torch.save(state, path)
    loaded = torch.load(path, weights_only=True)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(1.0)
    assert loaded['meta']['seed'] == 3


class _GetattrOnHistoryBuffer:
    """getattr(HistoryBuffer, '__init__'): not a statistics function."""

    def __reduce__(self):
        from mmengine.logging import HistoryBuffer
        return getattr, (HistoryBuffer, '__init__')


class _GetattrOnNumpy:

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


@pytest.mark.parametrize('payload', [_GetattrOnHistoryBuffer(), _GetattrOnNumpy()])
def test_getattr_stand_in_refuses_other_attributes(payload):
    buf = io.BytesIO()
    torch.save(dict(x=payload), buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(buf, weights_only=True)


def test_getattr_stand_in_direct():
    from mmengine.logging import HistoryBuffer
    assert compat._history_buffer_getattr(HistoryBuffer, 'mean') is \
        HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        compat._history_buffer_getattr(HistoryBuffer, '__init__')
