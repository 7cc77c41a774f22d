"""mmsemsyn.engine.checkpoint: one key revision, the strict fit check and
the loader every checkpoint read goes through."""
import re
import types

import pytest
import torch
import torch.nn as nn

from mmsemsyn.engine.checkpoint import (
    TRAINING_ONLY,
    CheckpointFitHook,
    check_checkpoint_fit,
    load_model_checkpoint,
    revise_keys_for,
    revise_state_dict,
)


class Synth(nn.Module):
    """Stands for a synthesizer: a generator and a discriminator."""

    def __init__(self, width=4, classes=3, with_d=True):
        super().__init__()
        self.generator = nn.Sequential(nn.Conv2d(classes, width, 3),
                                       nn.BatchNorm2d(width))
        self.discriminator = nn.Conv2d(3, 2, 3) if with_d else None


class HasModuleChild(nn.Module):
    """A network with a genuine submodule called ``module`` (no wrapper)."""

    def __init__(self):
        super().__init__()
        self.module = nn.Linear(2, 2)


def test_revise_keys_remove_ddp_infixes_only():
    model = Synth()
    model.encoder = HasModuleChild()
    keys = revise_keys_for(model)
    state = {'module.generator.0.weight': 1,
             'generator.module.1.bias': 2,
             'discriminator.module.weight': 3,
             'encoder.module.weight': 4}
    assert revise_state_dict(state, keys) == {
        'generator.0.weight': 1, 'generator.1.bias': 2,
        'discriminator.weight': 3,
        'encoder.module.weight': 4}  # a real submodule keeps its name
    # In place (the Runner's checkpoint dict keeps its identity).
    same = dict(state)
    assert revise_state_dict(same, keys, inplace=True) is same
    assert set(same) == {'generator.0.weight', 'generator.1.bias',
                         'discriminator.weight', 'encoder.module.weight'}
    # They are mmengine revise_keys: (regex, replacement) pairs.
    assert all(isinstance(re.compile(p), re.Pattern) for p, _ in keys)


def _save(tmp_path, model, name, infix=''):
    state = {k.replace('generator.', f'generator.{infix}', 1): v
             for k, v in model.state_dict().items()}
    path = str(tmp_path / name)
    torch.save(dict(state_dict=state, meta=dict(seed=0)), path)
    return path


def test_loads_exactly_and_reads_ddp_files(tmp_path):
    torch.manual_seed(0)
    trained = Synth()
    fresh = Synth()
    path = _save(tmp_path, trained, 'ddp.pth', infix='module.')
    ckpt = load_model_checkpoint(fresh, path, 'cfg.py')
    assert ckpt['meta'] == dict(seed=0)
    for key, value in trained.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key


def test_checkpoint_of_another_model_is_refused_with_the_keys(tmp_path):
    torch.manual_seed(0)
    path = _save(tmp_path, Synth(width=8), 'wider.pth')
    model = Synth(width=4)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError) as err:
        load_model_checkpoint(model, path, 'configs/x/mine.py')
    msg = str(err.value)
    assert "Checkpoint '" in msg and 'wider.pth' in msg
    assert "'configs/x/mine.py'" in msg and '(Synth)' in msg
    assert 'generator.0.weight: checkpoint (8, 3, 3, 3) vs model ' \
        '(4, 3, 3, 3)' in msg
    assert 'Use the config the checkpoint was trained with' in msg
    assert 'official_to_mmsemsyn.py' in msg
    # Nothing was loaded: the check runs before mmengine's loader.
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    # Keys of another architecture: missing and unexpected, both named.
    other = nn.Module()
    other.generator = nn.Linear(3, 3)
    path = _save(tmp_path, other, 'linear.pth')
    with pytest.raises(ValueError, match=r'missing in checkpoint \(e\.g\. '
                       r'discriminator\.bias, discriminator\.weight, '
                       r'generator\.0\.bias\).*not in model \(e\.g\. '
                       r'generator\.bias, generator\.weight\)'):
        load_model_checkpoint(Synth(), path, 'mine.py')


def test_training_only_networks_are_skipped_or_dropped(tmp_path):
    full = Synth()
    g_only = {k: v for k, v in full.state_dict().items()
              if k.startswith('generator.')}
    # tools/test.py: D is built but not needed.
    with pytest.raises(ValueError, match='missing in checkpoint'):
        check_checkpoint_fit(full, g_only, 'g.pth')
    check_checkpoint_fit(full, g_only, 'g.pth', skip=TRAINING_ONLY)
    # The inferencer: built without D, the file's D entries are ignored.
    fitted = check_checkpoint_fit(Synth(with_d=False), full.state_dict(),
                                  'full.pth')
    assert set(fitted) == set(g_only)


def test_fit_hook_checks_the_checkpoint_the_runner_read():
    model = Synth()
    runner = types.SimpleNamespace(model=model, _load_from='run/iter_4.pth')
    bad = dict(state_dict={'generator.0.weight': torch.zeros(8, 3, 3, 3)})
    with pytest.raises(ValueError, match=r"'run/iter_4\.pth' does not match "
                       r"the model of config 'cfg\.py'"):
        CheckpointFitHook('cfg.py').after_load_checkpoint(runner, bad)
    good = dict(state_dict={k: v for k, v in model.state_dict().items()
                            if k.startswith('generator.')})
    CheckpointFitHook('cfg.py').after_load_checkpoint(runner, good)
    # partial=True: tools/train.py --load-from (a part must load).
    foreign = dict(state_dict={'generator.9.weight': torch.zeros(1)})
    with pytest.raises(ValueError, match='shares no generator weight'):
        CheckpointFitHook('cfg.py', partial=True).after_load_checkpoint(
            runner, foreign)
    CheckpointFitHook('cfg.py', partial=True).after_load_checkpoint(
        runner, good)


def test_missing_file_says_what_to_give(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing\.pth'\. Give the "
                       r'\.pth file written by tools/train\.py'):
        load_model_checkpoint(Synth(), str(tmp_path / 'nothing.pth'))
