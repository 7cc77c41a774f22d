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


# File-name suffixes that say what a file *is* (its role) rather than which
# sample it belongs to: Cityscapes, pix2pix/pix2pixHD/SPADE result folders,
# and common label / instance / photo naming.
ROLE_SUFFIXES = ('_gtFine_labelIds', '_gtFine_labelTrainIds', '_gtFine_color',
                 '_gtFine_instanceIds', '_leftImg8bit', '_synthesized_image',
                 '_input_label', '_real_image', '_labelIds', '_instanceIds',
                 '_label', '_labels', '_seg', '_segmentation', '_mask',
                 '_inst', '_instance', '_img', '_image', '_photo', '_real',
                 '_fake')


def sample_stem(path: str) -> str:
    """The sample's name in ``path``: the file stem without a role suffix
    (``frankfurt_000000_000294_gtFine_labelIds.png`` ->
    ``frankfurt_000000_000294``, ``00000_label.png`` -> ``00000``), so the
    outputs of one sample share a name and the role is the folder
    (``fake/00000.png``, ``real/00000.png``, ``label/00000.png``). A stem
    that is nothing but a role suffix is kept whole."""
    import os.path as osp
    stem = osp.splitext(osp.basename(str(path)))[0]
    for suffix in ROLE_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[:-len(suffix)]
    return stem


class explain_missing_scope:
    """Context manager around code that builds registered components (e.g.
    a dataset's ``pipeline``): a registry ``KeyError`` raised while no
    ``mmsemsyn`` default scope is set gets a message that says so and how to
    fix it, instead of mmengine's generic "X is not in the mmengine::...
    registry" (which is what a dataset class used directly from Python
    raises before ``init_default_scope``).

    Args:
        user: what was being built, named in the message (a class name).
    """

    def __init__(self, user: str):
        self.user = user

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not KeyError or 'registry' not in str(exc):
            return False
        from mmengine.registry import DefaultScope
        scope = DefaultScope.get_current_instance()
        if scope is not None and scope.scope_name == 'mmsemsyn':
            return False  # a genuinely unknown type: mmengine's message
        current = 'no default scope is set' if scope is None else \
            f'the default scope is {scope.scope_name!r}'
        raise KeyError(
            f'{self.user}: {exc.args[0] if exc.args else exc} -- {current}, '
            'so mmengine looks for mmsemsyn components (LoadLabelMap, '
            'PackSynInputs, ...) in its own registry. Before building '
            'mmsemsyn classes from Python, call '
            '`from mmsemsyn.utils import register_all_modules; '
            'register_all_modules()` (or '
            "`mmengine.registry.init_default_scope('mmsemsyn')`).") from exc
