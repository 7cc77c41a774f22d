"""The init module: every scheme, the once-at-construction contract of
:class:`BaseNetwork`, and that no other file of ``mmsemsyn/models`` defines
an init helper."""
import ast
import inspect
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel

import mmsemsyn
from mmsemsyn.models.layers.weight_init import (
    BaseNetwork,
    glorot_uniform_init,
    normal_conv_init,
    normal_init_weights,
    xavier_init_weights,
)
from mmsemsyn.registry import MODELS


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64),
                         nn.ConvTranspose2d(64, 64, 3), nn.Linear(64, 256),
                         nn.InstanceNorm2d(64, affine=True))


def test_normal_init_weights():
    net = _net()
    normal_init_weights(net, 0.05)
    conv, bn, convt, lin, inorm = net
    for m in (conv, convt, lin):
        assert m.weight.mean().abs() < 0.01
        assert abs(m.weight.std().item() - 0.05) < 0.01
        assert torch.count_nonzero(m.bias) == 0
    for m in (bn, inorm):
        assert abs(m.weight.mean().item() - 1) < 0.03
        assert torch.count_nonzero(m.bias) == 0


def test_normal_conv_init_keeps_biases_and_skips():
    net = _net()
    biases = [net[0].bias.clone(), net[2].bias.clone()]
    linear = net[3].weight.clone()
    skipped = net[2].weight.clone()
    normal_conv_init(net, 0.05, skip=net[2])
    assert abs(net[0].weight.std().item() - 0.05) < 0.01
    assert torch.equal(net[0].bias, biases[0])  # PyTorch's default kept
    assert torch.equal(net[2].weight, skipped)  # skipped submodule
    assert torch.equal(net[2].bias, biases[1])
    assert torch.equal(net[3].weight, linear)  # Linear untouched
    assert torch.count_nonzero(net[1].bias) == 0


def test_xavier_init_weights_targets_weight_orig_and_settles():
    torch.manual_seed(0)
    sn = nn.utils.spectral_norm(nn.Conv2d(8, 16, 3))
    net = nn.Sequential(sn, nn.Conv2d(16, 16, 3), nn.BatchNorm2d(16))
    before = sn.weight_orig.clone()
    xavier_init_weights(net, 0.02)
    assert not torch.equal(sn.weight_orig, before)
    fan_in, fan_out = 8 * 9, 16 * 9
    expected = 0.02 * (2.0 / (fan_in + fan_out))**0.5
    assert abs(sn.weight_orig.std().item() - expected) < 0.3 * expected
    assert torch.count_nonzero(net[1].bias) == 0
    # settled: sigma = u^T W v estimates the largest singular value
    w = sn.weight_orig.flatten(1)
    estimate = sn.weight_u @ w @ sn.weight_v
    sigma = torch.linalg.matrix_norm(w, 2)
    assert 0.8 * sigma < estimate <= sigma * 1.0001


def test_glorot_uniform_init():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(4, 8, 3), nn.GroupNorm(1, 8))
    nn.init.normal_(net[1].weight)
    glorot_uniform_init(net)
    bound = (6.0 / (4 * 9 + 8 * 9))**0.5
    assert net[0].weight.abs().max() <= bound
    assert net[0].weight.abs().max() > 0.8 * bound
    assert torch.count_nonzero(net[0].bias) == 0
    assert torch.equal(net[1].weight, torch.ones(8))


class _Tiny(BaseNetwork):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.calls = 0
        self.finish_init()

    def init_weights(self):
        self.calls += 1
        normal_init_weights(self, 0.02)


class _Host(BaseModel):

    def __init__(self):
        super().__init__()
        self.net = _Tiny()

    def forward(self, *args, **kwargs):
        raise NotImplementedError


def test_network_initialises_once():
    host = _Host()
    assert host.net.calls == 1 and host.net.is_init
    weights = host.net.conv.weight.clone()
    host.init_weights()  # what the Runner calls: no second draw
    assert host.net.calls == 1
    assert torch.equal(host.net.conv.weight, weights)
    host.net.init_weights()  # an explicit call re-initialises
    assert host.net.calls == 2
    assert not torch.equal(host.net.conv.weight, weights)


def _network_classes():
    import mmsemsyn.models  # noqa: F401  (registers everything)
    classes = []
    for name, cls in MODELS.module_dict.items():
        module = inspect.getmodule(cls).__name__
        if module.startswith(('mmsemsyn.models.generators',
                              'mmsemsyn.models.discriminators',
                              'mmsemsyn.models.encoders')):
            classes.append(cls)
    return classes


def test_every_network_is_a_base_module_with_argument_free_init():
    from mmengine.model import BaseModule
    classes = _network_classes()
    assert len(classes) >= 14
    for cls in classes:
        assert issubclass(cls, BaseModule), cls
        params = inspect.signature(cls.init_weights).parameters
        assert list(params) == ['self'], cls


def test_init_helpers_only_in_the_init_module():
    """No module-level function with 'init' in its name outside the init
    module (the issue's ``grep -rn "def .*init" mmsemsyn/models``; methods
    -- ``__init__``, ``init_weights`` -- are part of each class)."""
    root = osp.join(osp.dirname(mmsemsyn.__file__), 'models')
    found = []
    import glob
    for path in glob.glob(osp.join(root, '**', '*.py'), recursive=True):
        if path.endswith(osp.join('layers', 'weight_init.py')):
            continue
        with open(path) as f:
            tree = ast.parse(f.read())
        found += [f'{path}:{node.name}' for node in tree.body
                  if isinstance(node, ast.FunctionDef) and 'init' in node.name]
    assert not found


@pytest.mark.parametrize('cfg', [
    dict(type='PatchDiscriminator', in_channels=3, ndf=4),
    dict(type='UnetGenerator', in_channels=3, num_downs=5, ngf=4),
])
def test_runner_init_weights_keeps_constructor_weights(cfg):
    net = MODELS.build(cfg)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    host = _Host()
    host.net = net
    host.init_weights()
    for k, v in net.state_dict().items():
        assert torch.equal(v, state[k]), k
