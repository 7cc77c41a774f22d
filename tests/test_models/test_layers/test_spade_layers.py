"""SPADE norm and SPADE residual block."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.models.layers.spade import SPADE, SPADEResBlock


def _seg(b=2, c=5, h=16, w=16):
    ids = torch.randint(0, c, (b, h, w))
    return F.one_hot(ids, c).permute(0, 3, 1, 2).float()


def test_spade_matches_formula():
    torch.manual_seed(0)
    layer = SPADE(8, 5, norm='IN', hidden_channels=16)
    x, seg = torch.randn(2, 8, 8, 8), _seg()
    out = layer(x, seg)
    m = F.interpolate(seg, size=(8, 8), mode='nearest')
    actv = F.relu(layer.mlp_shared[0](m))
    ref = F.instance_norm(x) * (1 + layer.mlp_gamma(actv)) + \
        layer.mlp_beta(actv)
    torch.testing.assert_close(out, ref)
    # the additive global code (DG-Norm hook) enters after the ReLU
    code = torch.randn(2, 16, 8, 8)
    out2 = layer(x, seg, code)
    ref2 = F.instance_norm(x) * (1 + layer.mlp_gamma(actv + code)) + \
        layer.mlp_beta(actv + code)
    torch.testing.assert_close(out2, ref2)


def test_spade_param_free_norm_and_errors():
    assert SPADE(4, 3, norm='BN').param_free_norm.affine is False
    assert isinstance(SPADE(4, 3, norm='SyncBN').param_free_norm,
                      nn.SyncBatchNorm)
    with pytest.raises(ValueError, match='param-free norm'):
        SPADE(4, 3, norm='LN')
    layer = SPADE(4, 3, residual_gamma=False)
    keys = list(layer.state_dict())
    assert keys[:3] == ['param_free_norm.running_mean',
                        'param_free_norm.running_var',
                        'param_free_norm.num_batches_tracked']
    assert keys[3:] == ['mlp_shared.0.weight', 'mlp_shared.0.bias',
                        'mlp_gamma.weight', 'mlp_gamma.bias',
                        'mlp_beta.weight', 'mlp_beta.bias']


def test_resblock_learned_shortcut_and_keys():
    blk = SPADEResBlock(16, 8, 5, norm='BN', spectral_norm=True,
                        spade_cfg=dict(hidden_channels=16))
    assert blk.learned_shortcut and blk.conv_s.bias is None
    keys = [k for k in blk.state_dict() if not k.startswith('norm')]
    assert keys == ['conv_0.bias', 'conv_0.weight_orig', 'conv_0.weight_u',
                    'conv_0.weight_v', 'conv_1.bias', 'conv_1.weight_orig',
                    'conv_1.weight_u', 'conv_1.weight_v',
                    'conv_s.weight_orig', 'conv_s.weight_u',
                    'conv_s.weight_v']
    x, seg = torch.randn(2, 16, 8, 8, requires_grad=True), _seg()
    out = blk(x, seg)
    assert out.shape == (2, 8, 8, 8)
    out.mean().backward()
    assert x.grad is not None
    same = SPADEResBlock(8, 8, 5, spectral_norm=False)
    assert not same.learned_shortcut and not hasattr(same, 'conv_s')


def test_resblock_forward_order_and_global_code():
    torch.manual_seed(0)
    blk = SPADEResBlock(8, 4, 5, norm='IN', spectral_norm=False,
                        spade_cfg=dict(hidden_channels=16))
    x, seg = torch.randn(2, 8, 8, 8), _seg()
    code = torch.randn(2, 16, 8, 8)
    lrelu = lambda t: F.leaky_relu(t, 0.2)  # noqa: E731
    dx = blk.conv_0(lrelu(blk.norm_0(x, seg, code)))
    dx = blk.conv_1(lrelu(blk.norm_1(dx, seg, code)))
    ref = blk.conv_s(blk.norm_s(x, seg)) + dx  # shortcut gets no code
    torch.testing.assert_close(blk(x, seg, code), ref)
