"""Lab2Pix-V2 generator: the global encoder's upsample + conv3 heads at 3x
resolution in inference (upsampled_conv), the same output bits as the
full-size heads, checked once per shape; training untouched."""
import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from mmsemsyn.models.generators.lab2pix_v2 import (
    Lab2PixV2Generator,
    upsampled_conv,
)


def head(s, cin=16, cout=8):
    torch.manual_seed(0)
    return nn.Sequential(nn.Upsample(scale_factor=s),
                         nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU())


def flops(fn):
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return counter.get_total_flops()


def test_first_call_is_the_full_conv_and_records_a_verdict():
    h, x = head(16), torch.randn(1, 16, 4, 8)
    checked = {}
    with torch.no_grad():
        out = upsampled_conv(h, x, checked)
        assert torch.equal(out, h(x))
    assert list(checked.values()) in ([True], [False])


def test_verified_shape_takes_the_cheap_path_with_the_same_values():
    h = head(32)
    x = torch.randn(2, 16, 3, 5)
    checked = {}
    with torch.no_grad():
        upsampled_conv(h, x, checked)
        key = next(iter(checked))
        checked[key] = True  # as where the bits agree
        x2 = torch.randn_like(x)
        fast = upsampled_conv(h, x2, checked)
        full = h(x2)
        assert fast.shape == full.shape == (2, 8, 96, 160)
        torch.testing.assert_close(fast, full, rtol=0, atol=1e-5)
        assert flops(lambda: upsampled_conv(h, x2, checked)) * 20 < \
            flops(lambda: h(x2))


def test_refused_shape_and_other_heads_run_as_they_are():
    x = torch.randn(1, 16, 2, 4)
    with torch.no_grad():
        h = head(8)
        checked = {}
        upsampled_conv(h, x, checked)
        checked[next(iter(checked))] = False
        assert torch.equal(upsampled_conv(h, x, checked), h(x))
        for s in (1, 2):  # nothing to save
            small = {}
            assert torch.equal(upsampled_conv(head(s), x, small), head(s)(x))
            assert small == {}
        bilinear = nn.Sequential(nn.Upsample(scale_factor=8, mode='bilinear'),
                                 nn.Conv2d(16, 8, 3, padding=1))
        assert torch.equal(upsampled_conv(bilinear, x, {}), bilinear(x))


def generator():
    torch.manual_seed(0)
    # 'normal': 6 encoder scales, the coarsest at 1/32 (2x4 at 64x128);
    # heads 512 -> 128 as the Cityscapes model's
    g = Lab2PixV2Generator(semantic_nc=5, ngf=4, global_channels=128,
                           encoder_channels=16,
                           num_upsampling_layers='normal', init_gain=0.02)
    g.init_weights()
    return g


def test_generator_inference_bits_equal_the_plain_heads(monkeypatch):
    import mmsemsyn.models.generators.lab2pix_v2 as mod
    seg = torch.zeros(1, 5, 64, 128)
    seg.scatter_(1, torch.randint(0, 5, (1, 1, 64, 128)), 1.0)
    g = generator().eval()
    with torch.no_grad():
        first, second = g(seg), g(seg)
        assert g._head_checks  # verdicts recorded for the s >= 4 heads
        monkeypatch.setattr(mod, 'global_label_codes',
                            lambda enc, s, checked=None: enc(s))
        plain = g(seg)
    assert torch.equal(first, plain) and torch.equal(second, plain)


def test_training_and_autograd_forwards_keep_the_full_heads():
    seg = torch.zeros(1, 5, 32, 64)
    seg[:, 0] = 1
    g = generator()
    g.train()
    with torch.no_grad():
        g(seg)  # the D step's fresh fake: train mode
    g.eval()
    g(seg)  # autograd on
    assert g._head_checks == {}


def test_degenerate_first_batch_or_weights_cannot_pass_a_shape():
    """An all-zero first map (or zero weights, loaded later) gives the same
    bits on both paths whatever the summation order; the verdict also asks
    seeded random probes, so every later batch still equals ``head(x)``
    (oneDNN on a CPU sums several of these shapes differently)."""
    with torch.no_grad():
        for s in (4, 5, 8):
            for hw in ((1, 1), (2, 3), (2, 4), (3, 5), (4, 8)):
                h = head(s, cin=64, cout=32)
                checked = {}
                upsampled_conv(h, torch.zeros(1, 64, *hw), checked)
                x = torch.randn(1, 64, *hw)
                assert torch.equal(upsampled_conv(h, x, checked), h(x))
                state = {k: v.clone() for k, v in h.state_dict().items()}
                for p in h.parameters():
                    p.zero_()
                checked = {}
                upsampled_conv(h, x, checked)
                h.load_state_dict(state)
                assert torch.equal(upsampled_conv(h, x, checked), h(x))


def test_verdict_leaves_the_global_rng_alone():
    h, x = head(8), torch.randn(1, 16, 2, 4)
    torch.manual_seed(3)
    with torch.no_grad():
        upsampled_conv(h, x, {})
    after = torch.rand(3)
    torch.manual_seed(3)
    assert torch.equal(torch.rand(3), after)
