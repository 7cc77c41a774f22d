"""CRN synthesizer: the training step without a GAN, predictions of a
multi-output generator, extra input channels, and the test loop's use of
the n outputs as --num-samples."""
import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

register_all_modules()


def build(num_outputs=3, in_channels=5, **kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='CRN',
        data_preprocessor=dict(type='SynDataPreprocessor', num_classes=4,
                               dontcare_label=255),
        generator=dict(type='CRNGenerator', in_channels=in_channels,
                       channels=(8, 8, 4), num_outputs=num_outputs),
        losses=dict(content=dict(type='CRNContentLoss', pretrained=None,
                                 layer_weights={'input': 1.0,
                                                'relu1_2': 1.0})),
        **kwargs))


def batch(b=2):
    g = torch.Generator().manual_seed(1)
    label = torch.randint(0, 4, (b, 1, 16, 32), generator=g)
    label[:, :, :2] = 255  # void -> the 5th channel
    img = torch.randint(0, 256, (b, 3, 16, 32), dtype=torch.uint8,
                        generator=g)
    return dict(inputs=dict(label=label, img=img), data_samples=None)


@pytest.mark.parametrize('wrap', [False, True])
def test_train_step_updates_only_the_generator(wrap):
    model = build()
    ow = OptimWrapper(torch.optim.Adam(model.generator.parameters(), 1e-3))
    if wrap:
        ow = OptimWrapperDict(generator=ow)
    before = [p.clone() for p in model.generator.parameters()]
    vgg_before = [p.clone() for p in model.losses.parameters()]
    logs = [model.train_step(batch(), ow) for _ in range(5)]
    assert set(logs[0]) == {'loss_content', 'loss_gen'}
    assert logs[-1]['loss_gen'] < logs[0]['loss_gen']
    assert all(not torch.equal(a, b)
               for a, b in zip(before, model.generator.parameters()))
    assert all(torch.equal(a, b)
               for a, b in zip(vgg_before, model.losses.parameters()))
    assert model.discriminator is None


def test_loss_gets_every_output_and_void_masks():
    model = build()
    data = model.data_preprocessor(batch(), True)
    inputs = data['inputs']
    out = model.forward_generator(inputs)
    assert out['fake_outputs'].shape == (2, 3, 3, 16, 32)
    assert torch.equal(out['fake_img'], out['fake_outputs'][:, 0])
    masks = model.label_masks(inputs)
    assert masks.shape == (2, 5, 16, 32)  # 4 classes + void
    assert torch.all(masks[:, 4, :2] == 1) and torch.all(masks.sum(1) == 1)
    expected = model.losses['content'](out['fake_outputs'], inputs['img'],
                                       masks)
    assert torch.allclose(
        model.generator_losses(inputs, out)['loss_content'], expected)


def test_predict_carries_all_outputs():
    model = build().eval()
    samples = model.test_step(batch())
    assert len(samples) == 2
    s = samples[0]
    assert s.fake_img.dtype == torch.uint8 and s.fake_img.shape == (3, 16,
                                                                    32)
    assert s.fake_outputs.shape == (3, 3, 16, 32)
    assert torch.equal(s.fake_outputs[0], s.fake_img)
    # The sample grid shows all n outputs.
    assert s.metainfo['visual_keys'] == ('output_1', 'output_2')
    assert torch.equal(s.output_2, s.fake_outputs[2])
    single = build(num_outputs=1).eval().test_step(batch())[0]
    assert 'fake_outputs' not in single


def test_extra_input_keys():
    model = build(in_channels=6, extra_input_keys=('noise', ))
    data = model.data_preprocessor(batch(), True)
    inputs = dict(data['inputs'])
    inputs['noise'] = torch.ones(2, 1, 16, 32)
    x = model.generator_input(inputs)
    assert x.shape[1] == 6 and torch.all(x[:, 5] == 1)
    assert model.forward_generator(inputs)['fake_img'].shape == (2, 3, 16,
                                                                 32)
    del inputs['noise']
    with pytest.raises(KeyError, match='noise'):
        model.forward_generator(inputs)


class _Runner:
    def __init__(self, model):
        self.model = model


def test_test_loop_takes_k_of_the_n_outputs():
    from mmsemsyn.engine.runner.synthesis_test_loop import SynthesisTestLoop
    model = build().eval()
    loop = SynthesisTestLoop.__new__(SynthesisTestLoop)
    loop._runner = _Runner(model)
    loop.num_samples = 2
    outs = loop._predict_samples(batch())
    assert outs[0].fake_imgs.shape == (2, 3, 16, 32)
    assert torch.equal(outs[0].fake_imgs, outs[0].fake_outputs[:2])
    loop.num_samples = 4
    with pytest.raises(ValueError, match='--num-samples 4'):
        loop._predict_samples(batch())


def test_diversity_loss_with_the_noise_channel():
    """CRN + the diversity loss: the preprocessor's class noise is one more
    generator input channel, and the G(l, 0) / G(l, n) pair term is part of
    the CRN step."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='CRN',
        data_preprocessor=dict(type='SynDataPreprocessor', num_classes=4,
                               dontcare_label=255, class_noise=dict()),
        generator=dict(type='CRNGenerator', in_channels=6,
                       channels=(8, 8, 4), num_outputs=1),
        losses=dict(
            content=dict(type='CRNContentLoss', pretrained=None,
                         layer_weights={'input': 1.0}),
            diversity=dict(type='DiversityLoss', margin=0.3,
                           loss_weight=10.0))))
    calls = []
    model.generator.register_forward_hook(lambda *a: calls.append(1))
    ow = OptimWrapper(torch.optim.Adam(model.generator.parameters(), 1e-3))
    log = model.train_step(batch(), ow)
    assert {'loss_content', 'loss_div'} <= set(log)
    assert len(calls) == 1  # G(l, 0) and G(l, n): one doubled batch


def test_ema_generator_predicts():
    model = build(ema=dict(momentum=0.9)).eval()
    model.update_ema(0)  # the first update copies the generator
    before = model.test_step(batch())[0].fake_outputs
    with torch.no_grad():
        model.generator.to_rgb.bias.add_(0.5)  # only the live generator
    assert torch.equal(model.test_step(batch())[0].fake_outputs, before)
