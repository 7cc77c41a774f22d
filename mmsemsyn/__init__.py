"""mmsemsyn: the OpenMMLab toolbox for semantic image synthesis."""
from . import compat, fileio
from .version import __version__

compat.apply()
# mmengine reads checkpoints with the safe loader; atomic checkpoint writes.
fileio.install_safe_checkpoint_loader()

__all__ = ['__version__']
