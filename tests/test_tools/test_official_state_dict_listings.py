"""The checkpoint converter against the real layout of official files.

``tests/data/official_state_dicts/*.txt`` list, in registration order, the
state-dict entries (name, shape, dtype) of every official network. A
fixture turns a listing into a state dict (random tensors; ``meta`` tensors
where only names, shapes and order matter, so full-size networks cost no
memory), and the converter must pair every entry of the network that our
config builds, with equal shapes and entry kinds, and the pairs must be the
semantically right ones (spot checks per method, e.g. the scale of a
multi-scale D that judges full resolution).
"""
import importlib.util
import re
from pathlib import Path
from typing import Dict

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmsemsyn  # noqa: F401
from mmsemsyn.registry import MODELS
from mmsemsyn.utils import register_all_modules

register_all_modules(init_default_scope=False)
REPO = Path(__file__).resolve().parents[2]
LISTINGS = REPO / 'tests/data/official_state_dicts'
spec = importlib.util.spec_from_file_location(
    'official_to_mmsemsyn',
    REPO / 'tools/model_converters/official_to_mmsemsyn.py')
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

DTYPES = {'float32': torch.float32, 'int64': torch.int64}


def read_listing(name: str) -> Dict[str, list]:
    """``{net: [(key, shape, dtype), ...]}`` of one listing file."""
    nets, cur = {}, None
    for line in (LISTINGS / name).read_text().splitlines():
        if line.startswith('## '):
            cur = line[3:].split(':')[0]
            nets[cur] = []
        elif line.strip():
            key, shape, dtype = line.split('\t')
            dims = tuple(int(d) for d in re.findall(r'\d+', shape))
            nets[cur].append((key, dims, DTYPES[dtype]))
    return nets


def official_state(name: str, net: str, device='meta', seed=0):
    """A state dict with the official names, order, shapes and dtypes."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape, dtype in read_listing(name)[net]:
        if device == 'meta':
            state[key] = torch.empty(shape, dtype=dtype, device='meta')
        elif dtype.is_floating_point:
            state[key] = torch.randn(shape, generator=g, dtype=dtype)
        else:
            state[key] = torch.zeros(shape, dtype=dtype)
    return state


def build(cfg_file: str, role: str, device='meta'):
    cfg = Config.fromfile(str(REPO / cfg_file)).model[role].to_dict()
    cfg = tool._without_pretrained_vgg(cfg)
    with DefaultScope.overwrite_default_scope('mmsemsyn'), \
            torch.device(device):
        return MODELS.build(cfg)


P2P = 'configs/pix2pixhd/'
CASES = [
    # listing, net, config, role, part, expected (official -> ours) pairs
    ('p2phd_global.txt', 'netG', P2P + 'pix2pixhd_512p_cityscapes.py',
     'generator', '', {'model.1.weight': 'model.1.weight'}),
    ('p2phd_global.txt', 'netD', P2P + 'pix2pixhd_512p_cityscapes.py',
     'discriminator', '',
     {'scale0_layer0.0.weight': 'discriminators.0.blocks.0.0.weight',
      'scale1_layer4.0.bias': 'discriminators.1.blocks.4.0.bias'}),
    ('p2phd_local.txt', 'netG', P2P + 'pix2pixhd_1024p_cityscapes.py',
     'generator', '', {}),
    ('p2phd_local.txt', 'netD', P2P + 'pix2pixhd_1024p_cityscapes.py',
     'discriminator', '',
     {'scale2_layer0.0.weight': 'discriminators.2.blocks.0.0.weight'}),
    ('p2phd_feat.txt', 'netG', P2P + 'pix2pixhd_512p-feat_cityscapes.py',
     'generator', '', {}),
    ('p2phd_feat.txt', 'netD', P2P + 'pix2pixhd_512p-feat_cityscapes.py',
     'discriminator', '', {}),
    ('p2phd_feat.txt', 'netE', P2P + 'pix2pixhd_512p-feat_cityscapes.py',
     'encoder', '', {}),
    ('spade.txt', 'netG', 'configs/spade/spade_cityscapes.py', 'generator',
     '', {}),
    ('spade.txt', 'netD', 'configs/spade/spade_cityscapes.py',
     'discriminator', '',
     {'discriminator_0.model0.0.weight':
      'discriminators.0.blocks.0.0.weight'}),
    ('spade_vae.txt', 'netG', 'configs/spade/spade-vae_cityscapes.py',
     'generator', '', {}),
    ('spade_vae.txt', 'netD', 'configs/spade/spade-vae_cityscapes.py',
     'discriminator', '', {}),
    ('spade_vae.txt', 'netE', 'configs/spade/spade-vae_cityscapes.py',
     'encoder', '', {}),
    ('lggan.txt', 'netG', 'configs/lggan/lggan_cityscapes.py', 'generator',
     '', {}),
    ('lggan.txt', 'netD', 'configs/lggan/lggan_cityscapes.py',
     'discriminator', '', {}),
    ('lggan_crossview.txt', 'netG', 'configs/lggan/lggan_dayton-a2g.py',
     'generator', '',
     {'conv1.weight': 'encoder.1.weight',
      'deconv5_6.weight': 'class_heads.5.1.weight',
      'deconv5_7.weight': 'unused_class_heads.0.1.weight',
      'deconv3_global.weight': 'global_decoder.0.weight',
      'deconv5_attention.bias': 'attention_head.bias'}),
    ('lggan_crossview.txt', 'netD1', 'configs/lggan/lggan_dayton-a2g.py',
     'discriminator', 'image',
     {'model.0.weight': 'blocks.0.0.weight',
      'model.11.bias': 'blocks.4.0.bias'}),
    ('lggan_crossview.txt', 'netD1', 'configs/lggan/lggan_dayton-a2g.py',
     'discriminator', 'semantic', {}),
    ('lab2pix_v1.txt', 'netG', 'configs/lab2pix/lab2pix-v1_cityscapes.py',
     'generator', '',
     {'out_7.0.weight': 'heads.6.0.weight',
      'out_5.0.weight': 'heads.4.0.weight'}),
    ('lab2pix_v1.txt', 'netD0', 'configs/lab2pix/lab2pix-v1_cityscapes.py',
     'discriminator', 'discriminators.0',
     {'backboneNet.slice5.28.weight': 'vgg.features.28.weight',
      'gcb2.0.weight': 'gcb.1.0.weight',
      'conv1_out.2.weight': 'out.0.2.weight',
      'conv2_line.0.pool_branch.1.weight':
      'line.1.pool_branch.1.0.weight'}),
    ('lab2pix_v1.txt', 'netD1', 'configs/lab2pix/lab2pix-v1_cityscapes.py',
     'discriminator', 'discriminators.1', {}),
    ('lab2pix_v1.txt', 'netD2', 'configs/lab2pix/lab2pix-v1_cityscapes.py',
     'discriminator', 'discriminators.2',
     {'conv1_out.2.bias': 'out.0.2.bias'}),
    ('lab2pix_v2.txt', 'netG',
     'configs/lab2pix/lab2pix-v2_cityscapes-512x256.py', 'generator', '',
     {'fpencoder.model_up.0.1.weight': 'global_encoder.model_up.0.1.weight',
      'fpencoder.model_down.0.weight_orig':
      'global_encoder.model_down.0.weight_orig',
      'head_0.norm_0.mlp_shared.0.weight':
      'head_0.norm_0.mlp_shared.0.weight'}),
    ('lab2pix_v2.txt', 'netD',
     'configs/lab2pix/lab2pix-v2_cityscapes-512x256.py', 'discriminator', '',
     {'discriminator_0.pre2.0.0.weight_orig':
      'discriminators.0.pre.1.0.weight_orig',
      'discriminator_0.gcb2.0.0.weight_orig':
      'discriminators.0.gcb.1.0.weight_orig',
      'discriminator_0.conv1_out.0.0.weight_v':
      'discriminators.0.out.0.0.0.weight_v',
      'discriminator_1.conv2_out.2.bias': 'discriminators.1.out.1.1.bias'}),
]


@pytest.mark.parametrize('listing,net,cfg_file,role,part,expected', CASES,
                         ids=[f'{c[0][:-4]}-{c[1]}-{c[4] or c[3]}'
                              for c in CASES])
def test_official_listing_converts(listing, net, cfg_file, role, part,
                                   expected):
    module = build(cfg_file, role)
    if part:
        module = module.get_submodule(part)
    official = official_state(listing, net)
    pairs, how, dropped = tool.match_state(official, module, listing)
    own = [k for k in module.state_dict()
           if k.rsplit('.', 1)[-1] not in tool.OWN_ONLY]
    assert sorted(d for _, d in pairs) == sorted(own)
    assert len({s for s, _ in pairs}) == len(pairs)
    assert set(s for s, _ in pairs) | set(dropped) == set(official)
    for s, d in pairs:  # same shape and the same kind of entry
        assert official[s].shape == module.state_dict()[d].shape, (s, d)
        assert s.rsplit('.', 1)[-1] == d.rsplit('.', 1)[-1], (s, d)
    mapping = dict(pairs)
    for s, d in expected.items():
        assert mapping[s] == d, (s, mapping[s], d)
    if listing == 'lggan.txt' and net == 'netG':
        assert dropped == ['fc.weight', 'fc.bias']
    elif listing == 'lggan_crossview.txt' and net == 'netD1':
        # track_running_stats InstanceNorm statistics: unused in training
        assert dropped and all('running' in k or 'num_batches' in k
                               for k in dropped)
    else:
        assert dropped == []


def test_lggan_cross_view_official_files_convert_end_to_end(tmp_path):
    """tools/model_converters/official_to_mmsemsyn.py on files built from
    the listings (random values): G and both Ds land on the right tensors
    of our modules, D1 on the image-guided and D2 on the semantic-guided D.
    """
    files = {}
    for net, seed in (('netG', 0), ('netD1', 1), ('netD2', 2)):
        state = official_state('lggan_crossview.txt',
                               'netD1' if net == 'netD2' else net,
                               device='cpu', seed=seed)
        files[net] = tmp_path / f'latest_{net}.pth'
        torch.save(state, files[net])
    out = tmp_path / 'converted.pth'
    cfg = str(REPO / 'configs/lggan/lggan_dayton-a2g.py')
    tool.main([cfg, '--generator', str(files['netG']), '--discriminator',
               str(files['netD1']), str(files['netD2']), '--out', str(out)])
    ckpt = torch.load(out, map_location='cpu', weights_only=True)
    state = ckpt['state_dict']
    g = torch.load(files['netG'], weights_only=True)
    d1 = torch.load(files['netD1'], weights_only=True)
    d2 = torch.load(files['netD2'], weights_only=True)
    assert torch.equal(state['generator.unused_class_heads.0.1.weight'],
                       g['deconv5_7.weight'])
    assert torch.equal(state['generator.global_head.1.weight'],
                       g['deconv5_global.weight'])
    assert torch.equal(state['discriminator.image.blocks.3.0.weight'],
                       d1['model.8.weight'])
    assert torch.equal(state['discriminator.semantic.blocks.3.0.weight'],
                       d2['model.8.weight'])
    meta = ckpt['meta']['converted_from']
    assert [m['part'] for m in meta['discriminator']] == ['image',
                                                          'semantic']
    with pytest.raises(ValueError, match='one file per official D'):
        tool.main([cfg, '--generator', str(files['netG']),
                   '--discriminator', str(files['netD1']), str(files['netD2']),
                   str(files['netD2']), '--out', str(out)])


def test_another_network_is_refused():
    """A file of another network is named, not loaded."""
    other = build('configs/lggan/lggan_dayton-a2g.py', 'discriminator')
    with pytest.raises(ValueError, match='tensors'):
        tool.match_state(official_state('p2phd_global.txt', 'netD'), other,
                         'p2phd_global.txt')
    d = build(P2P + 'pix2pixhd_512p_cityscapes.py', 'discriminator')
    with pytest.raises(ValueError, match='one file per official D'):
        tool.official_parts(d, 2)
