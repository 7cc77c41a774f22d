"""Small helpers shared across the package."""
import importlib
import pkgutil


def import_submodules(package_name: str) -> None:
    """Import every module below ``package_name`` so that it registers.

    Each sub-package's ``__init__`` calls this, so adding a component means
    adding a file: no shared import list to edit.
    """
    package = importlib.import_module(package_name)
    for info in pkgutil.walk_packages(package.__path__, package_name + '.'):
        importlib.import_module(info.name)


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import all mmsemsyn components and optionally set the default scope."""
    for name in ('mmsemsyn.datasets', 'mmsemsyn.models',
                 'mmsemsyn.evaluation', 'mmsemsyn.engine',
                 'mmsemsyn.visualization', 'mmsemsyn.apis'):
        importlib.import_module(name)
    if init_default_scope:
        from mmengine.registry import DefaultScope
        if DefaultScope.get_current_instance() is None or \
                not DefaultScope.check_instance_created('mmsemsyn'):
            DefaultScope.get_instance('mmsemsyn', scope_name='mmsemsyn')
