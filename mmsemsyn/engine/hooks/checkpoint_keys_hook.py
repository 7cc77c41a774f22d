"""Checkpoints whose keys do not depend on how the run was launched."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmsemsyn.registry import HOOKS


def wrapped_submodules(runner) -> list:
    """Names of the model's direct children wrapped in DDP (the default
    ``MMSeparateDistributedDataParallel`` wraps each trainable network)."""
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    return [name for name, sub in model.named_children()
            if is_model_wrapper(sub)]


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
        if not state:
            return
        for name in wrapped_submodules(runner):
            inner = f'{name}.module.'
            for key in [k for k in state if k.startswith(inner)]:
                state[f'{name}.' + key[len(inner):]] = state.pop(key)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # mmengine's loader unwraps wrapped children itself and expects
        # plain keys; files written by a distributed run without this hook
        # carry the infix, so remove it here.
        state = checkpoint.get('state_dict')
        if not state:
            return
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        children = dict(model.named_children())
        for key in [k for k in state if '.module.' in k]:
            name = key.split('.', 1)[0]
            child = children.get(name)
            if child is None or (not is_model_wrapper(child) and
                                 hasattr(child, 'module')):
                continue
            state[key.replace(f'{name}.module.', f'{name}.', 1)] = \
                state.pop(key)
