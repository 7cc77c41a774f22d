"""Checkpoints whose keys do not depend on how the run was launched."""
from mmengine.hooks import Hook

from mmsemsyn.engine.checkpoint import revise_keys_for, revise_state_dict
from mmsemsyn.registry import HOOKS


@HOOKS.register_module()
class PlainCheckpointKeysHook(Hook):
    """Save ``generator.conv.weight``, never ``generator.module.conv.weight``.

    mmengine unwraps only the outer model wrapper when saving, so a
    distributed run would write every network's keys with the inner DDP's
    ``module.`` infix, and a single-process ``load_from``/``--resume``/test
    of that file would silently load nothing (mmengine loads non-strictly).
    (mmengine's loader itself expects the plain keys: it unwraps wrapped
    children.) This hook removes the infix when saving, and from older
    files when loading, so files from any launcher load everywhere.
    """

    priority = 'VERY_HIGH'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict')
        if state:
            revise_state_dict(state, revise_keys_for(runner.model),
                              inplace=True)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # mmengine's loader unwraps wrapped children itself and expects
        # plain keys; files written by a distributed run without this hook
        # carry the infix, so remove it here.
        state = checkpoint.get('state_dict')
        if state:
            revise_state_dict(state, revise_keys_for(runner.model),
                              inplace=True)
