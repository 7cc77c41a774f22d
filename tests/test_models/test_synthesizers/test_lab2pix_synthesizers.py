"""Lab2Pix-V1/V2 training steps (tiny widths): every loss term, the
frozen VGG branch, the segmenters trained in G's optimizer, inference;
out-of-range label ids named before the step."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import DATASETS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmsemsyn.structures import SynDataSample
from mmsemsyn.utils import register_all_modules

register_all_modules()
NC = 4


def batch(h, w, n=2):
    torch.manual_seed(1)
    label = torch.randint(0, NC, (n, 1, h, w))
    label[0] = 0  # sample 0: background only
    return dict(inputs=dict(label=list(label), inst=list(label * 1000),
                            img=list(torch.randint(0, 256, (n, 3, h, w),
                                                   dtype=torch.uint8))),
                data_samples=[SynDataSample() for _ in range(n)])


def hpd(**kw):
    cfg = dict(type='HierarchicalPerceptualDiscriminator', feat_channels=4,
               vgg_pretrained=None)
    cfg.update(kw)
    return cfg


def optim(model, g_modules=('generator', )):
    adam = dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))
    return OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='SynOptimWrapperConstructor',
        optim_wrapper_cfg=dict(
            generator=dict(optimizer=adam, modules=list(g_modules)),
            discriminator=dict(optimizer=adam))))(model)


def vgg_frozen(model):
    return all(not p.requires_grad for d in model.discriminator.discriminators
               for p in d.vgg.parameters())


def v2_model(size=64, aspect_ratio=1.0, global_encoder=True, **kw):
    cfg = dict(
        type='Lab2PixV2',
        data_preprocessor=dict(type='SynDataPreprocessor', num_classes=NC,
                               use_instance_edges=True),
        generator=dict(type='Lab2PixV2Generator', semantic_nc=NC + 1, ngf=2,
                       crop_size=size, aspect_ratio=aspect_ratio,
                       num_upsampling_layers='normal', global_channels=4,
                       encoder_channels=4,
                       use_global_encoder=global_encoder),
        discriminator=dict(type='HierarchicalPerceptualDiscriminators',
                           in_channels=NC + 1 + 3, ndf=2, num_levels=(3, 2),
                           discriminator=hpd()),
        foreground_mask=dict(type='ForegroundEnhancementMask',
                             background_ids=[0], enhance_rate=5.0),
        losses=dict(
            gan=dict(type='HierarchicalGANLoss', gan_type='hinge',
                     level_normalization='cumulative'),
            gan_disc=dict(type='HierarchicalGANLoss', gan_type='hinge',
                          level_normalization='cumulative',
                          loss_name='loss_d'),
            sharp=dict(type='SharpnessEnhancementLoss', balance='average'),
            feat=dict(type='FeatureMatchingLoss'),
            vgg=dict(type='VGGPerceptualLoss', pretrained=None,
                     layers=('relu1_1', 'relu2_1'),
                     layer_weights=(1 / 32, 1 / 16))))
    cfg.update(kw)
    return MODELS.build(cfg)


def test_lab2pix_v2_train_step():
    model = v2_model()
    ow = optim(model)
    d_before = model.discriminator.discriminators[0].gcb[0][0] \
        .weight_orig.clone()
    vgg_before = model.discriminator.discriminators[0].vgg.features[0] \
        .weight.clone()
    logs = model.train_step(batch(64, 64), ow)
    for key in ('loss_d_fake', 'loss_d_real', 'loss_d_sharp', 'loss_gan',
                'loss_feat', 'loss_vgg', 'loss_disc', 'loss_gen'):
        assert torch.isfinite(logs[key]), key
    # D trained, its VGG16 branch frozen (also for the next D step)
    assert not torch.equal(
        model.discriminator.discriminators[0].gcb[0][0].weight_orig,
        d_before)
    # frozen again after the step, so the next D update cannot touch it
    assert vgg_frozen(model)
    assert torch.equal(
        model.discriminator.discriminators[0].vgg.features[0].weight,
        vgg_before)
    model.eval()
    out = model.test_step(batch(64, 64))
    assert out[0].fake_img.dtype == torch.uint8
    assert out[0].fake_img.shape == (3, 64, 64)


def record_branch_inputs(model):
    """Per scale, the images every call of its frozen VGG-16 branch saw."""
    seen = [[] for _ in model.discriminator.discriminators]
    for d, log in zip(model.discriminator.discriminators, seen):
        d.vgg.register_forward_hook(
            lambda m, args, out, log=log: log.append(args[0].detach()))
    return seen


def branch_calls_on(seen_inputs, real):
    """How many branch calls judged the rows of ``real`` (B, 3, H, W)."""
    n = real.shape[0]
    return sum(x.shape[0] >= n and torch.equal(x[-n:], real)
               for x in seen_inputs)


def run_step(model, shared, seed=0):
    model.share_real_perceptual = shared
    seen = record_branch_inputs(model)
    MessageHub.get_current_instance().update_info('iter', 0)
    torch.manual_seed(seed)
    logs = model.train_step(batch(32, 64), optim(model))
    return logs, seen


@pytest.mark.parametrize('shared,real_calls', [(False, 3), (True, 1)])
def test_lab2pix_v2_real_branch_runs_once_per_step(shared, real_calls):
    """G's [fake, real], D's [fake, real] and [blurred, real]: the real
    batch went through each scale's frozen branch in all three D calls;
    shared, once, without a graph, and D's trainable layers still see the
    joint batches."""
    model = v2_model(aspect_ratio=2.0)
    real = model.data_preprocessor(batch(32, 64), True)['inputs']['img']
    logs, seen = run_step(model, shared)
    real_scale2 = torch.nn.functional.avg_pool2d(
        real, 3, stride=2, padding=1, count_include_pad=False)
    assert branch_calls_on(seen[0], real) == real_calls
    assert branch_calls_on(seen[1], real_scale2) == real_calls
    # the fake, fresh fake and blurred batches: one branch call each
    assert len(seen[0]) == 3 + (real_calls == 1)
    assert torch.isfinite(logs['loss_disc'])


def test_lab2pix_v2_real_features_have_no_graph_and_stay_with_the_batch():
    model = v2_model(aspect_ratio=2.0)
    inputs = model.data_preprocessor(batch(32, 64), True)['inputs']
    kwargs = model.real_perceptual(inputs)
    feats = kwargs['perceptual_tail']
    assert len(feats) == 2 and [len(f) for f in feats] == [3, 2]
    assert all(not t.requires_grad and t.grad_fn is None
               for scale in feats for t in scale)
    # the same batch: the same features, not recomputed
    assert model.real_perceptual(inputs)['perceptual_tail'] is feats
    # another image in the dict (or another batch): computed anew
    inputs['img'] = inputs['img'].flip(0)
    assert model.real_perceptual(inputs)['perceptual_tail'] is not feats
    assert model.real_perceptual(
        model.data_preprocessor(batch(32, 64), True)['inputs']
    )['perceptual_tail'] is not feats
    model.share_real_perceptual = False
    assert model.real_perceptual(inputs) == {}


def test_lab2pix_v2_shared_real_features_equal_numerics():
    """A whole training step equals the step without sharing: losses and
    every weight and buffer bit-identical with PyTorch's reference CPU
    convolutions (no oneDNN, whose kernels may depend on the batch size);
    losses within float rounding with the default kernels. Batch 1 at
    32x64 is a size at which oneDNN picks other kernels for 1 and 2 rows."""
    import copy
    # 32x64 (the latent 1x2; no global encoder: its BatchNorm needs 2
    # values, at 1x1 here)
    base = v2_model(size=64, aspect_ratio=2.0, global_encoder=False)
    for exact in (True, False):
        with torch.backends.mkldnn.flags(enabled=not exact):
            results = []
            for shared in (False, True):
                model = copy.deepcopy(base)
                model.share_real_perceptual = shared
                MessageHub.get_current_instance().update_info('iter', 0)
                torch.manual_seed(0)
                logs = model.train_step(batch(32, 64, n=1), optim(model))
                results.append((logs, model.state_dict()))
            (logs_a, sd_a), (logs_b, sd_b) = results
            assert logs_a.keys() == logs_b.keys()
            for key in logs_a:
                if exact:
                    assert torch.equal(logs_a[key], logs_b[key]), key
                else:
                    torch.testing.assert_close(logs_a[key], logs_b[key],
                                               rtol=1e-5, atol=1e-6)
            if exact:  # (Adam turns rounding in tiny gradients into
                # lr-sized weight steps: weights compare only exactly)
                for key in sd_a:
                    assert torch.equal(sd_a[key], sd_b[key]), key


def test_lab2pix_v2_without_perceptual_branch_judges_as_before():
    """PatchGANs in place of the HPDs (ablation rows): nothing to share,
    D is called with its input alone."""
    model = v2_model(aspect_ratio=2.0, discriminator=dict(
        type='HierarchicalPerceptualDiscriminators', in_channels=NC + 1 + 3,
        ndf=2, num_levels=(1, 1), pass_levels=False,
        discriminator=dict(type='PatchDiscriminator', n_layers_D=2,
                           norm='IN', return_features=True)))
    inputs = model.data_preprocessor(batch(32, 64), True)['inputs']
    assert model.real_perceptual(inputs) == {}


def test_lab2pix_v2_separate_ddp_shares_the_real_features():
    """Under the default runtime's wrappers (one DDP per network,
    find_unused_parameters=False) the real batch still runs through the
    branch once per step and the reduction is complete (2 steps)."""
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
        model = v2_model(aspect_ratio=2.0)
        real = model.data_preprocessor(batch(32, 64), True)['inputs']['img']
        seen = record_branch_inputs(model)
        ow = optim(model)
        ddp = MMSeparateDistributedDataParallel(
            model, broadcast_buffers=False, find_unused_parameters=False)
        for step in range(2):
            MessageHub.get_current_instance().update_info('iter', step)
            log = ddp.train_step(batch(32, 64), ow)
            assert torch.isfinite(torch.as_tensor(log['loss_disc']))
            assert branch_calls_on(seen[0], real) == step + 1
    finally:
        dist.destroy_process_group()


def tiny_segmenter(num_classes):
    norm = dict(type='BN', requires_grad=True)
    return dict(
        type='EncoderDecoder', data_preprocessor=None,
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=4,
                      base_channels=4, num_stages=1, strides=(1, ),
                      dilations=(1, ), out_indices=(0, ), norm_cfg=norm),
        decode_head=dict(type='FCNHead', in_channels=4, in_index=0,
                         channels=4, num_convs=1, num_classes=num_classes,
                         norm_cfg=norm,
                         loss_decode=dict(type='CrossEntropyLoss')),
        train_cfg=dict(), test_cfg=dict(mode='whole'))


def v1_cfg(**kw):
    cfg = dict(
        type='Lab2PixV1',
        data_preprocessor=dict(type='SynDataPreprocessor', num_classes=NC),
        generator=dict(type='Lab2PixV1Generator', semantic_nc=NC,
                       init_size=(1, 2), channels=(4, 4, 4, 4, 4, 4, 4, 4)),
        discriminator=dict(
            type='HierarchicalPerceptualDiscriminators',
            in_channels=3, ndf=2, num_levels=(3, 2, 1),
            discriminator=hpd(spectral_norm=False, first_norm=True,
                              pre_conv=False, out_conv=False,
                              vgg_input_range='[-1,1]')),
        segmenter=tiny_segmenter(NC),
        foreground_mask=dict(type='ForegroundEnhancementMask',
                             background_ids=[0], enhance_rate=2.0),
        losses=dict(
            gan=dict(type='HierarchicalGANLoss', gan_type='vanilla',
                     scale_reduction='sum'),
            gan_disc=dict(type='HierarchicalGANLoss', gan_type='vanilla',
                          scale_reduction='sum', loss_weight=0.5,
                          loss_name='loss_d'),
            sharp=dict(type='SharpnessEnhancementLoss', blur='avgpool',
                       ramp='iter', balance='real'),
            cycle_seg=dict(type='CycleSegmentationLoss'),
            vgg=dict(type='VGGPerceptualLoss', pretrained=None,
                     loss_weight=1.0, criterion='mse',
                     layers=('relu1_1', 'relu2_1'),
                     layer_weights=(1 / 8, 1 / 4)),
            consistency=dict(type='ImageConsistencyLoss', pretrained=None,
                             layers=('relu1_1', 'relu2_1'),
                             layer_weights=(1., 1.))))
    cfg.update(kw)
    return cfg


def test_lab2pix_v1_train_step_with_mmseg_segmenters():
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 50)
    hub.update_info('max_iters', 100)
    model = MODELS.build(v1_cfg())
    # what LossRampHook does before iteration 50 of 100
    model.losses['sharp'].set_progress(iter=50, max_iters=100)
    assert model.losses['sharp'].current_weight() == 0.5
    assert len(model.segmenters) == 3
    ow = optim(model, ('generator', 'segmenters'))
    seg_before = model.segmenters[2].decode_head.conv_seg.weight.clone()
    logs = model.train_step(batch(128, 256), ow)
    for key in ('loss_d_fake', 'loss_d_real', 'loss_d_sharp', 'loss_gan',
                'loss_cycle_seg', 'loss_vgg', 'loss_consistency'):
        assert torch.isfinite(logs[key]), key
    # lambda_2 ramped to 0.5 at iter 50 of 100
    assert logs['loss_d_sharp'] > 0
    # the segmenters learn with the generator (generator optimizer)
    assert not torch.equal(model.segmenters[2].decode_head.conv_seg.weight,
                           seg_before)
    assert vgg_frozen(model)
    hub.update_info('iter', 0)
    model.eval()
    torch.manual_seed(0)
    out = model.test_step(batch(128, 256))
    assert out[0].fake_img.shape == (3, 128, 256)


def test_lab2pix_v1_inputs_and_noise():
    model = MODELS.build(v1_cfg(segmenter=None, label_input='sketch'))
    label = torch.tensor([[[0, 1], [1, 0]]])
    sketch = model.sketch_map(dict(label=label))
    assert torch.equal(sketch, torch.tensor([[[[1., -1.], [-1., 1.]]]]))
    model.eval()
    torch.manual_seed(0)
    z = model.sample_noise(2000, 'cpu')
    # inference noise = mean of 10 draws: std 1/sqrt(10)
    assert abs(z.std().item() - 10**-0.5) < 0.02
    with pytest.raises(ValueError, match='label_input'):
        MODELS.build(v1_cfg(segmenter=None, label_input='rgb'))


def test_lab2pix_v1_bad_label_ids_are_named_where_they_enter(tmp_path):
    """The generator does not read the ids on the host (issue 14): an id
    outside the classes is named, with the fix, where the file is loaded
    by the Cityscapes config's own pipeline, and a generator with fewer
    classes than the data is refused when the model is built."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmsemsyn.datasets.transforms.loading import LabelIdError
    from mmsemsyn.fileio import write_image
    init_default_scope('mmsemsyn')
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))
    cfg = Config.fromfile(osp.join(repo, 'configs', 'lab2pix',
                                   'lab2pix-v1_cityscapes.py'))
    for folder in ('train_label', 'train_img'):
        (tmp_path / folder).mkdir()
    ids = np.zeros((32, 64), np.uint8)
    ids[3, 5] = 40  # Cityscapes label ids are 0..33 (label_nc 35)
    write_image(ids, str(tmp_path / 'train_label' /
                         'x_000000_000019_gtFine_labelIds.png'))
    write_image(np.zeros((32, 64, 3), np.uint8), str(
        tmp_path / 'train_img' / 'x_000000_000019_leftImg8bit.png'))
    dataset = cfg.train_dataloader.dataset.to_dict()
    dataset['dataset']['data_root'] = str(tmp_path)
    with pytest.raises(LabelIdError, match=r'x_000000_000019_gtFine_labelIds'
                       r'\.png contains id 40 .*expects 0\.\.34.*'
                       r'num_classes'):
        DATASETS.build(dataset)[0]

    with pytest.raises(ValueError, match=r'ids 0\.\.4 .*num_classes=4 \+ 1 '
                       r'for dontcare_label=255.*semantic_nc=4.*'
                       r'model\.generator\.semantic_nc=5'):
        MODELS.build(v1_cfg(data_preprocessor=dict(
            type='SynDataPreprocessor', num_classes=NC,
            dontcare_label=255)))
    with pytest.raises(ValueError, match=r'segmenter predicts 4 classes: '
                       r'set model\.segmenter\.decode_head\.num_classes=5 '
                       r'\(or losses\.cycle_seg\.ignore_index=4'):
        MODELS.build(v1_cfg(
            data_preprocessor=dict(type='SynDataPreprocessor',
                                   num_classes=NC, dontcare_label=255),
            generator=dict(type='Lab2PixV1Generator', semantic_nc=NC + 1,
                           init_size=(1, 2), channels=(4, ) * 8)))
    # sketches are float maps, not ids: no class count to compare
    MODELS.build(v1_cfg(segmenter=None, label_input='sketch'))
