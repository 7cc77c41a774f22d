"""``package::path`` config references (OpenMMLab's ``mim`` convention)
for mmsemsyn's own configs and for mmseg's.

A config of another project can start from one of ours::

    _base_ = ['mmsemsyn::spade/spade_cityscapes.py']

and ``mmengine.hub.get_config('mmsemsyn::spade/spade_cityscapes.py')``
returns it; mmseg's model-zoo configs are read the same way
(``mmseg::deeplabv3plus/...``). mmengine resolves these through the
package's ``.mim`` folder: ``mmsemsyn/.mim/configs`` and
``mmsemsyn/.mim/model-index.yml`` link to the repository's ``configs/``
and ``model-index.yml`` (and are package data in a wheel).

Two things mmengine 0.10 needs that this stack does not give it, applied
by ``import mmsemsyn``:

- its table of known packages (``MODULE2PACKAGE``) lacks mmsemsyn;
- it finds a package's folder with ``pkg_resources``, which recent
  setuptools no longer ships (``ModuleNotFoundError: pkg_resources``),
  and which for editable installs points at site-packages rather than
  the source tree. The lookup is replaced by ``importlib``'s module spec
  -- the fallback mmengine itself uses for packages on ``PYTHONPATH``.
"""
import importlib.util
import os.path as osp

PACKAGE = 'mmsemsyn'


def _module_name(package: str) -> str:
    from mmengine.config.utils import MODULE2PACKAGE
    inverse = {pkg: mod for mod, pkg in MODULE2PACKAGE.items()}
    return inverse.get(package, package)


def is_installed(package: str) -> bool:
    """Whether ``package`` (distribution or module name) is importable."""
    try:
        spec = importlib.util.find_spec(_module_name(package))
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin is not None


def get_installed_path(package: str) -> str:
    """The folder of an installed package (``mmsegmentation`` ->
    ``.../site-packages/mmseg``; mmsemsyn -> its source tree for an
    editable install)."""
    module = _module_name(package)
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            f'{package} is not installed (no module {module!r}); install it '
            f'to use "{module}::" config references.')
    return osp.dirname(spec.origin)


def apply() -> None:
    """Register mmsemsyn with mmengine's config resolution (idempotent)."""
    import mmengine.config.config as config_mod
    import mmengine.hub.hub as hub_mod
    import mmengine.utils.package_utils as package_utils
    from mmengine.config.utils import MODULE2PACKAGE, PKG2PROJECT
    MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)
    PKG2PROJECT.setdefault(PACKAGE, PACKAGE)
    for module in (config_mod, hub_mod, package_utils):
        if hasattr(module, 'get_installed_path'):
            module.get_installed_path = get_installed_path
        if hasattr(module, 'is_installed'):
            module.is_installed = is_installed
