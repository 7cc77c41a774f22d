"""Models register themselves on import; every file below is imported."""
from mmsemsyn.utils import import_submodules

import_submodules(__name__)
