"""Spectral norm whose W / sigma is computed outside autocast: the float32
computation of torch's hook bit for bit, and no casts under autocast."""
import copy
from unittest import mock

import torch
import torch.nn as nn
from torch.nn.utils.spectral_norm import SpectralNorm
from torch.utils._python_dispatch import TorchDispatchMode

from mmsemsyn.models.layers.spectral_norm import (
    AutocastFreeSpectralNorm,
    settle_spectral_norm,
    spectral_norm,
)


def _pair():
    torch.manual_seed(0)
    ref = nn.utils.spectral_norm(nn.Conv2d(4, 6, 3, padding=1))
    ours = copy.deepcopy(ref)
    # the same buffers and parameters, then our hook on the copy
    ours = spectral_norm(nn.utils.remove_spectral_norm(ours))
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def test_float32_bit_identical_to_torch_and_same_keys():
    ref, ours = _pair()
    hooks = [h for h in ours._forward_pre_hooks.values()
             if isinstance(h, SpectralNorm)]
    assert len(hooks) == 1 and type(hooks[0]) is AutocastFreeSpectralNorm
    assert list(ours.state_dict()) == list(ref.state_dict())
    x = torch.randn(2, 4, 8, 8)
    for _ in range(3):  # training forwards iterate u / v
        a, b = ref(x), ours(x)
        assert torch.equal(a, b)
    a.square().mean().backward()
    b.square().mean().backward()
    assert torch.equal(ref.weight_orig.grad, ours.weight_orig.grad)
    assert torch.equal(ref.weight_u, ours.weight_u)
    ref.eval(), ours.eval()
    assert torch.equal(ref(x), ours(x))
    assert settle_spectral_norm(ours) == 1
    nn.utils.remove_spectral_norm(ours)  # torch's tools still see it
    assert not hasattr(ours, 'weight_orig')


def test_weight_over_sigma_stays_float32_under_cpu_autocast():
    ref, ours = _pair()
    x = torch.randn(1, 4, 8, 8)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = ours(x)
    assert out.dtype == torch.bfloat16
    assert ours.weight.dtype == torch.float32
    ref(x)  # the same power iteration in float32
    assert torch.equal(ours.weight, ref.weight)


class _Casts(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.n = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.n += func is torch.ops.aten._to_copy.default
        return func(*args, **(kwargs or {}))


def _casts_under_cuda_autocast(module):
    """Casts dispatched by one training W / sigma under CUDA's autocast
    policy (which lowers ``mv``), on FakeTensors: no GPU needed."""
    from torch._subclasses.fake_tensor import FakeTensorMode
    fake = FakeTensorMode(allow_non_fake_inputs=True)
    with fake:
        for name, t in list(module._parameters.items()):
            module._parameters[name] = nn.Parameter(
                fake.from_tensor(t.detach()).to('cuda'))
        for name, t in list(module._buffers.items()):
            module._buffers[name] = fake.from_tensor(t).to('cuda')
    hook = next(h for h in module._forward_pre_hooks.values()
                if isinstance(h, SpectralNorm))
    counter = _Casts()
    with mock.patch('torch.cuda.is_available', lambda: True), \
            mock.patch('torch.cuda.is_bf16_supported', lambda *a: True), \
            fake, torch.autocast('cuda', dtype=torch.bfloat16), counter:
        weight = hook.compute_weight(module, do_power_iteration=True)
    return counter.n, weight.dtype


def test_no_casts_of_the_weight_under_cuda_autocast():
    ref, ours = _pair()
    n_ref, _ = _casts_under_cuda_autocast(ref)
    n_ours, dtype = _casts_under_cuda_autocast(ours)
    # torch's hook: mv casts W and the vector (3 mv), dot casts back
    assert n_ref >= 6
    assert n_ours == 0 and dtype == torch.float32


def test_every_spectral_norm_network_uses_it():
    from mmsemsyn.models.discriminators.hierarchical_perceptual import (
        HierarchicalPerceptualDiscriminator,
    )
    from mmsemsyn.models.discriminators.patchgan import PatchDiscriminator
    from mmsemsyn.models.encoders.spade_vae_encoder import SPADEVAEEncoder
    from mmsemsyn.models.layers.dg_norm import GlobalLabelEncoder
    from mmsemsyn.models.layers.spade import SPADEResBlock
    for net in (SPADEResBlock(4, 8, 3),
                PatchDiscriminator(3, ndf=4, spectral_norm=True),
                HierarchicalPerceptualDiscriminator(
                    6, num_levels=1, ndf=4, feat_channels=8,
                    vgg_pretrained=False),
                GlobalLabelEncoder(3, 4, base_channels=4, num_scales=3,
                                   max_channels=8),
                SPADEVAEEncoder(nef=4, z_dim=8, crop_size=64,
                                input_size=64)):
        hooks = [h for m in net.modules()
                 for h in m._forward_pre_hooks.values()
                 if isinstance(h, SpectralNorm)]
        assert hooks and all(
            type(h) is AutocastFreeSpectralNorm for h in hooks)


def test_meta_device_forward():
    """Meta tensors (the official state-dict listings) have no autocast."""
    with torch.device('meta'):
        conv = spectral_norm(nn.Conv2d(3, 4, 3))
        out = conv(torch.empty(1, 3, 8, 8))
    assert out.shape == (1, 4, 6, 6) and out.device.type == 'meta'
