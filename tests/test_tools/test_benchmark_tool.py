"""tools/analysis_tools/benchmark.py: one variant measured in-process (train
and infer), the FLOP count, variant parsing and the ratio table."""
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def load_tool():
    path = REPO / 'tools' / 'analysis_tools' / 'benchmark.py'
    spec = importlib.util.spec_from_file_location('benchmark_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TINY = ['model.generator.ngf=2', 'model.generator.spade_hidden=4',
        'model.discriminator.ndf=4',
        "model.losses.vgg.layers=['relu1_1']",
        'model.losses.vgg.layer_weights=[1.0]']


@pytest.fixture(autouse=True)
def keep_threads_and_log_level():
    """run_variant sets the thread count and the logger level of its
    (worker) process; give the test session its own back."""
    import torch
    from mmengine.logging import MMLogger
    threads = torch.get_num_threads()
    logger = MMLogger.get_current_instance()
    level = logger.level
    yield
    torch.set_num_threads(threads)
    logger.setLevel(level)


@pytest.mark.parametrize('mode', ['train', 'infer'])
def test_one_variant_reports_time_memory_and_flops(mode):
    tool = load_tool()
    args = tool.parse_args([
        str(REPO / 'configs/spade/spade_synthetic.py'), '--mode', mode,
        '--size', '32x64', '--batch-size', '2', '--iters', '2',
        '--warmup', '1', '--threads', '1', '--cfg-options', *TINY])
    assert args.variant == ['fp32'] and args.hw == (32, 64)
    r = tool.run_variant(args, 'fp32')
    assert r['mode'] == mode and r['size'] == [32, 64]
    assert len(r['times_s']) == 2 and r['median_s'] > 0
    assert r['images_per_s'] == pytest.approx(2 / r['median_s'])
    assert r['peak_bytes'] > 0 and r['flops_per_step'] > 0
    if mode == 'train':
        # a train step counts forward + backward: more than one G forward
        infer = tool.run_variant(tool.parse_args([
            str(REPO / 'configs/spade/spade_synthetic.py'), '--mode',
            'infer', '--size', '32x64', '--batch-size', '2', '--iters', '1',
            '--warmup', '0', '--cfg-options', *TINY]), 'fp32')
        assert r['flops_per_step'] > 3 * infer['flops_per_step']


def test_variants_and_table():
    tool = load_tool()
    cfg = str(REPO / 'configs/spade/spade_synthetic.py')
    args = tool.parse_args([cfg, '--amp', 'bf16', '--compile',
                            '--channels-last'])
    assert args.variant == ['bf16+compile+cl']
    with pytest.raises(SystemExit):
        tool.parse_args([cfg, '--variant', 'fp64'])
    with pytest.raises(SystemExit):  # "before" needs a baseline tree
        tool.parse_args([cfg, '--variant', 'before'])
    with pytest.raises(SystemExit):
        tool.parse_args([cfg, '--size', '256'])
    base = dict(variant='fp32', mode='train', batch_size=1, size=[8, 8],
                device_name='cpu', threads=1, peak_kind='peak RSS',
                median_s=2.0, cpu_median_s=1.0, iqr_s=0.1, min_s=1.9,
                max_s=2.1, images_per_s=0.5, peak_bytes=2**20,
                flops_per_step=2e9, tflops_per_s=1e-3)
    table = tool.format_table(
        [base, dict(base, variant='bf16', median_s=1.0, cpu_median_s=0.8),
         dict(variant='bf16+compile', error='exit code 1')], 10.0)
    lines = table.splitlines()
    assert lines[3].split()[-1] == '1.00x'
    assert lines[4].split()[-1] == '2.00x'  # wall clock by default
    assert 'FAILED' in lines[5]
    cpu = tool.format_table([base, dict(base, variant='bf16',
                                        cpu_median_s=0.5)], None, 'cpu')
    assert cpu.splitlines()[4].split()[-1] == '2.00x'


def test_set_size_gives_aspect_ratio_only_to_modules_that_take_it():
    """SPADE's VAE encoder takes crop_size (its depth) but no aspect_ratio;
    the generator takes both (its latent size)."""
    from mmsemsyn.registry import MODELS
    from mmsemsyn.utils import register_all_modules
    register_all_modules()
    tool = load_tool()
    cfg = dict(type='SPADEGAN',
               generator=dict(type='SPADEGenerator', crop_size=256),
               encoder=dict(type='SPADEVAEEncoder', crop_size=256))
    tool._set_size(cfg, 64, 128, MODELS)
    assert cfg['generator'] == dict(type='SPADEGenerator', crop_size=128,
                                    aspect_ratio=2.0)
    assert cfg['encoder'] == dict(type='SPADEVAEEncoder', crop_size=128)
    MODELS.build(cfg['encoder'])  # was a TypeError on aspect_ratio
