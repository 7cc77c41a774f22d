from mmsemsyn.utils import import_submodules

import_submodules(__name__)
