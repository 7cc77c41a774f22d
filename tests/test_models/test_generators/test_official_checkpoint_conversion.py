"""tools/model_converters/official_to_mmsemsyn.py: official generator files
(here: independent re-statements of the official networks, saved as the
official codes save them) load into mmsemsyn and give the same outputs."""
import importlib.util
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from official_spade_lggan import RefLGGANGenerator, RefSPADEGenerator

import mmsemsyn  # noqa: F401
from mmsemsyn.apis import SynthesisInferencer
from mmsemsyn.models.generators.lggan import LGGANGenerator
from mmsemsyn.models.generators.pix2pixhd import GlobalGenerator
from mmsemsyn.models.generators.spade import SPADEGenerator

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location(
    'official_to_mmsemsyn',
    REPO / 'tools/model_converters/official_to_mmsemsyn.py')
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def _seg(b, c, h, w, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, c - 1, (b, h // 8, w // 8), generator=g)
    ids = F.interpolate(ids[:, None].float(), size=(h, w))[:, 0].long()
    return F.one_hot(ids, c).permute(0, 3, 1, 2).float()


def _official_file(net, tmp_path, wrap=False):
    state = net.state_dict()
    if wrap:  # saved from a DataParallel wrapper
        state = {f'module.{k}': v for k, v in state.items()}
    path = tmp_path / 'latest_net_G.pth'
    torch.save(state, path)
    return str(path)


def test_spade_generator_by_name(tmp_path):
    torch.manual_seed(1)
    ref = RefSPADEGenerator(6, ngf=2, num_up='more', crop=128, ar=2.0,
                            nhidden=4)
    torch.manual_seed(2)
    ours = SPADEGenerator(6, ngf=2, num_upsampling_layers='more',
                          spade_hidden=4)
    path = _official_file(ref, tmp_path, wrap=True)
    how, dropped = tool.convert_state(tool.load_official(path), ours)
    assert (how, dropped) == ('by name', [])
    seg = _seg(2, 6, 64, 128)
    torch.testing.assert_close(ours(seg), ref(seg))


def test_lggan_generator_in_order_without_unused_fc(tmp_path):
    torch.manual_seed(1)
    ref = RefLGGANGenerator(8, 7, ngf=2, num_up='more', crop=128, ar=2.0,
                            nhidden=4, n_blocks=2)
    torch.manual_seed(2)
    ours = LGGANGenerator(8, local_classes=7, ngf=2, spade_hidden=4,
                          num_upsampling_layers='more', n_blocks=2)
    how, dropped = tool.convert_state(
        tool.load_official(_official_file(ref, tmp_path)), ours)
    assert how == 'in order' and dropped == ['fc.weight', 'fc.bias']
    seg = _seg(1, 8, 64, 128)
    out, off = ours(seg), ref(seg)
    torch.testing.assert_close(out['fake_img'], off['final'])
    torch.testing.assert_close(out['global_img'], off['result_global'])


def test_pix2pixhd_old_instance_norm_stats_are_left_out(tmp_path):
    """Files of PyTorch < 0.4 carry InstanceNorm running statistics."""
    torch.manual_seed(1)
    official = GlobalGenerator(4, ngf=2, n_downsampling=2, n_blocks=1)
    state = dict(official.state_dict())
    state['model.2.running_mean'] = torch.zeros(2)
    state['model.2.running_var'] = torch.ones(2)
    path = tmp_path / 'latest_net_G.pth'
    torch.save(state, path)
    torch.manual_seed(2)
    ours = GlobalGenerator(4, ngf=2, n_downsampling=2, n_blocks=1)
    how, dropped = tool.convert_state(tool.load_official(str(path)), ours)
    assert how == 'by name'
    assert sorted(dropped) == ['model.2.running_mean', 'model.2.running_var']
    x = torch.randn(1, 4, 16, 16)
    torch.testing.assert_close(ours(x), official(x))


def test_mismatching_network_is_named(tmp_path):
    ref = RefSPADEGenerator(6, ngf=2, num_up='more', crop=128, ar=2.0,
                            nhidden=4)
    path = tool.load_official(_official_file(ref, tmp_path))
    wider = SPADEGenerator(6, ngf=4, num_upsampling_layers='more',
                           spade_hidden=4)
    with pytest.raises(ValueError, match=r'fc.weight \(32, 6, 3, 3\) -> '
                       r'fc.weight \(64, 6, 3, 3\).*config of the official'):
        tool.convert_state(path, wider)
    other = GlobalGenerator(6, ngf=2, n_downsampling=2, n_blocks=1)
    with pytest.raises(ValueError, match='tensors.*GlobalGenerator'):
        tool.convert_state(path, other)
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        tool.load_official(str(tmp_path / 'nope.pth'))


def test_tool_output_runs_in_the_inferencer(tmp_path):
    """End to end: a SPADE config, an 'official' G file, the converted
    checkpoint in tools/infer.py's inferencer gives the official output."""
    from mmengine.config import Config

    from mmsemsyn.registry import MODELS
    from mmsemsyn.utils import register_all_modules
    register_all_modules()
    cfg_path = str(REPO / 'configs/spade/spade_synthetic.py')
    gen_cfg = Config.fromfile(cfg_path).model.generator
    torch.manual_seed(3)
    official = MODELS.build(gen_cfg).eval()  # same names as the official
    out = tmp_path / 'converted.pth'
    tool.main([cfg_path, '--generator', _official_file(official, tmp_path),
               '--out', str(out)])
    ckpt = torch.load(out, map_location='cpu', weights_only=True)
    assert set(k.split('.')[0] for k in ckpt['state_dict']) == {'generator'}
    assert ckpt['meta']['converted_from']['generator']['matched'] == \
        'by name'
    inferencer = SynthesisInferencer(cfg_path, str(out))
    gen = inferencer.model.generator
    for (k, a), b in zip(gen.state_dict().items(),
                         official.state_dict().values()):
        assert torch.equal(a, b), k


def test_lab2pix_v2_generator_in_order(tmp_path):
    """The official names its global encoder ``fpencoder``."""
    from test_lab2pix_equivalence import RefGenerator

    from mmsemsyn.models.generators.lab2pix_v2 import Lab2PixV2Generator
    torch.manual_seed(1)
    ref = RefGenerator(5, 4, 256, 2.0, 8, 8)
    torch.manual_seed(2)
    ours = Lab2PixV2Generator(5, ngf=4, crop_size=256, aspect_ratio=2.0,
                              num_upsampling_layers='more',
                              global_channels=8, encoder_channels=8)
    how, dropped = tool.convert_state(
        tool.load_official(_official_file(ref, tmp_path)), ours)
    assert (how, dropped) == ('in order', [])
    seg = _seg(2, 5, 128, 256)
    torch.testing.assert_close(ours(seg), ref(seg))


def test_pix2pixhd_encoder_keeps_its_cluster_buffers(tmp_path):
    """The official E has no K-means buffers; ours keep their values."""
    from mmsemsyn.models.encoders.instance_feature_encoder import (
        InstanceFeatureEncoder,
    )
    torch.manual_seed(1)
    official = InstanceFeatureEncoder(nef=2, n_downsampling=2)  # no buffers
    path = tmp_path / 'latest_net_E.pth'
    torch.save(official.state_dict(), path)
    torch.manual_seed(2)
    ours = InstanceFeatureEncoder(nef=2, n_downsampling=2, num_classes=4)
    ours.cluster_counts.fill_(3)
    assert tool.convert_state(tool.load_official(str(path)), ours) == (
        'by name', [])
    assert ours.cluster_counts.tolist() == [3, 3, 3, 3]
    img, inst = torch.randn(1, 3, 16, 16), torch.zeros(1, 16, 16).long()
    torch.testing.assert_close(ours(img, inst), official(img, inst))
