"""mmengine's ``Runner`` with an honest environment banner and without the
stack's known-handled deprecation lines.

- mmengine's banner prints ``GPU number: <world size>``, so a CPU-only
  machine reads "GPU number: 1". :class:`SynthesisRunner` prints the
  device the run actually uses and the number of processes instead.
- mmengine's own ``CheckpointHook`` triggers two deprecation notices of
  mmengine itself ('"FileClient" will be deprecated', '"HardDiskBackend"
  is the alias of "LocalBackend"') in every run; nothing a user does can
  change them, so exactly those two log lines are dropped
  (:data:`KNOWN_LOG_LINES`). Everything else is logged as before.

``tools/train.py`` and ``tools/test.py`` build this runner; a config can
also select it with ``runner_type='SynthesisRunner'``.
"""
import logging
from collections import OrderedDict

from mmengine.runner import Runner
from mmengine.utils.dl_utils import collect_env

from mmsemsyn.registry import RUNNERS

# Log lines (message prefixes) of mmengine about mmengine's own internals.
KNOWN_LOG_LINES = (
    '"FileClient" will be deprecated in future.',
    '"HardDiskBackend" is the alias of "LocalBackend"',
)


class KnownStackLinesFilter(logging.Filter):
    """Drop exactly the :data:`KNOWN_LOG_LINES` records."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(message.startswith(line) for line in KNOWN_LOG_LINES)


def device_description() -> str:
    """'cuda (N x <name>)' when CUDA is available, else 'cpu (CUDA not
    available)'."""
    import torch
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        return f'cuda ({count} x {torch.cuda.get_device_name(0)})'
    return 'cpu (CUDA not available)'


@RUNNERS.register_module()
class SynthesisRunner(Runner):
    """``Runner`` whose banner names the device actually used (see the
    module docstring); everything else is mmengine's."""

    def build_logger(self, *args, **kwargs):
        logger = super().build_logger(*args, **kwargs)
        if not any(isinstance(f, KnownStackLinesFilter)
                   for f in logger.filters):
            logger.addFilter(KnownStackLinesFilter())
        return logger

    def _log_env(self, env_cfg: dict) -> None:
        env = collect_env()
        runtime_env = OrderedDict(env_cfg)
        runtime_env.update(self._randomness_cfg)
        runtime_env['seed'] = self._seed
        runtime_env['Distributed launcher'] = self._launcher
        runtime_env['Distributed training'] = self._distributed
        # mmengine prints the world size as "GPU number", also on a CPU.
        runtime_env['Device'] = device_description()
        runtime_env['Processes'] = self._world_size
        lines = '\n    '.join(f'{k}: {v}' for k, v in env.items())
        runtime = '\n    '.join(f'{k}: {v}' for k, v in runtime_env.items())
        dash = '-' * 60
        self.logger.info(f'\n{dash}\nSystem environment:\n    {lines}\n\n'
                         f'Runtime environment:\n    {runtime}\n{dash}\n')
        if self.cfg._cfg_dict:
            self.logger.info(f'Config:\n{self.cfg.pretty_text}')
