"""tools/analysis_tools/op_count.py: operators per training step and per
generator inference, bf16 casts, the fake-CUDA autocast policy, tables and
the JSON file."""
import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CFG = str(REPO / 'configs/spade/spade_synthetic.py')
TINY = ['model.generator.ngf=2', 'model.generator.spade_hidden=4',
        'model.discriminator.ndf=4',
        "model.losses.vgg.layers=['relu1_1']",
        'model.losses.vgg.layer_weights=[1.0]']


def load_tool():
    path = REPO / 'tools' / 'analysis_tools' / 'op_count.py'
    spec = importlib.util.spec_from_file_location('op_count_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def keep_log_level():
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    yield
    logger.setLevel(level)


def _args(tool, *extra):
    return tool.parse_args([CFG, '--size', '32x64', '--batch-size', '2',
                            *extra, '--cfg-options', *TINY])


def test_train_and_infer_counts_and_bf16_casts():
    tool = load_tool()
    args = _args(tool, '--device', 'cpu')
    train = tool.count_variant(args, 'fp32', 'train')
    bf16 = tool.count_variant(args, 'bf16', 'train')
    infer = tool.count_variant(args, 'fp32', 'infer')
    for r in (train, bf16, infer):
        assert r['total'] == sum(r['by_name'].values()) > 0
        assert r['total'] == r['kernels'] + r['views'] + r['allocations']
        assert r['backward_counted']
    # a step = G and D forwards, their backwards and two optimizer steps
    assert train['by_name']['aten.convolution_backward.default'] > 0
    assert train['total'] > 3 * infer['total']
    # autocast adds casts, not convolutions
    assert bf16['casts'] > train['casts'] + 20
    conv = 'aten.convolution.default'
    assert bf16['by_name'][conv] == train['by_name'][conv]
    assert bf16['casts_by_module']['Conv2d'] > 0
    # counting is deterministic
    assert tool.count_variant(args, 'fp32', 'infer')['by_name'] == \
        infer['by_name']


def test_fake_cuda_uses_cuda_autocast_policy_without_backward():
    tool = load_tool()
    args = _args(tool, '--device', 'fake-cuda')
    fp32 = tool.count_variant(args, 'fp32', 'infer')
    bf16 = tool.count_variant(args, 'bf16', 'infer')
    assert fp32['device'] == 'fake-cuda' and bf16['casts'] > fp32['casts']
    # spectral norm's W / sigma is computed outside autocast: a spectral
    # norm conv casts W / sigma, its bias and at most its input (one
    # sigma = dot per spectral-norm conv forward); torch's hook would also
    # cast W and the vectors for every mv and sigma back for the division
    n_sn = bf16['by_name']['aten.dot.default']
    assert n_sn > 0
    assert bf16['casts_by_module']['Conv2d[sn]'] <= 3 * n_sn
    train = tool.count_variant(args, 'bf16', 'train')
    assert not train['backward_counted']
    assert 'aten.convolution_backward.default' not in train['by_name']


def test_parse_errors_and_json(tmp_path, capsys):
    tool = load_tool()
    for bad in (['--variant', 'compile'], ['--variant', 'fp64'],
                ['--size', '32']):
        with pytest.raises(SystemExit):
            tool.parse_args([CFG, *bad])
    out = tmp_path / 'ops.json'
    results = tool.main([CFG, '--size', '32x64', '--mode', 'infer',
                         '--device', 'cpu', '--variant', 'fp32',
                         '--variant', 'bf16', '--top', '5',
                         '--out', str(out), '--cfg-options', *TINY])
    printed = capsys.readouterr().out
    assert 'one generator inference' in printed
    assert 'aten._to_copy.default' in printed  # the op bf16 adds
    saved = json.loads(out.read_text())
    assert [r['variant'] for r in saved['results']] == ['fp32', 'bf16']
    assert saved['results'][1]['casts'] == results[1]['casts']
    assert not list(tmp_path.glob('*.tmp'))


def test_a_failing_variant_is_reported_and_the_others_counted(
        tmp_path, capsys, monkeypatch):
    tool = load_tool()

    def count(args, spec, mode):
        if spec == 'bf16':
            raise RuntimeError('reads a tensor value on the host')
        return dict(variant=spec, mode=mode, device='cpu',
                    backward_counted=True, batch_size=1, size=[8, 8],
                    seconds=0.0, total=3, views=1, allocations=0,
                    kernels=2, casts=0,
                    by_name={'aten.add.Tensor': 2, 'aten.view.default': 1},
                    by_module={'-': 3}, casts_by_module={})

    monkeypatch.setattr(tool, 'count_variant', count)
    out = tmp_path / 'ops.json'
    tool.main([CFG, '--mode', 'infer', '--device', 'fake-cuda',
               '--variant', 'fp32', '--variant', 'bf16', '--out', str(out)])
    printed = capsys.readouterr().out
    assert 'infer bf16: FAILED: RuntimeError: reads a tensor value' in printed
    assert 'count this one with --device cpu' in printed
    saved = json.loads(out.read_text())['results']
    assert saved[0]['total'] == 3 and 'error' in saved[1]
