"""model-index.yml and the metafiles: every entry names an existing config,
its parameter counts equal the built networks', official weights come
with a converter command, and every method folder has a metafile."""
import glob
import os.path as osp

import pytest
import yaml

from mmsemsyn.model_zoo import count_network_parameters, load_model_index

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MODELS = load_model_index(REPO)
COUNT_KEYS = dict(generator='Parameters',
                  discriminator='Discriminator Parameters',
                  encoder='Encoder Parameters')


def test_index_imports_every_metafile():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    present = sorted(osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', '*', 'metafile.yml')))
    assert sorted(imports) == present
    assert len(MODELS) > 40


def test_names_unique_and_collections_defined():
    names = [m['Name'] for m in MODELS]
    assert len(names) == len(set(names))
    for rel in {m['_metafile'] for m in MODELS}:
        with open(osp.join(REPO, rel)) as f:
            meta = yaml.safe_load(f)
        collections = {c['Name']: c for c in meta['Collections']}
        for c in collections.values():
            assert c['Paper']['Title'] and c['Paper']['URL'].startswith(
                'http')
            if 'README' in c:
                assert osp.isfile(osp.join(REPO, c['README']))
        for model in meta['Models']:
            assert model['In Collection'] in collections, model['Name']


@pytest.mark.parametrize('model', MODELS, ids=[m['Name'] for m in MODELS])
def test_entry_config_exists_and_counts_match(model):
    config = osp.join(REPO, model['Config'])
    assert osp.isfile(config), f"{model['_metafile']}: {model['Config']}"
    assert osp.splitext(osp.basename(config))[0] == model['Name']
    counts = count_network_parameters(config)
    recorded = {net: model['Metadata'][key]
                for net, key in COUNT_KEYS.items()
                if key in model['Metadata']}
    assert recorded == counts, model['Name']
    official = model.get('Converted From')
    if official:
        assert official['Weights'].startswith('http')
        command = official['Converter']
        assert command.startswith(
            'python tools/model_converters/official_to_mmsemsyn.py '
            f"{model['Config']} --generator ")
        assert osp.isfile(osp.join(
            REPO, 'tools', 'model_converters', 'official_to_mmsemsyn.py'))


def test_counts_are_the_official_ones():
    """Spot checks against the official code's counts (README)."""
    by_name = {m['Name']: m['Metadata'] for m in MODELS}
    assert by_name['spade_cityscapes']['Parameters'] == 93_048_003
    assert by_name['spade_cityscapes']['Discriminator Parameters'] == \
        5_601_410
    assert by_name['pix2pixhd_512p_cityscapes']['Parameters'] == 182_546_755
    assert by_name['pix2pixhd_1024p_cityscapes'][
        'Discriminator Parameters'] == 8_404_803
    assert by_name['lab2pix-v2_cityscapes-512x256']['Parameters'] == \
        105_827_075


def test_every_config_of_a_method_with_metafile_is_listed():
    listed = {m['Config'] for m in MODELS}
    for metafile in glob.glob(osp.join(REPO, 'configs', '*', 'metafile.yml')):
        folder = osp.dirname(metafile)
        configs = {osp.relpath(p, REPO)
                   for p in glob.glob(osp.join(folder, '*.py'))}
        missing = sorted(configs - listed)
        assert not missing, (
            f'{osp.relpath(metafile, REPO)} lacks {missing}: add an entry '
            '(Name, In Collection, Config, Metadata.Parameters ...).')
