"""Hooks, optimizer constructors and loops register themselves on import."""
from mmsemsyn.utils import import_submodules

import_submodules(__name__)
