"""The papers' evaluation segmenters (DRN-D-105, CSAIL UperNet-101,
DeepLab-v2 MSC) as mmseg models: layout vs the public releases, converter,
forward equivalence with re-statements of the official code, loading.

Full-size networks with random weights; inputs are small except one
protocol-size forward per segmenter.
"""
import gzip
import sys
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

from mmsemsyn.models.pretrained.paper_segmenters import (
    RELEASES,
    detect_release,
    merge_upernet_files,
    mmseg_to_official,
    official_to_mmseg,
)
from mmsemsyn.models.pretrained.segmenter import (
    build_mmseg_segmenter,
    load_segmenter_checkpoint,
    segment_logits,
)

REPO = Path(__file__).resolve().parents[2]
LISTINGS = REPO / 'tests' / 'data' / 'segmenter_state_dicts'
sys.path.insert(0, str(Path(__file__).parent))
import official_restatements as ref  # noqa: E402

# protocol file, listing file, release key, parameters (listing headers)
CASES = dict(
    drn=('cityscapes', 'drn_d_105', 'drn_d_105_cityscapes', 54_302_915),
    upernet=('ade20k', 'upernet101', 'upernet101_ade20k',
             42_623_936 + 40_590_486),
    deeplab=('coco_stuff', 'deeplabv2_cocostuff164k',
             'deeplabv2_cocostuff164k', 55_919_384),
)


def protocol_evaluator(name):
    from mmengine.config import Config
    cfg = Config.fromfile(
        str(REPO / f'configs/_base_/evaluators/paper_protocol_{name}.py'))
    return cfg.test_evaluator


def seg_config(case):
    return protocol_evaluator(CASES[case][0])[1]['seg_config']


def official_listing(case):
    """[(official key, shape, dtype)] in the release's order (UperNet: its
    two files' entries prefixed ``encoder.`` / ``decoder.``)."""
    sections = OrderedDict()
    with gzip.open(LISTINGS / f'{CASES[case][1]}.txt.gz', 'rt') as f:
        for line in f:
            if line.startswith('##'):
                current = sections.setdefault(line.split()[1], [])
            elif line.strip():
                key, shape, dtype = line.rstrip('\n').split('\t')
                current.append((key, tuple(eval(shape)), dtype))
    if case == 'upernet':
        return [(f'{part}.{k}', s, d)
                for part, items in zip(('encoder', 'decoder'),
                                       sections.values())
                for k, s, d in items]
    (items, ) = sections.values()
    return items


@pytest.fixture(scope='module')
def models():
    """Each full-size segmenter, built once (random weights, frozen)."""
    torch.manual_seed(0)
    # PyTorch's default init is random enough; skip mmseg's init_weights.
    return {case: build_mmseg_segmenter(seg_config(case), None,
                                        init_weights=False)
            for case in CASES}


@pytest.mark.parametrize('case', list(CASES))
def test_layout_equals_public_release(models, case):
    model = models[case]
    listing = official_listing(case)
    ours = model.state_dict()
    converted = official_to_mmseg(
        OrderedDict((k, torch.empty(s, dtype=getattr(torch, d)))
                    for k, s, d in listing), CASES[case][2])
    assert {k: tuple(v.shape) for k, v in converted.items()} == \
        {k: tuple(v.shape) for k, v in ours.items()}
    assert {k: v.dtype for k, v in converted.items()} == \
        {k: v.dtype for k, v in ours.items()}
    assert sum(p.numel() for p in model.parameters()) == CASES[case][3]
    # Exported back, our state dict has the release's names, shapes and (but
    # for mmseg's UPerHead defining conv_seg first) its order.
    exported = mmseg_to_official(ours, CASES[case][2])
    assert [(k, tuple(v.shape)) for k, v in exported.items()] == [
        (k, s) for k, s, _ in listing] or case == 'upernet'
    assert sorted((k, tuple(v.shape)) for k, v in exported.items()) == \
        sorted((k, s) for k, s, _ in listing)
    assert detect_release(exported) == CASES[case][2]
    assert detect_release(ours) is None


@pytest.mark.parametrize('case', list(CASES))
def test_converter_round_trip_keeps_values(models, case):
    release = CASES[case][2]
    ours = models[case].state_dict()
    back = official_to_mmseg(mmseg_to_official(ours, release), release)
    assert list(back) == list(ours)
    assert all(torch.equal(back[k], ours[k]) for k in ours)


def test_converter_rejects_a_foreign_checkpoint():
    with pytest.raises(KeyError, match='not part of the'):
        official_to_mmseg({'base.0.0.weight': torch.zeros(1),
                           'fc.weight': torch.zeros(1)},
                          'drn_d_105_cityscapes')
    with pytest.raises(KeyError, match='Unknown segmenter release'):
        official_to_mmseg({}, 'pspnet')


def _load_official(model, official_state):
    converted = official_to_mmseg(official_state, detect_release(
        official_state))
    model.load_state_dict(converted, strict=True)


def _metas(x):
    shape = tuple(x.shape[2:])
    return [dict(img_shape=shape, ori_shape=shape, pad_shape=shape)]


def _assert_close(a, b, tol=1e-4):
    scale = b.abs().max().clamp(min=1.)
    assert (a - b).abs().max() <= tol * scale, (a - b).abs().max()


def test_drn_forward_equals_official_restatement(models):
    torch.manual_seed(1)
    official = ref.RefDRNSeg(19).eval()
    ref.randomise_bn_stats(official)
    _load_official(models['drn'], official.state_dict())
    x = torch.randn(1, 3, 48, 72)
    with torch.no_grad():
        expected = official(x)
        ours = models['drn'].encode_decode(x, _metas(x))
    assert ours.shape == (1, 19, 48, 72)
    _assert_close(ours.log_softmax(1), expected)


def test_upernet_multiscale_forward_equals_official_restatement(models):
    torch.manual_seed(2)
    official = ref.RefCSAILSegmentation().eval()
    ref.randomise_bn_stats(official)
    state = OrderedDict((f'{p}.{k}', v) for p in ('encoder', 'decoder')
                        for k, v in getattr(official, p).state_dict().items())
    model = models['upernet']
    _load_official(model, state)
    x = torch.randn(1, 3, 40, 56)
    # Small short sides keep it cheap; the rule (scale, round up to 32,
    # softmax average at the label size) is the release's.
    sizes = (40, 70)
    saved = model.short_sides
    model.short_sides = sizes
    try:
        with torch.no_grad():
            expected = official(x, sizes)
            ours = model.encode_decode(x, _metas(x))
    finally:
        model.short_sides = saved
    assert ours.shape == (1, 150, 40, 56)
    _assert_close(ours.exp(), expected, tol=1e-5)


def test_upernet_ppm_order_matters():
    """The CSAIL PPM (upsample, then conv-BN-ReLU) differs from mmseg's."""
    from mmseg.models.decode_heads import UPerHead

    from mmsemsyn.segmenters import CSAILUPerHead
    kw = dict(in_channels=[4, 8, 16, 32], in_index=[0, 1, 2, 3],
              channels=8, num_classes=3, pool_scales=(1, 2, 3, 6),
              norm_cfg=dict(type='BN'), dropout_ratio=0.)
    torch.manual_seed(3)
    # The heads build their losses from the registry of the default scope:
    # build them in mmseg's, whatever an earlier test left as the default.
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        ours, mmseg_head = CSAILUPerHead(**kw).eval(), UPerHead(**kw).eval()
    mmseg_head.load_state_dict(ours.state_dict())
    for m in ours.modules():  # a negative BN shift makes ReLU clip
        if isinstance(m, torch.nn.BatchNorm2d):
            m.bias.data.fill_(-0.2)
    mmseg_head.load_state_dict(ours.state_dict())
    feats = [torch.randn(1, c, 32 // 2**i, 32 // 2**i)
             for i, c in enumerate((4, 8, 16, 32))]
    with torch.no_grad():
        assert not torch.allclose(ours(feats), mmseg_head(feats))


def test_deeplab_msc_forward_equals_official_restatement(models):
    torch.manual_seed(4)
    official = ref.RefMSC(ref.RefDeepLabV2(182)).eval()
    ref.randomise_bn_stats(official)
    _load_official(models['deeplab'], official.state_dict())
    x = torch.randn(1, 3, 38, 54)  # ceil-mode pool, int() of odd scales
    with torch.no_grad():
        expected = official(x)
        ours = models['deeplab'].encode_decode(x, _metas(x))
    assert ours.shape == (1, 182, 38, 54)
    _assert_close(ours, expected)


@pytest.mark.parametrize('case,img_size', [
    # DRN: 256x512 (the generated size; OASIS/CLADE segment at it) -- the
    # SPADE setting's 1024x2048 is the same code path at 16x the compute.
    ('drn', (256, 512)),
    # UperNet: a 256x256 image through the ms-test's first scale (short
    # side 300 -> 320x320); the five scales' sizes are checked below and
    # the averaging in the equivalence test, without the cost of all five.
    ('upernet', (256, 256)),
    # DeepLab-v2: the generated 256x256 with the full MSC (1, 0.5, 0.75).
    ('deeplab', (256, 256)),
])
def test_forward_at_protocol_size(models, case, img_size):
    model = models[case]
    img = torch.randint(0, 256, (1, 3) + img_size, dtype=torch.uint8)
    saved = getattr(model, 'short_sides', None)
    if case == 'upernet':
        model.short_sides = (300, )
    try:
        with torch.no_grad():
            logits = segment_logits(model, img)
    finally:
        if case == 'upernet':
            model.short_sides = saved
    assert logits.shape == (1, model.decode_head.num_classes) + img_size
    assert torch.isfinite(logits).all()


def test_upernet_multiscale_sizes_follow_the_release():
    from mmsemsyn.segmenters.upernet import short_side_sizes
    sides = protocol_evaluator('ade20k')[1]['seg_config']['short_sides']
    # 256x256 generated images: every side rounded up to a multiple of 32.
    assert short_side_sizes(256, 256, sides, 1000, 32) == [
        (320, 320), (384, 384), (480, 480), (544, 544), (608, 608)]
    # A real ADE20K val image (683x512): the long side cap is not hit.
    assert short_side_sizes(512, 683, sides, 1000, 32)[0] == (320, 416)
    assert short_side_sizes(300, 2000, (600, ), 1000, 32) == [(160, 1024)]


def test_protocol_configs_name_release_urls():
    for case, (proto, _, release, _) in CASES.items():
        seg = protocol_evaluator(proto)[1]
        assert seg['seg_checkpoint'] == RELEASES[release]['url']
        assert seg['seg_config']['decode_head']['num_classes'] == \
            RELEASES[release]['num_classes']


def tiny_seg_config(case):
    """The protocol's segmenter with few, narrow layers: same classes and
    key patterns, so release-format files of it stay small."""
    cfg = seg_config(case)
    if case == 'drn':
        cfg['backbone'].update(layers=(1, 1, 1, 1, 1, 1, 1, 1),
                               channels=(4, 4, 4, 4, 4, 4, 8, 8))
        cfg['decode_head'].update(in_channels=8, channels=8)
    elif case == 'upernet':
        cfg['backbone'].update(depth=18, stem_channels=8, base_channels=4)
        cfg['decode_head'].update(in_channels=[4, 8, 16, 32], channels=8)
    else:
        cfg['backbone'].update(depth=50, stem_channels=4, base_channels=4)
        cfg['decode_head'].update(in_channels=128, channels=128)
    return cfg


def test_release_files_load_through_the_metric_loader(tmp_path):
    """Release-format files (as downloaded) load with no missing or
    unexpected keys; CSAIL's two files via dict(encoder=, decoder=)."""
    torch.manual_seed(5)
    tiny = {case: build_mmseg_segmenter(tiny_seg_config(case), None,
                                        init_weights=False)
            for case in CASES}
    for case in ('drn', 'deeplab'):
        model = tiny[case]
        official = mmseg_to_official(model.state_dict(), CASES[case][2])
        torch.save({f'module.{k}': v for k, v in official.items()},
                   tmp_path / f'{case}.pth')  # DataParallel-saved release
        before = {k: v.clone() for k, v in model.state_dict().items()}
        for v in model.state_dict().values():
            v.zero_()
        load_segmenter_checkpoint(model, str(tmp_path / f'{case}.pth'))
        after = model.state_dict()
        assert all(torch.equal(after[k], before[k]) for k in before)
    model = tiny['upernet']
    official = mmseg_to_official(model.state_dict(), 'upernet101_ade20k')
    for part in ('encoder', 'decoder'):
        torch.save(OrderedDict((k[len(part) + 1:], v)
                               for k, v in official.items()
                               if k.startswith(part + '.')),
                   tmp_path / f'{part}_epoch_50.pth')
    merged = merge_upernet_files(
        torch.load(tmp_path / 'encoder_epoch_50.pth'),
        torch.load(tmp_path / 'decoder_epoch_50.pth'))
    assert list(merged) == list(official)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    for v in model.state_dict().values():
        v.zero_()
    load_segmenter_checkpoint(
        model, dict(encoder=str(tmp_path / 'encoder_epoch_50.pth'),
                    decoder=str(tmp_path / 'decoder_epoch_50.pth')))
    assert all(torch.equal(model.state_dict()[k], before[k]) for k in before)
    # A release loaded into the wrong network stops with the mismatch.
    with pytest.raises(RuntimeError, match='does not fit'):
        load_segmenter_checkpoint(tiny['deeplab'], str(tmp_path / 'drn.pth'))
    with pytest.raises(ValueError, match='encoder=..., decoder=...'):
        load_segmenter_checkpoint(model, dict(encoder='a.pth'))


def test_missing_weights_stop_with_url_and_override_key(monkeypatch):
    """Offline: the error names the release URL and the --cfg-options key
    (no download is attempted in the test)."""
    from mmengine.runner import CheckpointLoader

    from mmsemsyn.evaluation.metrics.segmentation_score import (
        SegmentationScore,
    )

    def offline(path, map_location=None, logger=None):
        raise OSError('<urlopen error [Errno -3] no network>')

    monkeypatch.setattr(CheckpointLoader, 'load_checkpoint', offline)
    for proto in ('cityscapes', 'ade20k', 'coco_stuff'):
        seg = dict(protocol_evaluator(proto)[1])
        seg.pop('type')
        with pytest.raises(RuntimeError) as err:
            SegmentationScore(**seg, device='cpu')
        url = seg['seg_checkpoint']
        first = url['encoder'] if isinstance(url, dict) else url
        key = 'seg_checkpoint.encoder' if isinstance(url, dict) else \
            'seg_checkpoint='
        assert first in str(err.value)
        assert f'test_evaluator.1.{key}' in str(err.value)
    with pytest.raises(FileNotFoundError,
                       match='test_evaluator.1.seg_checkpoint='):
        load_segmenter_checkpoint(torch.nn.Conv2d(1, 1, 1),
                                  '/nonexistent/drn-d-105.pth')


def test_converter_tool_round_trip(tmp_path):
    """tools/model_converters/paper_segmenters.py: release -> mmseg file
    (loads strictly with mmengine) -> release layout again."""
    import importlib.util

    from mmengine.runner import load_checkpoint
    spec = importlib.util.spec_from_file_location(
        'paper_seg_tool',
        REPO / 'tools' / 'model_converters' / 'paper_segmenters.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    torch.manual_seed(6)
    for case in CASES:
        release = CASES[case][2]
        model = build_mmseg_segmenter(tiny_seg_config(case), None,
                                      init_weights=False)
        ours = model.state_dict()
        torch.save(ours, tmp_path / f'{case}_ours.pth')
        # ours -> release layout (UperNet: encoder_/decoder_ files)
        tool.main([release, str(tmp_path / f'{case}_ours.pth'),
                   str(tmp_path / f'{case}.pth'), '--to-official'])
        inputs = [str(tmp_path / f'{p}_{case}.pth')
                  for p in ('encoder', 'decoder')] if case == 'upernet' \
            else [str(tmp_path / f'{case}.pth')]
        tool.main([release, *inputs, str(tmp_path / f'{case}_mmseg.pth')])
        fresh = build_mmseg_segmenter(tiny_seg_config(case), None,
                                      init_weights=False)
        load_checkpoint(fresh, str(tmp_path / f'{case}_mmseg.pth'),
                        strict=True)
        assert all(torch.equal(fresh.state_dict()[k], v)
                   for k, v in ours.items())
    # The wrong release name stops before writing anything.
    with pytest.raises(SystemExit, match='not a deeplabv2_cocostuff164k'):
        tool.main(['deeplabv2_cocostuff164k', str(tmp_path / 'drn.pth'),
                   str(tmp_path / 'never.pth')])
    assert not (tmp_path / 'never.pth').exists()


def test_real_dataset_configs_test_with_the_paper_protocol():
    from mmengine.config import Config

    from mmsemsyn.evaluation.metrics.segmentation_score import (
        resolve_class_names,
    )
    expected = {'spade/spade_cityscapes.py': 'mmsemsyn.DRNSegHead',
                'pix2pixhd/pix2pixhd_512p_cityscapes.py':
                'mmsemsyn.DRNSegHead',
                'lab2pix/lab2pix-v1_cityscapes.py': 'mmsemsyn.DRNSegHead',
                'crn/crn_256p_cityscapes.py': 'mmsemsyn.DRNSegHead',
                'lggan/lggan_ade20k.py': 'mmsemsyn.CSAILUPerHead',
                'spade/spade_coco-stuff.py': 'mmsemsyn.DeepLabV2ASPPHead'}
    for path, head in expected.items():
        cfg = Config.fromfile(str(REPO / 'configs' / path))
        seg = [m for m in cfg.test_evaluator
               if m['type'] == 'SegmentationScore'][0]
        assert seg['seg_config']['decode_head']['type'] == head, path
    names = resolve_class_names('coco_stuff_182', 182)
    assert len(names) == 182 and names[0] == 'person'
