"""Missing pretrained weights: an error that names the config key that
fixes *this* network.

A loader (VGG, Inception, segmenter, LPIPS, Places365 AlexNet) knows only
the argument it was given (``pretrained``, ``inception_path``,
``seg_checkpoint``, ...), not where its network sits in the config: a VGG
inside the Lab2Pix-V2 discriminator is set by ``model.discriminator.
vgg_pretrained``, a VGG loss by ``model.losses.vgg.pretrained``. So the
loader raises :class:`PretrainedWeightsError` with its argument, and each
level that knows more prefixes its part of the key:

- :func:`locate_pretrained` around the construction of a sub-network (the
  synthesizers wrap ``generator`` / ``discriminator`` / ``losses.<role>`` /
  ``segmenter`` with ``model.<name>``);
- :func:`locate_in_evaluators` for metrics (tools/train.py, tools/test.py):
  the metric entries of ``val_evaluator`` / ``test_evaluator`` that take the
  argument.
"""
from contextlib import contextmanager
from typing import List, Optional

__all__ = ['PretrainedWeightsError', 'locate_pretrained', 'owner_argument',
           'locate_in_evaluators']


class PretrainedWeightsError(RuntimeError):
    """Pretrained weights could not be fetched.

    Args:
        what: the weights (e.g. ``'torchvision vgg16 ImageNet weights
            (https://...)'``).
        reason: why (the download error).
        arg: the owner's argument that takes a local file instead.
        example: an example local file name.
        key: the full config key, once known (``model.discriminator.
            vgg_pretrained``).
        guess: the usual key where the exact one cannot be known here (a
            metric's place in its evaluator list); replaced by
            :func:`locate_in_evaluators`.
    """

    def __init__(self, what: str, reason: str, arg: str,
                 example: str = '/path/to/weights.pth',
                 key: Optional[str] = None, keys: Optional[List[str]] = None,
                 guess: Optional[str] = None):
        self.what, self.reason, self.arg = what, reason, arg
        self.example = example
        self.keys = list(keys or ([key] if key else []))
        self.guess = guess
        super().__init__(self._message())

    @property
    def key(self) -> Optional[str]:
        return self.keys[0] if self.keys else None

    def _message(self) -> str:
        head = f'Could not get the {self.what} ({self.reason}).'
        if not self.keys and self.guess:
            return (f'{head} Download the file and pass its local path as '
                    f'{self.arg}, e.g. --cfg-options '
                    f'"{self.guess}={self.example}" (the index is the '
                    "metric's position in the evaluator list).")
        if not self.keys:
            return (f'{head} Download the file and pass its local path as '
                    f'{self.arg}=... of the network that loads it.')
        options = ' '.join(f'"{k}={self.example}"' for k in self.keys)
        return (f'{head} Download the file and set '
                f'{" / ".join(self.keys)} to its local path, e.g. '
                f'--cfg-options {options}')

    def _with(self, **changes) -> 'PretrainedWeightsError':
        """A new error with some fields changed (exceptions do not
        ``copy.copy`` with extra constructor arguments)."""
        fields = dict(what=self.what, reason=self.reason, arg=self.arg,
                      example=self.example, keys=self.keys, guess=self.guess)
        fields.update(changes)
        return PretrainedWeightsError(**fields)

    def located(self, prefix: str) -> 'PretrainedWeightsError':
        """A copy one level up: key ``<prefix>.<arg>``, or ``<prefix>.``
        before the key found so far (a network inside a network)."""
        keys = [f'{prefix}.{k}' for k in self.keys] or \
            [f'{prefix}.{self.arg}']
        return self._with(keys=keys)

    def __str__(self) -> str:
        return self._message()


@contextmanager
def locate_pretrained(prefix: str):
    """Re-raise a :class:`PretrainedWeightsError` of the code inside with
    the config key ``<prefix>.<arg>``."""
    try:
        yield
    except PretrainedWeightsError as err:
        raise err.located(prefix) from err.__cause__


@contextmanager
def owner_argument(arg: str):
    """Inside a network that passes its own argument ``arg`` (e.g.
    ``vgg_pretrained``) to a loader as another name (``pretrained``):
    errors name ``arg``."""
    try:
        yield
    except PretrainedWeightsError as err:
        if err.keys:
            raise
        raise err._with(arg=arg) from err.__cause__


def locate_in_evaluators(err: PretrainedWeightsError, cfg
                         ) -> PretrainedWeightsError:
    """``err`` with the keys of the evaluator metrics (``val_evaluator`` /
    ``test_evaluator`` entries of ``cfg``) that take its argument."""
    if err.keys:
        return err
    from mmsemsyn.config_check import _init_arguments, _resolve_type
    # 'seg_checkpoint.encoder': the metric's argument is seg_checkpoint.
    base = err.arg.split('.')[0]
    keys = []
    for name in ('val_evaluator', 'test_evaluator'):
        evaluator = cfg.get(name)
        if isinstance(evaluator, dict):
            evaluator = evaluator.get('metrics', [evaluator])
            prefix = f'{name}.metrics' if 'metrics' in cfg.get(name) \
                else name
            single = 'metrics' not in cfg.get(name)
        else:
            prefix, single = name, False
        for i, metric in enumerate(evaluator or []):
            if not isinstance(metric, dict):
                continue
            cls = _resolve_type(metric.get('type'), [name])
            args = _init_arguments(cls) if cls is not None else None
            if base in metric or (args and base in args):
                keys.append(f'{prefix}.{err.arg}' if single else
                            f'{prefix}.{i}.{err.arg}')
    return err._with(keys=keys) if keys else err
