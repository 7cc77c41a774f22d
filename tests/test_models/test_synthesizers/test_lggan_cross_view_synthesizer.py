"""LGGANCrossView: the official cross-view loss scaling, the dual D with one
optimizer, the training step and prediction."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmsemsyn.structures import SynDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs/lggan/lggan_dayton-a2g.py')
H = W = 32


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmsemsyn')


def small_cfg():
    cfg = Config.fromfile(CONFIG)
    model = cfg.model
    model.generator.update(ngf=8, n_blocks=1)
    model.discriminator.image.ndf = 8
    model.discriminator.semantic.ndf = 8
    model.losses.vgg.pretrained = None  # random VGG: no download in tests
    return cfg


def make_batch(n=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    label = torch.randint(0, 6, (n, 1, H, W), generator=g)
    inputs = dict(
        label=list(label),
        img=list(torch.randint(0, 256, (n, 3, H, W), generator=g,
                               dtype=torch.uint8)),
        source_img=list(torch.randint(0, 256, (n, 3, H, W), generator=g,
                                      dtype=torch.uint8)),
        target_semantic=list(torch.randint(0, 256, (n, 3, H, W),
                                           generator=g,
                                           dtype=torch.uint8)))
    samples = [SynDataSample(gt_label=label[i]) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


@pytest.fixture(scope='module')
def model():
    init_default_scope('mmsemsyn')
    torch.manual_seed(0)
    return MODELS.build(small_cfg().model)


def test_losses_match_official_formulas(model):
    """Every term against a direct statement of the official
    ``backward_G`` / ``backward_D1`` / ``backward_D2`` (sigmoid + BCELoss,
    per-output sums, real term per output, masked local L1 with unmasked
    class images, three VGG calls, summed TV)."""
    data = model.data_preprocessor(make_batch(), True)
    inputs = data['inputs']
    with torch.no_grad():
        out = model.forward_generator(inputs)
        got_g = model.generator_losses(inputs, out)
        got_d = model.discriminator_losses(inputs, out)

    A, B = inputs['source_img'], inputs['img']
    Dsem = inputs['target_semantic']
    masks = nn.functional.one_hot(inputs['label'], 6).permute(0, 3, 1,
                                                              2).float()
    D1, D2 = model.discriminator.image, model.discriminator.semantic
    bce = nn.BCELoss()

    def prob(d, cond, img):
        return torch.sigmoid(d(torch.cat([cond, img], 1)))

    outs = [out['fake_img'], out['global_img'], out['local_img']]
    with torch.no_grad():
        ones = lambda p: torch.ones_like(p)  # noqa: E731
        zeros = lambda p: torch.zeros_like(p)  # noqa: E731
        gan_d1 = sum(bce(prob(D1, A, o), ones(prob(D1, A, o)))
                     for o in outs)
        gan_d2 = sum(bce(prob(D2, Dsem, o), ones(prob(D2, Dsem, o)))
                     for o in outs)
        l1 = sum((o - B).abs().mean() for o in outs) * 100
        l1_local = sum((out['class_images'][:, i] -
                        B * masks[:, i:i + 1]).abs().mean()
                       for i in range(6)) * 100
        vgg_module = model.losses['vgg']
        vgg = sum(vgg_module(o, B) for o in outs)  # weight 10 inside
        tv = sum(1e-6 * ((o[..., :, :-1] - o[..., :, 1:]).abs().sum() +
                         (o[..., :-1, :] - o[..., 1:, :]).abs().sum())
                 for o in outs)

        def official_d(d, cond):
            real = prob(d, cond, B)
            return sum(0.5 * (bce(prob(d, cond, o), zeros(real)) +
                              bce(real, ones(real))) for o in outs)

        d_total = official_d(D1, A) + official_d(D2, Dsem)

    expected = dict(loss_gan_image=gan_d1, loss_gan_semantic=gan_d2,
                    loss_l1=l1, loss_l1_local=l1_local, loss_vgg=vgg,
                    loss_tv=tv)
    assert set(got_g) == set(expected)
    for k, v in expected.items():
        torch.testing.assert_close(got_g[k], v, rtol=1e-4, atol=1e-6,
                                   msg=k)
    assert set(got_d) == {'loss_d_image_real', 'loss_d_image_fake',
                          'loss_d_semantic_real', 'loss_d_semantic_fake'}
    torch.testing.assert_close(sum(got_d.values()), d_total, rtol=1e-4,
                               atol=1e-6)


def test_train_step_one_optimizer_for_both_discriminators(model):
    optim_cfg = small_cfg().optim_wrapper.copy()
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type=optim_cfg.pop('constructor'),
             optim_wrapper_cfg=optim_cfg))
    optim = constructor(model)
    d_params = {id(p) for g in optim['discriminator'].optimizer.param_groups
                for p in g['params']}
    assert d_params == {id(p) for p in model.discriminator.parameters()}
    assert optim['discriminator'].optimizer.defaults['betas'] == (0.5, 0.999)

    unused = [p.clone() for p in model.generator.unused_class_heads.parameters()]
    d_before = model.discriminator.semantic.blocks[0][0].weight.clone()
    g_before = model.generator.attention_head.weight.clone()
    log = model.train_step(make_batch(), optim)
    assert {'loss_disc', 'loss_gen', 'loss_d_image_real',
            'loss_d_semantic_fake', 'loss_gan_image', 'loss_gan_semantic',
            'loss_l1', 'loss_l1_local', 'loss_vgg', 'loss_tv'} <= set(log)
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log.values())
    assert not torch.equal(d_before,
                           model.discriminator.semantic.blocks[0][0].weight)
    assert not torch.equal(g_before, model.generator.attention_head.weight)
    for a, b in zip(unused,
                    model.generator.unused_class_heads.parameters()):
        assert torch.equal(a, b)
    # D is trainable again after the generator turn.
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_predict_and_missing_condition(model):
    data = model.data_preprocessor(make_batch(n=1), False)
    samples = model(data['inputs'], data['data_samples'], mode='predict')
    assert samples[0].fake_img.dtype == torch.uint8
    assert samples[0].fake_img.shape == (3, H, W)
    assert samples[0].metainfo['visual_keys'] == (
        'global_img', 'local_img', 'local_weight')
    assert all(samples[0].get(k).shape == (3, H, W)
               for k in samples[0].metainfo['visual_keys'])
    inputs = dict(data['inputs'])
    inputs.pop('target_semantic')
    with pytest.raises(KeyError, match="target_semantic.*extra_image_keys"):
        model.forward_generator(inputs)


def test_separate_ddp_without_unused_parameter_search(model):
    """The default runtime wraps every network in its own DDP with
    find_unused_parameters=False: the unused (frozen) class conv must not
    break the reduction, and the synthesizer must not reach through the
    wrappers for attributes."""
    import socket

    import torch.distributed as dist
    from mmengine.model import MMSeparateDistributedDataParallel
    if dist.is_initialized() or not dist.is_gloo_available():
        pytest.skip('needs a fresh gloo process group')
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=0, world_size=1)
    try:
        optim_cfg = small_cfg().optim_wrapper.copy()
        optim = OPTIM_WRAPPER_CONSTRUCTORS.build(
            dict(type=optim_cfg.pop('constructor'),
                 optim_wrapper_cfg=optim_cfg))(model)
        ddp = MMSeparateDistributedDataParallel(
            model, broadcast_buffers=False, find_unused_parameters=False)
        for seed in range(2):  # a missed reduction fails on the 2nd step
            log = ddp.train_step(make_batch(seed=seed), optim)
            assert torch.isfinite(torch.as_tensor(log['loss_gen']))
    finally:
        dist.destroy_process_group()


def test_dontcare_pixels_get_no_class_mask(model):
    """The official-reproduction mode (unmatched grey values -> dontcare):
    the dontcare channel of the one-hot is not a class mask."""
    from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
        SynDataPreprocessor,
    )
    pre = SynDataPreprocessor(num_classes=6, dontcare_label=255)
    label = torch.tensor([[[0, 5], [255, 2]]])
    inputs = pre(dict(inputs=dict(label=[label]), data_samples=None))['inputs']
    masks = model.class_masks(inputs)
    assert masks.shape == (1, 6, 2, 2)
    assert masks.sum(1).tolist() == [[[1, 1], [0, 1]]]
