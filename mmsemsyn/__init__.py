"""mmsemsyn: the OpenMMLab toolbox for semantic image synthesis."""
from . import compat, fileio, mim
from .version import __version__

compat.apply()
# ``mmsemsyn::`` / ``mmseg::`` config references through mmengine.
mim.apply()
# mmengine reads checkpoints with the safe loader; atomic checkpoint writes.
fileio.install_safe_checkpoint_loader()

__all__ = ['__version__']
