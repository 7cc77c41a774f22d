"""Print a config fully resolved: ``python tools/misc/print_config.py CONFIG``.

The same command as mmseg's/mmagic's: every ``_base_`` (including
``mmsemsyn::`` and ``mmseg::`` references) merged and the
``--cfg-options`` applied, printed as Python. ``--save-path`` writes it
to a file (``.py``, ``.json`` or ``.yaml``) that loads as a config by
itself.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path (or pkg::path)')
    parser.add_argument('--save-path',
                        help='also write the resolved config there')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default=None,
        help='override settings, e.g. model.generator.ngf=32 (key=value)')
    return parser.parse_args(argv)


def main(argv=None) -> str:
    args = parse_args(argv)
    import mmsemsyn  # noqa: F401  (stack compat fixes)
    if '::' not in args.config and not osp.isfile(args.config):
        raise FileNotFoundError(f'Config file not found: {args.config!r}')
    if '::' in args.config:
        # A package reference (``mmsemsyn::spade/spade_cityscapes.py``):
        # Config.fromfile takes file paths only; mmengine's hub resolves
        # the reference to the installed package's file.
        from mmengine.hub import get_config
        cfg = get_config(args.config)
    else:
        cfg = Config.fromfile(args.config)
    if args.cfg_options:
        # A typo'd key stops here with the nearest valid names, as in
        # tools/train.py, instead of being merged and silently ignored.
        from mmsemsyn.engine.launch import check_cfg_options
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)
    text = cfg.pretty_text
    print(text)
    if args.save_path:
        folder = osp.dirname(osp.abspath(args.save_path))
        os.makedirs(folder, exist_ok=True)
        # The suffix picks the format; write aside, then rename (atomic).
        stem, ext = osp.splitext(args.save_path)
        tmp = f'{stem}.{os.getpid()}.tmp{ext}'
        cfg.dump(tmp)
        os.replace(tmp, args.save_path)
        print(f'saved to {args.save_path}', file=sys.stderr)
    return text


if __name__ == '__main__':
    main()
