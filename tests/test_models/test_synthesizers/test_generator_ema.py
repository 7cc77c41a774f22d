"""Generator EMA (model.ema): the average, its use in predict, checkpoints,
resume and the BatchNorm re-estimation."""
import os.path as osp
import sys

import pytest
import torch
import torch.nn as nn

import mmsemsyn  # noqa: F401
from mmsemsyn.models.synthesizers.generator_ema import GeneratorEMA

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
sys.path.insert(0, osp.join(REPO, 'tests', 'test_tools'))
from tiny_train_configs import load_tool, write_tiny_config  # noqa: E402

MOMENTUM = 0.9
EMA_MODEL = ("model = dict(generator=dict(num_downs=5, ngf=4), "
             "discriminator=dict(ndf=4), ema=dict(momentum=0.9))\n"
             "default_hooks = dict(logger=dict(interval=1), "
             "checkpoint=dict(interval=1))\n")


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))


def test_average_equals_hand_computed_after_three_steps():
    net = _net()
    ema = GeneratorEMA(net, momentum=MOMENTUM)
    snapshots = []
    for step in range(3):
        with torch.no_grad():
            for p in net.parameters():
                p.add_(torch.randn_like(p))
            net[1].running_mean.add_(1.0)
        snapshots.append({k: v.clone() for k, v in net.state_dict().items()})
        ema.update(net, curr_iter=step)
    for name, _ in net.named_parameters():
        p1, p2, p3 = (s[name] for s in snapshots)
        # Step 0 copies; then m * avg + (1 - m) * theta.
        want = torch.add(p1 * MOMENTUM, p2, alpha=1 - MOMENTUM)
        want = torch.add(want * MOMENTUM, p3, alpha=1 - MOMENTUM)
        got = dict(ema.module.named_parameters())[name]
        assert torch.equal(got, want), name
        assert not torch.equal(got, p3)
    # Buffers follow the live network; the counter counts updates.
    assert torch.equal(ema.module[1].running_mean, net[1].running_mean)
    assert int(ema.steps) == 3
    assert not any(p.requires_grad for p in ema.parameters())


def test_start_iter_follows_generator_before_averaging():
    net = _net()
    ema = GeneratorEMA(net, momentum=0.5, start_iter=2)
    for step in range(2):
        with torch.no_grad():
            net[0].weight.add_(1.0)
        ema.update(net, curr_iter=step)
        assert torch.equal(ema.module[0].weight, net[0].weight)
    assert int(ema.steps) == 0


@pytest.mark.parametrize('momentum', [1.0, -0.1])
def test_bad_momentum_is_named(momentum):
    with pytest.raises(ValueError, match='momentum'):
        GeneratorEMA(_net(), momentum=momentum)


def test_batch_norm_recomputed_as_cumulative_average():
    net = _net()
    ema = GeneratorEMA(net)
    ema.update(net, 0)
    ema.module.eval()
    batches = [torch.randn(2, 3, 8, 8) for _ in range(3)]
    n = ema.recompute_batch_norm(lambda x: ema.module(x), batches)
    assert n == 3
    with torch.no_grad():
        feats = [ema.module[0](x) for x in batches]
    want = torch.stack([f.mean((0, 2, 3)) for f in feats]).mean(0)
    torch.testing.assert_close(ema.module[1].running_mean, want)
    assert ema.module[1].momentum == 0.1  # restored
    assert not ema.module.training  # the mode it had before


def _state(path):
    return torch.load(path, map_location='cpu')['state_dict']


def _params(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items()
            if k.startswith(prefix) and 'running_' not in k
            and 'num_batches' not in k}


def test_training_averages_saves_resumes_and_predicts(tmp_path):
    train = load_tool('train')
    cfg = write_tiny_config(tmp_path, iters=3, extra=EMA_MODEL)
    straight = tmp_path / 'straight'
    train.main([cfg, '--work-dir', str(straight)])
    states = [_state(straight / f'iter_{i}.pth') for i in (1, 2, 3)]
    gens = [_params(s, 'generator.') for s in states]
    ema = _params(states[2], 'generator_ema.module.')
    assert ema.keys() == gens[0].keys()
    for name in ema:
        want = torch.add(gens[0][name] * MOMENTUM, gens[1][name],
                         alpha=1 - MOMENTUM)
        want = torch.add(want * MOMENTUM, gens[2][name], alpha=1 - MOMENTUM)
        assert torch.equal(ema[name], want), name
    assert int(states[2]['generator_ema.steps']) == 3

    # 2 iterations + resume 1 == 3 in one go, EMA included, bit for bit.
    split = tmp_path / 'split'
    train.main([cfg, '--work-dir', str(split), '--cfg-options',
                'train_cfg.max_iters=2'])
    train.main([cfg, '--work-dir', str(split), '--resume'])
    resumed = _state(split / 'iter_3.pth')
    ema_keys = [k for k in states[2] if k.startswith('generator_ema.')]
    assert ema_keys
    differ = [k for k in ema_keys if not torch.equal(states[2][k],
                                                     resumed[k])]
    assert not differ, differ[:5]

    # predict (validation, test, inferencer) runs the averaged weights.
    from mmsemsyn.apis import SynthesisInferencer
    inferencer = SynthesisInferencer(cfg, str(straight / 'iter_3.pth'),
                                     device='cpu')
    model = inferencer.model
    assert model.generator_ema is not None
    label = torch.randint(0, 6, (1, 1, 32, 32))
    semantics = torch.zeros(1, 6, 32, 32).scatter_(1, label, 1.0)
    torch.manual_seed(0)
    got = model.predict(dict(semantics=semantics))[0].fake_img
    with torch.no_grad():
        ema_img = model.generator_ema.module(semantics)
        live_img = model.generator(semantics)
    want = ((ema_img.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[0]
    assert torch.equal(got, want)
    assert not torch.equal(ema_img, live_img)


@pytest.mark.parametrize('config', ['crn/crn_synthetic.py',
                                    'spade/spade_synthetic.py'])
def test_methods_with_their_own_predict_use_the_average(config):
    """Every method takes model.ema; CRN has its own predict()."""
    from mmengine.config import Config

    from mmsemsyn.registry import MODELS
    from mmsemsyn.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO, 'configs', config))
    cfg.model.ema = dict(momentum=0.5)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    model.update_ema(0)  # first update: a copy of G
    with torch.no_grad():
        for p in model.generator_ema.module.parameters():
            p.mul_(0.5)  # make the average differ from G
    label = torch.zeros(1, 64, 64, dtype=torch.long)
    label[:, 32:] = 1
    batch = dict(inputs=dict(label=[label], inst=[label.clone()],
                             img=[torch.zeros(3, 64, 64, dtype=torch.uint8)]))
    inputs = model.data_preprocessor(batch, False)['inputs']
    torch.manual_seed(1)
    got = model.predict(inputs)[0].fake_img
    with model.ema_generator_in_use():
        torch.manual_seed(1)
        want = model.forward_generator(inputs)
    want = want.get('fake_outputs', want['fake_img'][:, None])[:, 0]
    want = ((want.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[0]
    assert torch.equal(got, want)
    torch.manual_seed(1)
    live = model.forward_generator(inputs)
    live = live.get('fake_outputs', live['fake_img'][:, None])[:, 0]
    assert not torch.equal(
        ((live.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[0], got)
