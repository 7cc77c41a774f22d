"""mmsemsyn: the OpenMMLab toolbox for semantic image synthesis."""
from . import compat
from .version import __version__

compat.apply()

__all__ = ['__version__']
