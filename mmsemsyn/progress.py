"""Progress bars for the long loops of the tools (test, inference, dataset
conversion, feature clustering), with mmengine's ``ProgressBar``."""
import os
import sys
from typing import Iterable, Iterator, Optional, TypeVar

T = TypeVar('T')


def progress_enabled(flag: Optional[bool] = None) -> bool:
    """Whether to draw a bar: ``flag`` when given; else the environment
    variable ``MMSEMSYN_PROGRESS`` (``0`` off, ``1`` on); else only when
    stderr is a terminal, so CI logs and redirected output stay clean."""
    if flag is not None:
        return bool(flag)
    env = os.environ.get('MMSEMSYN_PROGRESS')
    if env is not None:
        return env.strip() not in ('', '0', 'false', 'False')
    return sys.stderr.isatty()


class Progress:
    """A bar of ``total`` steps on stderr (mmengine's ``ProgressBar``:
    count, rate, elapsed and remaining time), or nothing when disabled."""

    def __init__(self, total: int, enabled: Optional[bool] = None):
        self.bar = None
        if progress_enabled(enabled) and total > 0:
            from mmengine.utils import ProgressBar
            self.bar = ProgressBar(total, file=sys.stderr)

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.file.write('\n')
            self.bar.file.flush()
            self.bar = None


def track(iterable: Iterable[T], total: Optional[int] = None,
          enabled: Optional[bool] = None) -> Iterator[T]:
    """Iterate ``iterable`` with a bar of ``total`` (default ``len``)."""
    if total is None:
        total = len(iterable)  # type: ignore[arg-type]
    bar = Progress(total, enabled)
    try:
        for item in iterable:
            yield item
            bar.update()
    finally:
        bar.close()
