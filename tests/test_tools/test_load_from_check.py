"""tools/train.py --load-from: a checkpoint that shares no generator weight
with the config's model (another method's) stops with a clear error instead
of silently training from random weights; partial loads (CRN's next
resolution stage) and DDP-infixed files still pass."""
import pytest
import torch
import torch.nn as nn

from mmsemsyn.engine.checkpoint import check_load_from
from mmsemsyn.models.generators.crn import CRNGenerator
from mmsemsyn.models.generators.denoising_gan import DenoisingGANGenerator


class Holder(nn.Module):
    """Stands for a synthesizer: the check reads only ``.generator``."""

    def __init__(self, generator):
        super().__init__()
        self.generator = generator


def save(tmp_path, model, name, infix=''):
    state = {k.replace('generator.', f'generator.{infix}', 1): v
             for k, v in model.state_dict().items()}
    path = str(tmp_path / name)
    torch.save(dict(state_dict=state, meta=dict()), path)
    return path


def test_same_model_loads_every_generator_tensor(tmp_path):
    model = Holder(DenoisingGANGenerator(4, ngf=4, n_blocks=1))
    path = save(tmp_path, model, 'same.pth')
    assert check_load_from(model, path, 'cfg.py') == len(
        model.generator.state_dict())
    # a distributed run's file (DDP 'module.' infix) is the same weights
    ddp = save(tmp_path, model, 'ddp.pth', infix='module.')
    assert check_load_from(model, ddp, 'cfg.py') == len(
        model.generator.state_dict())


def test_checkpoint_of_another_method_is_refused(tmp_path):
    crn = Holder(CRNGenerator(4, channels=(8, 8), num_outputs=1))
    path = save(tmp_path, crn, 'crn.pth')
    model = Holder(DenoisingGANGenerator(4, ngf=4, n_blocks=1))
    with pytest.raises(ValueError, match='crn.pth.*shares no generator '
                       r'weight.*my_config\.py.*DenoisingGANGenerator'):
        check_load_from(model, path, 'my_config.py')


def test_next_crn_stage_loads_the_shared_modules(tmp_path):
    # 256p -> 512p in small: the lower modules load, the new module and the
    # (n = 3 -> n = 1) output conv start fresh.
    low = Holder(CRNGenerator(4, channels=(8, 8), num_outputs=3))
    path = save(tmp_path, low, 'low.pth')
    high = Holder(CRNGenerator(4, channels=(8, 8, 8), num_outputs=1))
    shared = len(low.generator.refinement_modules.state_dict())
    assert check_load_from(high, path, 'crn_512p.py') == shared
