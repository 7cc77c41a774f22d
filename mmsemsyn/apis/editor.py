"""The interactive editor's server side: paint a label map, see the photo.

pix2pixHD's semantic manipulation (Wang et al., CVPR 2018, Fig. 1b-c, §4),
the diversity paper's per-class noise control (Yang et al., TIP 2019, §IV)
and SPADE's style images (Park et al., CVPR 2019, §3.3) as one local web
page. :class:`EditorSession` holds the model (through
:class:`~mmsemsyn.apis.SynthesisInferencer` -- the editor has no inference
path of its own) and turns the page's requests into inferencer calls;
:func:`make_app` wraps it in a FastAPI app serving the canvas page
(``editor_page.py``). ``tools/editor.py`` starts it.

Everything on the page works in the model's class ids (0..C-1, the order of
the dataset metainfo's ``classes``; the dontcare id where the dataset has
one). Painted maps reach the inferencer as arrays of those ids (its public
array input); uploaded and test-sample files are read by the config's
``LoadLabelMap`` through :meth:`SynthesisInferencer.read_maps`, exactly as
``tools/infer.py`` reads a file.

FastAPI is imported only by :func:`make_app` (``pip install -e .[editor]``):
``mmsemsyn.apis`` imports every submodule and must not need it.
"""
import base64
import copy
import os.path as osp
import tempfile
import threading
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
import torch

from mmsemsyn.datasets.image_reader import read_image

# Cityscapes' classes with instances (``hasInstances`` in cityscapesscripts'
# labels.py) and the synthetic scenes' instance classes: a stroke of one of
# these starts a new instance when the dataset metainfo names no
# ``thing_classes``.
DEFAULT_THING_NAMES = ('person', 'rider', 'car', 'truck', 'bus', 'caravan',
                       'trailer', 'train', 'motorcycle', 'bicycle',
                       'building', 'vegetation')
# Most test samples offered on the page (the list is rendered up front).
MAX_SAMPLES = 50


class EditorInputError(ValueError):
    """A bad upload or request: its message is shown on the page."""


def encode_png(array: np.ndarray) -> bytes:
    """(H, W) uint8/uint16 ids or (H, W, 3) uint8 RGB → PNG bytes."""
    if array.ndim == 3:
        array = np.ascontiguousarray(array[..., ::-1])  # cv2 writes BGR
    ok, buf = cv2.imencode('.png', array)
    if not ok:
        raise OSError('PNG encoding failed.')
    return buf.tobytes()


def _ids_dtype(max_id: int):
    return np.uint8 if max_id < 256 else np.uint16


class EditorSession:
    """One model behind the editor page (one user; calls are serialised).

    Args:
        inferencer: a built :class:`SynthesisInferencer` (its checkpoint
            check already passed).
        canvas_size: (h, w) of a blank canvas; None: the config's test size
            (:meth:`SynthesisInferencer.config_size`), else 256x256.
        seed: the random source of every generation (random z, random
            instance styles, dropout), fixed so a photo changes only with
            the map and the controls.

    Raises:
        ValueError: a config whose dataset metainfo has no ``classes`` or
            ``palette`` (the page needs names and colours).
    """

    def __init__(self, inferencer, canvas_size: Optional[Tuple[int,
                                                               int]] = None,
                 seed: int = 0):
        self.inferencer = inferencer
        self.model = inferencer.model
        meta = inferencer.metainfo
        pre = self.model.data_preprocessor
        self.num_classes = int(pre.num_classes)
        classes = list(meta.get('classes') or [])
        palette = [tuple(int(v) for v in c) for c in
                   (meta.get('palette') or [])]
        if len(classes) < self.num_classes or \
                len(palette) < self.num_classes:
            raise ValueError(
                f'The dataset metainfo of {inferencer.config_path!r} names '
                f'{len(classes)} classes and {len(palette)} palette colours '
                f'but the model has {self.num_classes} classes: set '
                'metainfo=dict(classes=..., palette=...) in the test '
                'dataset config.')
        self.classes = classes[:self.num_classes]
        self.palette = palette[:self.num_classes]
        self.dontcare = getattr(pre, 'dontcare_label', None)
        if self.dontcare is None:
            self.dontcare = meta.get('dontcare_label')
        things = meta.get('thing_classes')
        if things is None and getattr(pre, 'thing_instance', None) is not None:
            things = getattr(pre.thing_instance, 'thing_classes', None)
        if things is None:
            things = [c for c in self.classes if c in DEFAULT_THING_NAMES]
        self.thing_ids = sorted(
            self.classes.index(t) if isinstance(t, str) else int(t)
            for t in things if not isinstance(t, str) or t in self.classes)
        size = canvas_size or inferencer.config_size() or (256, 256)
        self.canvas_size = (int(size[0]), int(size[1]))
        self.seed = int(seed)
        self.style_image: Optional[np.ndarray] = None
        self.z_seed = self.seed
        self._lock = threading.Lock()
        self._tmp = tempfile.TemporaryDirectory(prefix='mmsemsyn_editor_')
        self.last_label: Optional[np.ndarray] = None
        self.last_photo: Optional[np.ndarray] = None
        self._samples = None
        self._sample_names: Optional[List[str]] = None

    # ---- what the page shows ----------------------------------------------
    @property
    def uses_instances(self) -> bool:
        """The model reads an instance map (edges or pix2pixHD styles)."""
        return bool(self.inferencer.needs_instances or self.has_styles)

    @property
    def has_class_noise(self) -> bool:
        """Diversity-loss models: a per-class noise channel n^c."""
        pre = self.model.data_preprocessor
        return getattr(pre, 'class_noise', None) is not None

    @property
    def has_styles(self) -> bool:
        """pix2pixHD with the instance-feature encoder and K-means
        centres: instance styles can be picked."""
        enc = getattr(self.model, 'encoder', None)
        return enc is not None and hasattr(enc, 'sample_features') and \
            bool(enc.has_clusters)

    @property
    def has_vae(self) -> bool:
        """SPADE with the VAE style encoder: z from a photo or random."""
        enc = getattr(self.model, 'encoder', None)
        return enc is not None and hasattr(self.model, 'encode_style')

    def style_counts(self) -> Dict[int, int]:
        """{class id: number of K-means centres} (pix2pixHD styles)."""
        if not self.has_styles:
            return {}
        counts = self.model.encoder.cluster_counts.tolist()
        return {c: int(n) for c, n in enumerate(counts) if n > 0}

    def page_config(self) -> dict:
        """What the page needs to draw its controls (JSON)."""
        return dict(
            classes=self.classes, palette=self.palette,
            dontcare=self.dontcare, thing_ids=self.thing_ids,
            height=self.canvas_size[0], width=self.canvas_size[1],
            config=osp.basename(self.inferencer.config_path),
            uses_instances=self.uses_instances,
            class_noise=self.has_class_noise, vae=self.has_vae,
            styles={str(k): v for k, v in self.style_counts().items()},
            samples=self.sample_names())

    # ---- test samples -----------------------------------------------------
    def _dataset(self):
        if self._samples is None:
            from mmengine.registry import DefaultScope

            from mmsemsyn.registry import DATASETS
            cfg = copy.deepcopy(self.inferencer.dataset_cfg)
            cfg['pipeline'] = []
            cfg['lazy_init'] = False
            try:
                with DefaultScope.overwrite_default_scope('mmsemsyn'):
                    self._samples = DATASETS.build(cfg)
            except Exception as err:  # noqa: BLE001
                # No data on this machine: the page says why.
                self._samples = err
        return self._samples

    def sample_names(self) -> List[str]:
        """Names of the test samples offered on the page (at most
        ``MAX_SAMPLES``); empty when the dataset cannot be read."""
        data = self._dataset()
        if isinstance(data, Exception):
            return []
        if self._sample_names is None:
            names = []
            for i in range(min(len(data), MAX_SAMPLES)):
                # The file list when kept; serialised datasets decode it.
                listed = getattr(data, 'data_list', None) or []
                info = listed[i] if i < len(listed) else \
                    data.get_data_info(i)
                path = info.get('label_path', f'sample {i}')
                names.append(f'{i}: {osp.basename(str(path))}')
            self._sample_names = names
        return self._sample_names

    def samples_error(self) -> Optional[str]:
        data = self._dataset()
        return None if not isinstance(data, Exception) else str(data)

    def load_sample(self, index: int) -> dict:
        """Test sample ``index`` as the page's label + instance map."""
        data = self._dataset()
        if isinstance(data, Exception):
            raise EditorInputError(f'The test samples cannot be read: {data}')
        if not 0 <= index < min(len(data), MAX_SAMPLES):
            raise EditorInputError(f'No test sample {index}.')
        info = data.get_data_info(index)
        label, inst = info.get('gt_label'), info.get('gt_inst')
        if label is None:
            # File datasets: read as the inferencer reads files.
            label, inst = self.inferencer.read_maps(info['label_path'],
                                                    info.get('inst_path'))
        return self._fit(np.asarray(label), None if inst is None else
                         np.asarray(inst), f'test sample {index}')

    # ---- uploads ----------------------------------------------------------
    def decode_upload(self, data: bytes, filename: str = 'upload') -> dict:
        """An uploaded label map (ids PNG, or colours of the dataset
        palette) → the page's label + instance map.

        Read by the config's ``LoadLabelMap`` (the reader of
        ``tools/infer.py``); a colour map for an id-map config is decoded
        with the dataset palette. A map of another size is resized
        (nearest) to the canvas with a notice.

        Raises:
            EditorInputError: undecodable file, colours of another palette,
                or ids outside the model's classes (named).
        """
        from mmsemsyn.datasets.transforms.loading import map_colors_to_ids
        path, img = self._save_and_read(data, filename, 'upload', 'stored')
        try:
            label, err = self.inferencer.read_maps(path)[0], None
        except Exception as error:  # noqa: BLE001
            label, err = None, error
        if (label is None or not self._valid(label)) and img.ndim == 3:
            # A colour map (e.g. a saved screenshot of the canvas) for an
            # id-map config, or one whose grey colours read as ids.
            try:
                label = map_colors_to_ids(img[..., :3], self.palette,
                                          filename)
            except ValueError as cerr:
                if label is None:
                    raise EditorInputError(
                        f'{filename!r}: {cerr} The palette is listed beside '
                        'the canvas.') from None
        if label is None:
            raise EditorInputError(f'{filename!r}: {err}')
        return self._fit(label, None, repr(filename))

    def _valid(self, label: np.ndarray) -> bool:
        valid = list(range(self.num_classes)) + (
            [] if self.dontcare is None else [self.dontcare])
        return bool(np.isin(label, valid).all())

    def _fit(self, label: np.ndarray, inst: Optional[np.ndarray],
             name: str) -> dict:
        """Check ids, resize to the canvas; the page's map payload."""
        label = label.astype(np.int64)
        valid = np.arange(self.num_classes)
        if self.dontcare is not None:
            valid = np.append(valid, self.dontcare)
        bad = np.setdiff1d(np.unique(label), valid)
        if bad.size:
            raise EditorInputError(
                f'{name} holds ids {bad[:10].tolist()} that are not classes '
                f'of this model (valid: 0..{self.num_classes - 1}'
                f'{"" if self.dontcare is None else f", {self.dontcare}"}'
                f'; {", ".join(f"{i} {c}" for i, c in enumerate(self.classes[:12]))}'
                f'{", ..." if self.num_classes > 12 else ""}). Save the map '
                'with the model\'s class ids (or the dataset\'s colours).')
        notice = None
        h, w = self.canvas_size
        if label.shape != (h, w):
            notice = (f'{name} is {label.shape[0]}x{label.shape[1]} (h x w); '
                      f'resized (nearest) to the canvas, {h}x{w}.')
            label = cv2.resize(label.astype(np.int32), (w, h),
                               interpolation=cv2.INTER_NEAREST)
            if inst is not None:
                inst = cv2.resize(inst.astype(np.int32), (w, h),
                                  interpolation=cv2.INTER_NEAREST)
        if inst is None:
            # Stuff ids stand for their class; things get one instance per
            # connected region of their class.
            inst = self.default_instances(label)
        return dict(label=_b64(label.astype(np.uint16)),
                    inst=_b64(inst.astype(np.int32)),
                    notice=notice)

    def default_instances(self, label: np.ndarray) -> np.ndarray:
        """Instance map of a map that came without one: stuff pixels carry
        their class id, each 8-connected region of a thing class is one
        instance (Cityscapes ids ``class * 1000 + k``)."""
        inst = label.astype(np.int32).copy()
        for c in self.thing_ids:
            n, comp = cv2.connectedComponents((label == c).astype(np.uint8))
            for k in range(1, n):
                inst[comp == k] = c * 1000 + k - 1
        return inst

    def set_style_image(self, data: bytes, filename: str = 'style') -> None:
        """SPADE-VAE: the photo whose encoded z styles every generation."""
        if not self.has_vae:
            raise EditorInputError('This model has no style encoder.')
        _, img = self._save_and_read(data, filename, 'style', 'rgb')
        self.style_image = np.ascontiguousarray(img)

    def _save_and_read(self, data: bytes, filename: str, stem: str,
                       mode: str) -> Tuple[str, np.ndarray]:
        """Write an uploaded file to the session's folder (the inferencer
        reads paths) and decode it with the package's one reader (stored
        pixels, RGB order; ``mode`` as :func:`read_image`).

        Raises:
            EditorInputError: the bytes are not a readable image.
        """
        ext = osp.splitext(filename)[1].lower() or '.png'
        path = osp.join(self._tmp.name, f'{stem}{ext}')
        with open(path, 'wb') as f:
            f.write(data)
        try:
            return path, read_image(path, mode=mode, role=f'{stem} file')
        except (OSError, ValueError):
            raise EditorInputError(f'{filename!r} is not a readable image.')

    def random_z(self, seed: int) -> None:
        """SPADE-VAE: forget the style photo; z ~ N(0, I) from ``seed``."""
        self.style_image = None
        self.z_seed = int(seed)

    # ---- generation -------------------------------------------------------
    def generate(self, label: np.ndarray, inst: Optional[np.ndarray] = None,
                 class_noise: Optional[Dict[str, float]] = None,
                 styles: Optional[Dict[str, int]] = None) -> np.ndarray:
        """Generate the photo of a painted map through the inferencer.

        Args:
            label: (H, W) int model class ids.
            inst: (H, W) int instance ids (``class * 1000 + k`` for things);
                used when the model reads instances.
            class_noise: {class name: n^c in [-1, 1]} (diversity models).
            styles: {instance id: K-means centre index} (pix2pixHD).

        Returns:
            (H, W, 3) uint8 RGB photo of the label map's size.

        Raises:
            EditorInputError: ids outside the classes, bad noise values.
        """
        label = np.asarray(label, np.int64)
        if label.ndim != 2:
            raise EditorInputError('label map must be (H, W).')
        bad = np.setdiff1d(np.unique(label), np.append(
            np.arange(self.num_classes),
            [] if self.dontcare is None else [self.dontcare]))
        if bad.size:
            raise EditorInputError(f'canvas ids {bad.tolist()} are not '
                                   'classes of this model.')
        with self._lock:
            item = dict(label=label, name='canvas')
            if self.uses_instances and inst is not None:
                item['inst'] = np.asarray(inst, np.int64)
            extra = {}
            if self.has_styles:
                extra['style_seed'] = self.seed
                if styles:
                    extra['style_indices'] = {int(k): int(v)
                                              for k, v in styles.items()}
            if self.has_vae and self.style_image is not None:
                # The style photo is the real image the VAE encoder reads.
                extra, item['style'] = {}, self.style_image
            noise = None
            if self.has_class_noise:
                try:
                    noise = self.inferencer.class_noise_vector(
                        {k: float(v) for k, v in (class_noise or {}).items()})
                except (ValueError, TypeError) as err:
                    raise EditorInputError(str(err)) from None
            seed = self.z_seed if self.has_vae else self.seed
            # The same random draws every call: only the map and the
            # controls change the photo.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                if self.inferencer.device.type == 'cuda':
                    torch.cuda.manual_seed_all(seed)
                photo = self.inferencer(
                    [item], extra_inputs=extra or None, class_noise=noise,
                    progress=False)[0]
            self.last_label = label.copy()
            self.last_photo = photo
            return photo

    def label_png(self) -> bytes:
        """The last generated map as an ids PNG (model class ids)."""
        if self.last_label is None:
            raise EditorInputError('Nothing painted yet.')
        return encode_png(self.last_label.astype(
            _ids_dtype(int(self.last_label.max(initial=0)))))

    def photo_png(self) -> bytes:
        if self.last_photo is None:
            raise EditorInputError('No photo generated yet.')
        return encode_png(self.last_photo)


def _b64(array: np.ndarray) -> str:
    """Little-endian raw bytes, base64 (the page reads typed arrays)."""
    return base64.b64encode(np.ascontiguousarray(
        array.astype(array.dtype.newbyteorder('<'))).tobytes()).decode()


def _unb64(text: str, dtype, hw: Tuple[int, int], what: str) -> np.ndarray:
    try:
        raw = base64.b64decode(text)
        array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder('<'))
        return array.reshape(hw).astype(np.int64)
    except (ValueError, TypeError) as err:
        raise EditorInputError(f'{what}: not a {hw[0]}x{hw[1]} '
                               f'{np.dtype(dtype).name} map ({err}).') from None


def make_app(session: EditorSession):
    """The FastAPI app of the editor page (needs the ``editor`` extra)."""
    try:
        from fastapi import Body, FastAPI, File, UploadFile
        from fastapi.responses import HTMLResponse, JSONResponse, Response
    except ImportError as err:
        raise ImportError(
            f'The editor needs FastAPI and uvicorn ({err}): pip install -e '
            '".[editor]"') from None
    from mmsemsyn.apis.editor_page import PAGE

    app = FastAPI(title='mmsemsyn editor')

    def error(err: Exception):
        return JSONResponse({'error': str(err)}, status_code=400)

    @app.get('/', response_class=HTMLResponse)
    def page():
        return PAGE

    @app.get('/api/config')
    def config():
        cfg = session.page_config()
        cfg['samples_error'] = session.samples_error()
        return cfg

    @app.get('/api/sample/{index}')
    def sample(index: int):
        try:
            return session.load_sample(index)
        except EditorInputError as err:
            return error(err)

    @app.post('/api/upload')
    async def upload(file: UploadFile = File(...)):
        data = await file.read()
        try:
            return session.decode_upload(data, file.filename or 'upload')
        except EditorInputError as err:
            return error(err)

    @app.post('/api/style')
    async def style(file: UploadFile = File(...)):
        try:
            session.set_style_image(await file.read(),
                                    file.filename or 'style')
            return {'ok': True}
        except EditorInputError as err:
            return error(err)

    @app.post('/api/random_z')
    def random_z(body: dict = Body(...)):
        session.random_z(int(body.get('seed', 0)))
        return {'ok': True}

    # A plain ``def``: FastAPI runs it in its thread pool, so a slow model
    # does not block the page's other requests (the session serialises the
    # model calls).
    @app.post('/api/generate')
    def generate(body: dict = Body(...)):
        try:
            h, w = int(body['height']), int(body['width'])
            label = _unb64(body['label'], np.uint16, (h, w), 'label map')
            inst = _unb64(body['inst'], np.int32, (h, w), 'instance map') \
                if body.get('inst') else None
            photo = session.generate(label, inst, body.get('noise'),
                                     body.get('styles'))
        except EditorInputError as err:
            return error(err)
        except (KeyError, ValueError) as err:
            return error(EditorInputError(f'bad request: {err}'))
        return {'photo': 'data:image/png;base64,' +
                base64.b64encode(encode_png(photo)).decode(),
                'seq': body.get('seq')}

    def download(png, name: str):
        """A PNG of the session as an attachment, or the page's error."""
        try:
            return Response(png(), media_type='image/png',
                            headers={'Content-Disposition':
                                     f'attachment; filename="{name}"'})
        except EditorInputError as err:
            return error(err)

    @app.get('/api/download/label.png')
    def download_label():
        return download(session.label_png, 'label.png')

    @app.get('/api/download/photo.png')
    def download_photo():
        return download(session.photo_png, 'photo.png')

    return app


class EditorServer:
    """The editor's app served by uvicorn in a background thread (tests,
    benchmarks); ``with EditorServer(session) as url: ...``.

    Args:
        session: the :class:`EditorSession` to serve.
        port: 0 picks a free port.
    """

    def __init__(self, session: EditorSession, host: str = '127.0.0.1',
                 port: int = 0):
        import socket

        import uvicorn
        if port == 0:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.url = f'http://{host}:{port}/'
        self.server = uvicorn.Server(uvicorn.Config(
            make_app(session), host=host, port=port, log_level='warning'))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        import time
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError(f'The editor server at {self.url} did '
                                   'not start.')
            time.sleep(0.05)
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
