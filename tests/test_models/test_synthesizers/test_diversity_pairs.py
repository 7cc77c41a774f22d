"""The diversity loss inside the shared GAN step: G(l, 0) and G(l, n) from
one generator call, the loss logged, and its gradient reaching G."""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.registry import DefaultScope

from mmsemsyn.models.data_preprocessors.class_noise import paint_class_noise
from mmsemsyn.models.synthesizers.pix2pix import Pix2Pix
from mmsemsyn.structures import SynDataSample


def build(div_weight=0.1, class_noise=True):
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        return Pix2Pix(
            data_preprocessor=dict(
                type='SynDataPreprocessor', num_classes=4,
                class_noise=dict() if class_noise else None),
            generator=dict(type='UnetGenerator', in_channels=5, num_downs=5,
                           ngf=4, use_dropout=False),
            discriminator=dict(type='PatchDiscriminator', in_channels=8,
                               ndf=4, n_layers_D=2),
            losses=dict(
                gan=dict(type='GANLoss', gan_type='vanilla',
                         loss_name='loss_gan'),
                gan_disc=dict(type='GANLoss', gan_type='vanilla',
                              loss_weight=0.5, loss_name='loss_gan_disc'),
                l1=dict(type='L1Loss', loss_weight=100.0,
                        loss_name='loss_l1'),
                diversity=dict(type='DiversityLoss', margin=0.3,
                               loss_weight=div_weight)))


def batch(n=2, size=32):
    g = torch.Generator().manual_seed(0)
    inputs = dict(
        label=[torch.randint(0, 4, (1, size, size), generator=g)
               for _ in range(n)],
        img=[torch.randint(0, 256, (3, size, size), generator=g,
                           dtype=torch.uint8) for _ in range(n)])
    return dict(inputs=inputs,
                data_samples=[SynDataSample() for _ in range(n)])


def optim(model):
    return OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam(
            model.generator.parameters(), lr=1e-3)),
        discriminator=OptimWrapper(torch.optim.Adam(
            model.discriminator.parameters(), lr=1e-3)))


@pytest.fixture(autouse=True)
def iter_zero():
    MessageHub.get_current_instance().update_info('iter', 0)


def test_one_generator_call_for_both_images():
    torch.manual_seed(0)
    model = build()
    calls = []
    model.generator.register_forward_hook(
        lambda m, args, out: calls.append(args[0].detach().clone()))
    log = model.train_step(batch(), optim(model))
    assert len(calls) == 1  # G(l, 0) and G(l, n): one batched forward
    x = calls[0]
    assert x.shape == (4, 5, 32, 32)
    assert torch.all(x[:2, 4] == 0)            # rows [:B]: zero noise
    assert x[2:, 4].abs().sum() > 0            # rows [B:]: class noise
    assert torch.equal(x[:2, :4], x[2:, :4])   # same layouts
    assert 'loss_div' in log and log['loss_div'] > 0
    assert {'loss_gan', 'loss_l1', 'loss_d_fake', 'loss_d_real'} <= set(log)


def test_loss_is_eq7_on_the_two_halves_and_reaches_the_generator():
    torch.manual_seed(0)
    model = build(div_weight=1.0)
    data = model.data_preprocessor(batch(), True)
    inputs = data['inputs']
    out = model.forward_generator(inputs)
    losses = model.noise_pair_losses(inputs, out)
    fake = out['fake_img']
    expected = model.losses['diversity'](fake[:2], fake[2:],
                                         inputs['label'][2:],
                                         inputs['class_noise'][2:])
    assert torch.equal(losses['loss_div'], expected)
    assert torch.equal(inputs['semantics'][2:, 4:],
                       paint_class_noise(inputs['label'][2:],
                                         inputs['class_noise'][2:]))
    losses['loss_div'].backward()
    grads = [p.grad for p in model.generator.parameters()
             if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)


def test_predict_returns_one_image_per_layout():
    model = build().eval()
    data = model.data_preprocessor(batch(), False)
    samples = model.predict(data['inputs'], data['data_samples'])
    assert len(samples) == 2 and samples[0].fake_img.shape == (3, 32, 32)


def test_diversity_loss_without_noise_channel_is_refused():
    with pytest.raises(ValueError, match='class_noise'):
        build(class_noise=False)


def test_short_training_links_class_noise_to_its_segment():
    """After a short training run on L1 + L_Div (beta 10), moving one
    class's n^c from -1 to +1 changes that class's pixels far more than the
    others (the paper's noise linking, Fig. 2-3), and far more than at
    initialisation."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only cost here
    try:
        _short_training_links(*_tiny_linking_setup())
    finally:
        torch.set_num_threads(threads)


def _tiny_linking_setup():
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmsemsyn'):
        model = Pix2Pix(
            data_preprocessor=dict(type='SynDataPreprocessor',
                                   num_classes=3, class_noise=dict()),
            generator=dict(type='UnetGenerator', in_channels=4,
                           num_downs=5, ngf=8, use_dropout=False),
            discriminator=None,
            losses=dict(
                l1=dict(type='L1Loss', loss_weight=1.0, loss_name='loss_l1'),
                diversity=dict(type='DiversityLoss', loss_weight=10.0)))
    g = torch.Generator().manual_seed(0)
    labels = torch.zeros(8, 32, 32, dtype=torch.long)
    for i in range(8):  # three vertical bands of random widths
        a, b = sorted(torch.randint(6, 27, (2, ), generator=g).tolist())
        labels[i, :, a:] = 1
        labels[i, :, max(b, a + 4):] = 2
    colours = torch.tensor([[-0.5, 0.2, 0.5], [0.3, -0.3, 0.0],
                            [0.1, 0.4, -0.6]])
    imgs = colours[labels].permute(0, 3, 1, 2)
    return model, labels, imgs


def _short_training_links(model, labels, imgs):
    opt = torch.optim.Adam(model.generator.parameters(), lr=2e-3)

    def sweep(c):
        model.eval()
        sem = model.data_preprocessor.one_hot(labels)
        outs = []
        for v in (-1.0, 1.0):
            noise = torch.zeros(8, 3)
            noise[:, c] = v
            x = torch.cat([sem, paint_class_noise(labels, noise)], 1)
            with torch.no_grad():
                outs.append(model.generator(x))
        model.train()
        diff = (outs[1] - outs[0]).abs().mean(1)
        mask = labels == c
        return diff[mask].mean().item(), diff[~mask].mean().item()

    before = sweep(1)
    for _ in range(150):
        inputs = model.data_preprocessor.class_noise(
            dict(label=labels, img=imgs,
                 semantics=model.data_preprocessor.one_hot(labels)), True)
        out = model.forward_generator(inputs)
        loss = model.losses['l1'](out['fake_img'], inputs['img']) + \
            model.noise_pair_losses(inputs, out)['loss_div']
        opt.zero_grad()
        loss.backward()
        opt.step()
    for c in range(3):
        inside, outside = sweep(c)
        # measured 3.3-4.4 (classes 0-2) after these 150 steps
        assert inside > 2.5 * outside, (c, inside, outside)
    assert sweep(1)[0] > 5 * before[0]
