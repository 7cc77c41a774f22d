"""SPADE and LGGAN synthesizers: the training step logs every term and
updates every network; the loss scaling is the official one."""
import copy
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

import mmsemsyn  # noqa: F401
from mmsemsyn.datasets.synthetic_scenes import SyntheticScenesDataset
from mmsemsyn.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmsemsyn.utils import register_all_modules

register_all_modules()
REPO = Path(__file__).resolve().parents[3]
NC = 6  # synthetic classes; + 1 edge channel


def tiny(cfg_file, **gen):
    cfg = Config.fromfile(str(REPO / cfg_file))
    model = copy.deepcopy(cfg.model)
    model.generator.update(ngf=2, spade_hidden=4, **gen)
    model.discriminator.update(ndf=4)
    # cheap stand-in for the VGG role (VGGPerceptualLoss is tested with the
    # shared losses; a random VGG19 costs many seconds on 2 busy cores)
    model.losses.vgg = dict(type='L1Loss', loss_weight=10.0,
                            loss_name='loss_vgg')
    return model, cfg.optim_wrapper


def batch(n=2, size=32):
    ds = SyntheticScenesDataset(num_samples=n, img_size=(size, size),
                                pipeline=[dict(type='PackSynInputs')])
    return pseudo_collate([ds[i] for i in range(n)])


def build(model_cfg, optim_cfg):
    model = MODELS.build(model_cfg)
    cfg = copy.deepcopy(optim_cfg.to_dict() if hasattr(optim_cfg, 'to_dict')
                        else optim_cfg)
    cfg.pop('constructor')
    ow = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='SynOptimWrapperConstructor', optim_wrapper_cfg=cfg))(model)
    return model, ow


def snapshot(*modules):
    return [p.detach().clone() for m in modules for p in m.parameters()]


def changed(before, *modules):
    after = [p for m in modules for p in m.parameters()]
    return all(not torch.equal(a, b) for a, b in zip(before, after))


def test_spade_vae_train_step_and_optimizer_settings():
    model_cfg, optim_cfg = tiny('configs/spade/spade_synthetic.py',
                                head='vae', crop_size=32, z_dim=8)
    model_cfg.encoder = dict(type='SPADEVAEEncoder', nef=2, z_dim=8,
                             crop_size=32, input_size=64)
    model_cfg.losses.kld = dict(type='KLDLoss', loss_weight=0.05)
    optim_cfg.generator.modules = ['generator', 'encoder']
    model, ow = build(model_cfg, optim_cfg)
    g = ow['generator'].optimizer.param_groups[0]
    d = ow['discriminator'].optimizer.param_groups[0]
    assert (g['lr'], g['betas'], d['lr'], d['betas']) == (
        1e-4, (0.0, 0.9), 4e-4, (0.0, 0.9))
    # (a D-final bias gets +1/-1 hinge gradients that cancel; check others)
    d_first = model.discriminator.discriminators[0].blocks[0]
    nets = [model.generator.conv_img, d_first, model.encoder.fc_mu,
            model.encoder.fc_var]
    before = snapshot(*nets)
    log = model.train_step(batch(), ow)
    assert set(log) == {'loss_d_fake', 'loss_d_real', 'loss_disc',
                        'loss_gan', 'loss_feat', 'loss_vgg', 'loss_kld',
                        'loss_gen'}
    assert all(torch.isfinite(v) for v in log.values())
    assert log['loss_kld'] >= 0
    assert changed(before, *nets)
    pred = model.predict(model.data_preprocessor(batch(), False)['inputs'])
    assert pred[0].fake_img.dtype == torch.uint8


def test_spade_d_loss_is_fake_plus_real_not_halved():
    model_cfg, _ = tiny('configs/spade/spade_synthetic.py')
    model = MODELS.build(model_cfg).eval()  # fixed SN: repeatable D
    inputs = model.data_preprocessor(batch(), True)['inputs']
    fake = torch.rand_like(inputs['img']) * 2 - 1
    losses = model.discriminator_losses(inputs, dict(fake_img=fake))
    hinge = model.losses['gan']
    sem = inputs['semantics']
    with torch.no_grad():
        pf = model.discriminator(torch.cat([sem, fake], 1))
        pr = model.discriminator(torch.cat([sem, inputs['img']], 1))
    torch.testing.assert_close(losses['loss_d_fake'],
                               hinge(pf, False, is_disc=True))
    torch.testing.assert_close(losses['loss_d_real'],
                               hinge(pr, True, is_disc=True))


def test_lggan_train_step_logs_every_term():
    model_cfg, optim_cfg = tiny('configs/lggan/lggan_synthetic.py',
                                n_blocks=1)
    model, ow = build(model_cfg, optim_cfg)
    before = snapshot(model.generator.local_generator.class_convs,
                      model.generator.classifier,
                      model.generator.weight_map_generator)
    log = model.train_step(batch(), ow)
    expected = {'loss_d_fake', 'loss_d_fake_global', 'loss_d_fake_local',
                'loss_d_real', 'loss_disc', 'loss_l1_local', 'loss_class',
                'loss_gen'}
    for suffix in ('', '_global', '_local'):
        expected |= {f'loss_gan{suffix}', f'loss_feat{suffix}',
                     f'loss_vgg{suffix}'}
    assert set(log) == expected
    assert all(torch.isfinite(v) for v in log.values())
    assert changed(before, model.generator.local_generator.class_convs,
                   model.generator.classifier,
                   model.generator.weight_map_generator)


def test_lggan_losses_equal_three_separate_official_passes():
    model_cfg, _ = tiny('configs/lggan/lggan_synthetic.py', n_blocks=1)
    model = MODELS.build(model_cfg).eval()  # fixed SN: repeatable D
    inputs = model.data_preprocessor(batch(), True)['inputs']
    with torch.no_grad():
        out = model.forward_generator(inputs)
        d = model.discriminator_losses(inputs, out)
        g = model.generator_losses(inputs, out)
    hinge, feat = model.losses['gan'], model.losses['feat']
    sem, real = inputs['semantics'], inputs['img']
    d_real = 0
    for key, sfx in (('fake_img', ''), ('global_img', '_global'),
                     ('local_img', '_local')):
        with torch.no_grad():  # official: fake and real concatenated, split
            both = model.discriminator(torch.cat(
                [torch.cat([sem, out[key]], 1), torch.cat([sem, real], 1)]))
        pf = [[t[:2] for t in s] for s in both]
        pr = [[t[2:] for t in s] for s in both]
        torch.testing.assert_close(d['loss_d_fake' + sfx],
                                   hinge(pf, False, is_disc=True))
        d_real = d_real + hinge(pr, True, is_disc=True)
        torch.testing.assert_close(g['loss_gan' + sfx], hinge(pf, True))
        torch.testing.assert_close(g['loss_feat' + sfx], feat(pf, pr))
    torch.testing.assert_close(d['loss_d_real'], d_real)


def test_lggan_global_only_ablation_judges_one_output():
    model_cfg, _ = tiny(
        'configs/lggan/lggan_s1_global_cityscapes.py', semantic_nc=NC + 1,
        local_classes=NC, num_upsampling_layers='normal')
    model_cfg.data_preprocessor.num_classes = NC
    model_cfg.discriminator.in_channels = NC + 4
    model = MODELS.build(model_cfg)
    assert set(model.losses) == {'gan', 'feat', 'vgg'}
    inputs = model.data_preprocessor(batch(), True)['inputs']
    with torch.no_grad():
        out = model.forward_generator(inputs)
        d = model.discriminator_losses(inputs, out)
    assert set(out) == {'fake_img', 'global_img'}
    assert set(d) == {'loss_d_fake', 'loss_d_real'}


def test_lggan_predict_carries_branch_images_for_sample_grids():
    from mmsemsyn.visualization.colorize import title_height
    from mmsemsyn.visualization.visualizer import SynthesisVisualizer
    model_cfg, _ = tiny('configs/lggan/lggan_synthetic.py', n_blocks=1)
    model = MODELS.build(model_cfg).eval()
    data = model.data_preprocessor(batch(), False)
    samples = model(data['inputs'], data['data_samples'], mode='predict')
    keys = ('global_img', 'local_img', 'local_weight')
    with torch.no_grad():
        out = model.forward_generator(data['inputs'])
    for i, s in enumerate(samples):
        assert s.metainfo['visual_keys'] == keys
        for key in keys:
            assert s.get(key).dtype == torch.uint8
            assert s.get(key).shape == s.fake_img.shape
        # the weight map's local channel, as grey
        expect = (out['weight_map'][i, 0] * 255).round().to(torch.uint8)
        assert (s.local_weight[0].int() - expect.int()).abs().max() <= 1
        assert torch.equal(s.local_weight[0], s.local_weight[2])
    grid = SynthesisVisualizer.get_instance(
        'lggan_grid_test').sample_grid(samples)
    # label | fake | global | local | weight | real, 32 px + 2 px padding,
    # under a band of column titles
    top = title_height(32)
    assert grid.shape == (top + 2 + 2 * 34, 2 + 6 * 34, 3)
    # a method without intermediates keeps label | fake | real
    samples[0].set_metainfo(dict(visual_keys=()))
    assert SynthesisVisualizer.get_instance('lggan_grid_test').sample_grid(
        samples[:1]).shape == (top + 2 + 34, 2 + 3 * 34, 3)
