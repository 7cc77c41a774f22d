"""DG-Norm, the global label encoder, GenResBlk, LSCA, mini-inception."""
import pytest
import torch
import torch.nn.functional as F

import mmsemsyn  # noqa: F401
from mmsemsyn.models.layers.dg_norm import (
    DGNorm,
    DGNormResBlock,
    GenResBlock,
    GlobalLabelEncoder,
    resize_label,
)
from mmsemsyn.models.layers.lsca import LSCA
from mmsemsyn.models.layers.mini_inception import MiniInceptionBlock
from mmsemsyn.models.layers.spade import SPADE


def one_hot(ids, n):
    return F.one_hot(ids, n).permute(0, 3, 1, 2).float()


def test_resize_label_ids_and_one_hot():
    ids = torch.randint(0, 4, (2, 16, 32))
    # nearest: ids and their one-hot map give the same result
    a = resize_label(ids, (4, 8), 'nearest', 4)
    b = resize_label(one_hot(ids, 4), (4, 8), 'nearest')
    assert torch.equal(a, b)
    # pool (official V1): ids are max-pooled, one-hot maps average-pooled
    p = resize_label(ids, (4, 8), 'pool', 4)
    assert torch.equal(p.argmax(1), F.max_pool2d(ids[:, None].float(),
                                                 4)[:, 0].long())
    q = resize_label(one_hot(ids, 4), (4, 8), 'pool')
    assert torch.allclose(q.sum(1), torch.ones(2, 4, 8))
    with pytest.raises(ValueError, match='num_classes'):
        resize_label(ids, (4, 8))


def test_resize_label_reads_no_ids_on_the_host(monkeypatch):
    """No range check in the network (a host sync per DG-Norm layer on a
    GPU): the ids are checked where they enter (LoadLabelMap, and
    Lab2PixV1's build-time semantic_nc check; see
    test_lab2pix_synthesizers.py)."""
    ids = torch.randint(0, 4, (2, 16, 32))
    expected = resize_label(ids, (4, 8), 'pool', 4)

    def forbidden(*args, **kwargs):
        raise AssertionError('host read inside resize_label')
    for name in ('__bool__', 'item', 'tolist', '__int__', '__float__',
                 'nonzero', 'numpy'):
        monkeypatch.setattr(torch.Tensor, name, forbidden)
    got = resize_label(ids, (4, 8), 'pool', 4)
    monkeypatch.undo()
    assert torch.equal(got, expected)
    # an id outside the range anyway still fails (CPU: in scatter_)
    bad = torch.zeros_like(ids)
    bad[1, 4, 8] = 7
    with pytest.raises(RuntimeError, match='index 7 is out of bounds'):
        resize_label(bad, (4, 8), 'nearest', 4)


def test_dg_norm_is_spade_plus_global_code():
    torch.manual_seed(0)
    norm = DGNorm(8, 5, hidden_channels=16).eval()
    spade = SPADE(8, 5, hidden_channels=16).eval()
    spade.load_state_dict(norm.state_dict())
    x, seg = torch.randn(2, 8, 8, 8), one_hot(torch.randint(0, 5, (2, 16,
                                                                  16)), 5)
    assert torch.allclose(norm(x, seg), spade(x, seg))
    code = torch.randn(2, 16, 8, 8)
    # Eq. 4: the code is added to the shared activation before gamma/beta
    actv = F.relu(norm.mlp_shared[0](F.interpolate(seg, size=(8, 8)))) + code
    want = norm.param_free_norm(x) * (1 + norm.mlp_gamma(actv)) + \
        norm.mlp_beta(actv)
    assert torch.allclose(norm(x, seg, code), want, atol=1e-6)


def test_dg_norm_v1_form_accepts_ids():
    norm = DGNorm(4, 3, norm='IN', hidden_channels=8, residual_gamma=False,
                  label_resize='pool')
    ids = torch.randint(0, 3, (2, 16, 16))
    x = torch.randn(2, 4, 4, 4)
    out_ids = norm(x, ids)
    assert out_ids.shape == x.shape
    # x * gamma + beta (no 1+)
    seg = resize_label(ids, (4, 4), 'pool', 3)
    actv = norm.mlp_shared(seg)
    want = norm.param_free_norm(x) * norm.mlp_gamma(actv) + \
        norm.mlp_beta(actv)
    assert torch.allclose(out_ids, want, atol=1e-6)


def test_global_encoder_scales_and_resblock_shortcut_has_no_code():
    enc = GlobalLabelEncoder(5, out_channels=8, base_channels=4,
                             num_scales=4)
    codes = enc(torch.rand(2, 5, 32, 64))
    assert [tuple(c.shape) for c in codes] == [
        (2, 8, 32 // 2**k, 64 // 2**k) for k in range(4)]
    block = DGNormResBlock(8, 4, 5, spade_cfg=dict(hidden_channels=8)).eval()
    x, seg = torch.randn(2, 8, 4, 8), torch.rand(2, 5, 32, 64)
    code = codes[3]
    out = block(x, seg, code)
    dx = block.conv_0(F.leaky_relu(block.norm_0(x, seg, code), 0.2))
    dx = block.conv_1(F.leaky_relu(block.norm_1(dx, seg, code), 0.2))
    assert torch.allclose(out, block.conv_s(block.norm_s(x, seg)) + dx,
                          atol=1e-6)


def test_gen_res_block_official_wiring():
    block = GenResBlock(4, 4, 3, norm_cfg=dict(hidden_channels=8))
    assert not hasattr(block, 'conv_s')  # no identity path either
    ids = torch.randint(0, 3, (1, 8, 8))
    x = torch.randn(1, 4, 4, 4)
    want = block.conv_1(F.relu(block.norm_1(
        block.conv_0(F.relu(block.norm_0(x, ids))), ids)))
    assert torch.allclose(block(x, ids), want)
    block = GenResBlock(4, 2, 3, norm_cfg=dict(hidden_channels=8))
    assert block.conv_s.kernel_size == (3, 3) and block(x, ids).shape[1] == 2


def test_lsca_ids_and_one_hot_agree_and_attention_mixes():
    torch.manual_seed(0)
    lsca = LSCA(8, 4, 3)
    ids = torch.randint(0, 3, (2, 32, 32))
    prev, cur = torch.randn(2, 8, 4, 4), torch.randn(2, 4, 8, 8)
    # the official code crashes on ids; both forms work here and agree
    # (a pooled one-hot map of a constant-per-window label equals max-pool)
    const = ids[:, ::4, ::4].repeat_interleave(4, 1).repeat_interleave(4, 2)
    out_ids, att = lsca(prev, cur, const, return_mask=True)
    out_oh = lsca(prev, cur, one_hot(const, 3))
    assert torch.allclose(out_ids, out_oh, atol=1e-6)
    assert att.shape == (2, 1, 8, 8) and (att > 0).all() and (att < 1).all()
    x1 = lsca.input1(F.interpolate(prev, scale_factor=2))
    assert torch.allclose(out_ids, att * x1 + (1 - att) * cur, atol=1e-6)
    out_ids.sum().backward()
    assert lsca.mask[0].weight.grad is not None


def test_mini_inception_block():
    def conv_block(cin, cout, k, s, p):
        return torch.nn.Sequential(torch.nn.Conv2d(cin, cout, k, s, p),
                                   torch.nn.LeakyReLU(0.2))
    block = MiniInceptionBlock(4, 6, 2, conv_block)
    x = torch.randn(1, 4, 8, 8)
    out = block(x)
    assert out.shape == (1, 6, 4, 4)
    assert torch.allclose(out, block.pool_branch(x) + block.conv3_branch(x)
                          + block.conv5_branch(x))
