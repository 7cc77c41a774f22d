"""Interactive editor: paint a label map in the browser, see the photo.

    python tools/editor.py CONFIG CHECKPOINT [--port 7860] [--device cpu] \
        [--host 127.0.0.1] [--cfg-options k=v ...]

Starts a local web server (FastAPI + uvicorn; ``pip install -e
".[editor]"``) and prints its address. The page paints with the dataset's
classes (names and palette colours from the dataset metainfo), loads a
label map file, a test sample or a blank canvas of the config's size,
undoes, and shows the generated photo after each stroke; per-method
controls appear when the model supports them (diversity noise sliders,
SPADE-VAE style photo / random z, pix2pixHD K-means instance styles,
instance painting). Every generation goes through
:class:`mmsemsyn.apis.SynthesisInferencer`, as ``tools/infer.py``. A
checkpoint that does not fit the config stops here, before the server
starts, with the inferencer's message. Arguments are parsed before torch
loads.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Paint a label map in the browser and see the photo')
    parser.add_argument('config', help='the model config file')
    parser.add_argument('checkpoint', help='the trained checkpoint (.pth)')
    parser.add_argument('--port', type=int, default=7860,
                        help='port of the local web server (default 7860)')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (default: this machine '
                        'only; 0.0.0.0 serves the network)')
    parser.add_argument(
        '--device', default=None,
        help='e.g. cpu, cuda:0 (default: cuda when available, else cpu)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. '
        'model.encoder.cluster_file=work_dirs/x/clusters.npz')
    return parser.parse_args(argv)


def build_session(args):
    """The editor session of ``args``; SystemExit with the reason when the
    config, the checkpoint or the editor extra is missing or mismatched."""
    from mmsemsyn.apis import SynthesisInferencer
    from mmsemsyn.apis.editor import EditorSession
    from mmsemsyn.engine.launch import load_config
    if not osp.isfile(args.config):
        raise SystemExit(f'Config file not found: {args.config!r}')
    cfg = load_config(args.config, args.cfg_options)
    try:
        inferencer = SynthesisInferencer(cfg, args.checkpoint,
                                         device=args.device, verbose=False)
        return EditorSession(inferencer)
    except (FileNotFoundError, ValueError) as err:
        # The inferencer's checkpoint check names the mismatching keys.
        raise SystemExit(f'[editor] cannot start: {err}') from None


def main(argv=None):
    args = parse_args(argv)
    try:
        import uvicorn
    except ImportError:
        raise SystemExit('The editor needs uvicorn and FastAPI: pip install '
                         '-e ".[editor]"') from None
    from mmsemsyn.apis.editor import make_app
    session = build_session(args)
    app = make_app(session)
    host = 'localhost' if args.host in ('127.0.0.1', '0.0.0.0') else \
        args.host
    print(f'[editor] {args.config} ({session.num_classes} classes, canvas '
          f'{session.canvas_size[0]}x{session.canvas_size[1]}) at '
          f'http://{host}:{args.port}/', flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level='warning')


if __name__ == '__main__':
    main()
