"""High-level APIs (inferencer); modules register themselves on import."""
from mmsemsyn.utils import import_submodules

import_submodules(__name__)

from .inferencer import SynthesisInferencer  # noqa: E402

__all__ = ['SynthesisInferencer']
