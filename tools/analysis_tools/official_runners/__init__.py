"""The official code of a method as a ``benchmark.py`` variant (``official``).

``python tools/analysis_tools/benchmark.py CONFIG --variant official
--variant fp32 --official-root DIR`` times the official implementation's
training step (or generator inference) next to ours, in its own process,
with the same synthetic batch, widths, batch size and ``--size``. Nothing of
the official code is copied into this repository: ``DIR`` is a checkout of
it (its top-level packages ``models/``, ``options/``, ``util/``, ...), put
first on ``sys.path`` of that one worker process.

The config decides the method: ``cfg.model.type`` -> adapter module
(:data:`ADAPTERS`).

Adapter interface (every module in :data:`ADAPTERS` provides both)::

    official_argv(cfg, args) -> List[str]
    build(root: str, cfg: mmengine.Config, args: argparse.Namespace,
          device: str) -> OfficialRun

- ``official_argv`` is a pure function (no official code needed, so it is
  unit-tested): our config (generator/discriminator widths, ``num_D``,
  ``n_layers_D``, ``label_nc`` incl. dontcare/instance channels,
  ``use_vae``, norm types, loss weights, lr/betas) plus the benchmark
  arguments (``args.hw`` = (H, W) of ``--size``, ``args.batch_size``,
  ``args.device``, ``args.mode``) -> the official ``train.py`` command line
  without the program name. Settings the official options cannot express
  raise ``ValueError`` naming the config key.
- ``build`` parses that argv with the official option parser (so every
  official default applies; the parser reads ``sys.argv``), builds the
  official model(s) and optimisers on random weights (nothing downloaded:
  VGG random), converts ``benchmark.py``'s ``_batch`` (the same label /
  instance / image tensors our variants get) to the official data dict and
  returns an :class:`OfficialRun`:

  - ``step``: one training iteration exactly as the official ``train.py``
    does it per iteration (e.g. SPADE: ``Pix2PixTrainer.
    run_generator_one_step`` + ``run_discriminator_one_step``; pix2pixHD:
    the model forward + the G and D backward / optimizer steps of its
    ``train.py``) -- or, with ``args.mode == 'infer'``, one generator
    forward in eval mode under ``torch.no_grad()`` as the official
    ``test.py``;
  - ``modules``: the official networks, for the FLOP pass (run eagerly
    under ``torch.utils.flop_counter.FlopCounterMode``);
  - ``num_params``: parameter counts per network, keys ``G``, ``D``, ``E``
    (``<key>_trainable`` where frozen parameters exist), compared with ours
    in the table.

  ``build`` raises ``FileNotFoundError`` naming ``root`` and the missing
  file when ``root`` is not that method's official code.

``benchmark.py`` calls :func:`build_official`; the official code runs on the
CPU through the adapters' CPU shims (the official code calls ``.cuda()``
unconditionally), listed in each adapter's docstring.
"""
import importlib
from dataclasses import dataclass, field
from typing import Callable, Dict, List

# cfg.model.type -> adapter module of this package
ADAPTERS = {
    'SPADEGAN': 'spade',
    'Pix2PixHD': 'pix2pixhd',
    'LGGAN': 'lggan',
    'Lab2PixV2': 'lab2pix_v2',
}


@dataclass
class OfficialRun:
    """What an adapter's ``build`` returns (see the module docstring)."""
    step: Callable[[], None]
    modules: List = field(default_factory=list)
    num_params: Dict[str, int] = field(default_factory=dict)


def adapter_for(model_type: str):
    """The adapter module for ``cfg.model.type``.

    Raises:
        ValueError: no adapter for that model type (names the known ones).
    """
    name = ADAPTERS.get(model_type)
    if name is None:
        raise ValueError(
            f'no official-code adapter for model type {model_type!r}; the '
            f'"official" variant knows {sorted(ADAPTERS)}')
    return importlib.import_module(f'{__name__}.{name}')


def build_official(root: str, cfg, args, device: str) -> OfficialRun:
    """Dispatch on ``cfg.model.type`` and build the official run."""
    return adapter_for(cfg.model.type).build(root, cfg, args, device)
