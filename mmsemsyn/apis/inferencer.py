"""Label maps → generated photos with a trained model, on mmengine's
:class:`~mmengine.infer.BaseInferencer` (the shape of mmseg's
``MMSegInferencer``): :meth:`preprocess` / :meth:`forward` /
:meth:`visualize` / :meth:`postprocess`."""
import math
import os.path as osp
from typing import (
    Callable,
    Dict,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import cv2
import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.infer import BaseInferencer
from mmengine.registry import DefaultScope

from mmsemsyn.datasets.transforms.loading import check_label_ids
from mmsemsyn.engine.checkpoint import TRAINING_ONLY, load_model_checkpoint
from mmsemsyn.registry import DATASETS, INFERENCERS, MODELS, TRANSFORMS

__all__ = ['SynthesisInferencer', 'generator_size_divisor', 'TRAINING_ONLY']

ExtraInputs = Union[Dict[str, object], Callable[[dict, List[int]], dict]]
MapInput = Union[str, np.ndarray]
#: One input: a label map (file path or (H, W) integer array of the
#: model's class ids), or a dict with ``label`` and optionally ``inst``
#: (instance map: path or (H, W) int array), ``style`` (style photo: path
#: or (H, W, 3) uint8 RGB) and ``name`` (the output file's stem).
InputType = Union[MapInput, Dict[str, object]]

#: The transforms of the config's test pipeline the inferencer runs, by
#: role. The photo loader (``LoadSynImage``: there is no photo) and random
#: augmentation are no inference steps.
LABEL_LOADER = 'LoadLabelMap'
INSTANCE_LOADER = 'LoadInstanceMap'
RESIZE = 'PairedResize'
PACKER = 'PackSynInputs'


def generator_size_divisor(model: torch.nn.Module) -> int:
    """The number each side of the generator's input must be a multiple of:
    2 to the number of stride-2 convolutions of the generator (and of the
    pix2pixHD instance encoder), or to the SPADE family's number of
    up-samplings (``num_up``), whichever is larger. Counting every stride-2
    conv can only over-estimate the divisor of a network with parallel
    branches, which still gives a size the network accepts."""
    divisor = 1
    for name in ('generator', 'encoder'):
        net = getattr(model, name, None)
        if not isinstance(net, torch.nn.Module):
            continue
        halvings = sum(1 for m in net.modules()
                       if isinstance(m, torch.nn.Conv2d)
                       and tuple(m.stride) == (2, 2))
        for m in net.modules():
            halvings = max(halvings, int(getattr(m, 'num_up', 0) or 0))
        divisor = max(divisor, 2**halvings)
    return divisor


def _fixed_generator_size(model: torch.nn.Module) -> bool:
    """True for generators built for one output size: SPADE with
    ``crop_size`` (a ``latent_size`` tuple), Lab2Pix-V2 with ``crop_size``
    (``sh``/``sw`` set; None when it takes the size from the input)."""
    net = getattr(model, 'generator', None)
    if not isinstance(net, torch.nn.Module):
        return False
    for m in net.modules():
        latent = getattr(m, 'latent_size', None)
        if latent is not None and not callable(latent):
            return True
        if getattr(m, 'sh', None) is not None and \
                getattr(m, 'sw', None) is not None:
            return True
    return False


def _resize_image(img: np.ndarray, hw: Sequence[int]) -> np.ndarray:
    """Resize an (H, W, 3) uint8 photo to ``hw``: area averaging when
    shrinking (no aliasing), bicubic when enlarging."""
    h, w = int(hw[0]), int(hw[1])
    shrink = h * w < img.shape[0] * img.shape[1]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA
                      if shrink else cv2.INTER_CUBIC)


def inference_dataset_cfg(cfg: Config, config_path: str) -> dict:
    """``cfg.test_dataloader.dataset``: the inferencer reads its inputs as
    the test set reads its samples.

    Raises:
        ValueError: the config has no test dataset with a ``pipeline``
            (names the config and the key to add).
    """
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    if not dataset.get('pipeline'):
        raise ValueError(
            f'{config_path}: test_dataloader.dataset.pipeline is missing. '
            'The inferencer reads label maps with the config\'s test '
            'pipeline; add one, e.g. test_dataloader = dict(dataset=dict('
            "pipeline=[dict(type='LoadLabelMap'), "
            "dict(type='PackSynInputs')])).")
    return dataset


@INFERENCERS.register_module()
class SynthesisInferencer(BaseInferencer):
    """Generate photos from label maps with a trained synthesis model.

    **Model.** ``model`` is a config file, a :class:`Config`, or a model
    name of the model zoo (``model-index.yml``: ``'spade_cityscapes'``);
    a name gives the config and, where its metafile entry lists
    ``Weights``, the checkpoint. ``weights`` (a local ``.pth`` or a URL)
    overrides those; None with no zoo weights keeps the random
    initialisation (tests). The model is built without its
    :data:`~mmsemsyn.engine.checkpoint.TRAINING_ONLY` networks (no
    discriminator, no VGG/Inception download; a synthesizer class whose
    constructor needs one lists the others in a ``training_only``
    attribute) and the checkpoint loads with
    :func:`~mmsemsyn.engine.checkpoint.load_model_checkpoint` (read once;
    a checkpoint of another model fails with the offending keys named).

    **Inputs.** A label map is a file path or an (H, W) integer array of
    the model's class ids; a dict ``dict(label=..., inst=..., style=...,
    name=...)`` adds an instance map (path or (H, W) int array), a style
    photo (path or (H, W, 3) uint8 RGB, read by the model's style encoder:
    SPADE-VAE) and the output's file stem. Files are read by the config's
    test pipeline (``test_dataloader.dataset.pipeline``): its
    ``LoadLabelMap`` / ``LoadInstanceMap`` with their options (palette
    colours, ``reduce_zero_label``, ``label_map``; the defaults when the
    pipeline has none, as for the in-memory synthetic scenes), its
    ``PairedResize`` (``size='config'``) and its ``PackSynInputs``; arrays
    skip the loaders. Its photo loader and random augmentation are not
    inference steps.

    **Size** (``size``): ``'keep'`` (the default): every output has its
    label map's size and aspect: the maps are resized (nearest) to the
    nearest size the generator accepts (each side a multiple of
    :func:`generator_size_divisor`; a generator built for one fixed size
    gets the config's test size), generated, and the photo is resized back
    (area / bicubic). ``'config'``: the config's test size, output at that
    size. ``(h, w)``: generated at the nearest accepted size, output at
    ``h x w``. What was done is printed once per call (``verbose``).

    **Instance edges without instance maps**: a model with
    ``data_preprocessor.use_instance_edges=True`` called without instance
    maps gets the label map as its instance map -- the edge channel then
    marks class boundaries only (touching objects of one class merge); a
    notice says so.

    Args:
        model: config file, :class:`Config`, or model-zoo name.
        weights: checkpoint (local file or URL); see above.
        device: e.g. ``'cpu'`` or ``'cuda:0'``; None: ``'cuda'`` when CUDA
            is available, else ``'cpu'``.
        size: ``'keep'``, ``'config'`` or ``(h, w)``.
        verbose: print what was done to the sizes / instance maps.
        model_index: folder of the ``model-index.yml`` that names resolve
            in; None: mmsemsyn's own.

    Raises:
        ValueError: a bad ``size``; a config without a test pipeline; a
            checkpoint that does not fit; an unknown model name.
        FileNotFoundError: a config or checkpoint file that does not exist.

    Example::

        inferencer = SynthesisInferencer('configs/pix2pix/x.py', 'iter.pth')
        photos = inferencer(['a_label.png', label_ids], out_dir='out')
        # a list of (H, W, 3) uint8 RGB arrays; out/a.png, out/00001.png

    Extra model inputs: ``extra_inputs`` is merged into the preprocessed
    ``inputs`` dict (the one ``forward_generator`` reads: ``semantics``,
    ``label``, ``inst``, ``edges``, ...) right before ``predict``, so a
    method can take e.g. per-instance style codes or noise::

        inferencer(labels, insts, extra_inputs=dict(style_indices=idx,
                                                    noise=z))

    Tensors are moved to the model's device. With several batches, pass a
    callable ``fn(inputs, indices) -> dict`` instead; it gets the
    preprocessed inputs and the positions (in the given input list) of the
    samples of the batch.

    Per-class noise (models trained with the diversity loss, i.e. with the
    preprocessor's ``class_noise``): ``class_noise={class name or id:
    value}`` sets those classes' n^c (values in [-1, 1]; unknown classes and
    other values raise ``ValueError``); classes not named get 0. A (C,)
    tensor sets every class. Same values for every label map::

        inferencer(labels, class_noise={'road': 0.8, 'car': -0.5})
    """

    preprocess_kwargs = {'batch_size'}
    forward_kwargs = {'extra_inputs', 'class_noise', 'all_outputs'}
    visualize_kwargs = {'out_dir'}
    postprocess_kwargs = {'return_datasamples'}

    def __init__(self,
                 model: Union[str, Config, dict],
                 weights: Optional[str] = None,
                 device: Optional[str] = 'cpu',
                 size: Union[str, Tuple[int, int]] = 'keep',
                 verbose: bool = True,
                 model_index: Optional[str] = None):
        from mmsemsyn.utils import register_all_modules
        if not (size in ('keep', 'config') or (
                isinstance(size, (tuple, list)) and len(size) == 2
                and all(isinstance(v, int) and v > 0 for v in size))):
            raise ValueError(f"size must be 'keep', 'config' or (h, w) "
                             f'positive ints; got {size!r}.')
        self.size = size if isinstance(size, str) else tuple(size)
        self.verbose = verbose
        self.model_index = model_index
        register_all_modules(init_default_scope=False)
        self.config_path = '<config object>'
        if isinstance(model, str) and not osp.isfile(model) and \
                model.endswith('.py'):
            raise FileNotFoundError(f'Config file not found: {model!r}')
        if isinstance(model, (Config, ConfigDict)):
            self.config_path = getattr(model, 'filename', None) or \
                '<config object>'
        elif isinstance(model, str) and osp.isfile(model):
            self.config_path = model
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        self.device = torch.device(device)
        super().__init__(model, weights, device=str(self.device),
                         scope='mmsemsyn', show_progress=False)
        self.metainfo = self._metainfo()

    # ---- construction (BaseInferencer's hooks) ----------------------------
    def _load_model_from_metafile(self, model: str) -> Tuple[Config, str]:
        """A model-zoo name → (config, weights or None); see
        :func:`mmsemsyn.model_zoo.find_model`."""
        from mmsemsyn.model_zoo import find_model
        entry = find_model(model, self.model_index)
        self.config_path = entry['config']
        return Config.fromfile(entry['config']), entry['weights']

    def _init_model(self, cfg: Config, weights: Optional[str],
                    device: str = 'cpu') -> torch.nn.Module:
        """Build the model without its training-only networks and load
        ``weights`` (the strict fit check names any mismatch). Channel
        counts a config leaves to the data (a project's config without
        ``semantic_nc``) are filled and checked by ``resolve_channels``
        for the networks built here, as ``tools/train.py`` /
        ``tools/test.py`` do for all."""
        from mmsemsyn.dataset_facts import resolve_channels
        model_cfg = cfg.model.copy()
        with DefaultScope.overwrite_default_scope('mmsemsyn'):
            model_cls = MODELS.get(model_cfg['type'])
            # A method whose constructor needs one of them says so.
            for key in getattr(model_cls, 'training_only', TRAINING_ONLY):
                if key in model_cfg:
                    model_cfg[key] = None
            resolve_channels(
                dict(model=model_cfg, **{
                    f'{split}_dataloader': cfg.get(f'{split}_dataloader')
                    for split in ('train', 'val', 'test')}),
                self.config_path)
            model = MODELS.build(model_cfg)
        model.cfg = cfg
        if weights is not None:
            self._load_into(model, weights)
        return model.to(device).eval()

    def load_checkpoint(self, checkpoint: str) -> None:
        """Load ``checkpoint`` into the model (see
        :func:`~mmsemsyn.engine.checkpoint.load_model_checkpoint`)."""
        self._load_into(self.model, checkpoint)

    def _load_into(self, model: torch.nn.Module, checkpoint: str) -> None:
        load_model_checkpoint(model, checkpoint, self.config_path)

    def _init_visualizer(self, cfg: Config) -> None:
        """No mmengine ``Visualizer``: the prediction is the photo, and a
        config's visualizer (vis backends with save dirs) is a training
        run's."""
        return None

    def _init_pipeline(self, cfg: Config) -> Callable[[dict], dict]:
        """The config's test pipeline, by role (see the class doc):
        loaders, resize and packer built once; :meth:`_prepare` runs them
        for one input."""
        dataset = inference_dataset_cfg(cfg, self.config_path)
        steps = {}
        for step in dataset['pipeline']:
            kind = step.get('type') if isinstance(step, dict) else None
            if kind in (LABEL_LOADER, INSTANCE_LOADER, RESIZE, PACKER):
                steps[kind] = step.copy()
        if PACKER not in steps:
            raise ValueError(
                f'{self.config_path}: the test pipeline has no '
                f"{PACKER}; end test_dataloader.dataset.pipeline with "
                f"dict(type='{PACKER}').")
        resize = steps.get(RESIZE)
        if resize is None and dataset.get('img_size') is not None:
            # In-memory datasets (the synthetic scenes) render this size.
            h, w = dataset['img_size']
            resize = dict(type=RESIZE, scale=(w, h))
        with DefaultScope.overwrite_default_scope('mmsemsyn'):
            self._label_loader = TRANSFORMS.build(
                steps.get(LABEL_LOADER, dict(type=LABEL_LOADER)))
            self._inst_loader = TRANSFORMS.build(
                steps.get(INSTANCE_LOADER, dict(type=INSTANCE_LOADER)))
            self._config_resize = None if resize is None else \
                TRANSFORMS.build(resize)
            self._packer = TRANSFORMS.build(steps[PACKER])
        self.dataset_cfg = dataset
        return self._prepare

    def _metainfo(self) -> dict:
        """The test dataset's metainfo: its class's ``METAINFO`` updated by
        the config's ``metainfo``."""
        metainfo = {}
        if isinstance(self.dataset_cfg.get('type'), str):
            with DefaultScope.overwrite_default_scope('mmsemsyn'):
                cls = DATASETS.get(self.dataset_cfg['type'])
            metainfo.update(dict(getattr(cls, 'METAINFO', {}) or {}))
        metainfo.update(self.dataset_cfg.get('metainfo') or {})
        return metainfo

    # ---- sizes ------------------------------------------------------------
    def config_size(self) -> Optional[Tuple[int, int]]:
        """(h, w) of the config's test resize; None when it has none (or
        only scales the width)."""
        scale = getattr(self._config_resize, 'scale', None)
        if scale is None:
            return None
        return int(scale[1]), int(scale[0])

    def generation_size(self, h: int, w: int) -> Tuple[int, int]:
        """The size (h, w) the generator runs at for an (h, w) label map
        under ``size='keep'``: the nearest multiples of
        :func:`generator_size_divisor` (at least one), or the config's test
        size for a generator built for one fixed size."""
        if _fixed_generator_size(self.model):
            return self.config_size() or (h, w)
        d = generator_size_divisor(self.model)
        return (max(d, int(math.floor(h / d + 0.5)) * d),
                max(d, int(math.floor(w / d + 0.5)) * d))

    def _notice(self, text: str) -> None:
        if self.verbose:
            print(f'[mmsemsyn] {text}', flush=True)

    @property
    def needs_instances(self) -> bool:
        """Whether the model reads instance edges."""
        return bool(getattr(self.model.data_preprocessor,
                            'use_instance_edges', False))

    # ---- inputs -------------------------------------------------------------
    def _inputs_to_list(self, inputs: Union[InputType, Sequence[InputType]],
                        insts: Optional[Union[MapInput, Sequence[MapInput]]]
                        = None) -> List[dict]:
        """Inputs (one or a list; see the class doc) → one dict per label
        map with ``label``, ``inst``, ``style``, ``name``.

        Raises:
            ValueError: ``insts`` of another length than the label maps;
                an array that is not (H, W) integer.
        """
        if isinstance(inputs, (str, np.ndarray, dict)):
            inputs = [inputs]
        items = [dict(x) if isinstance(x, dict) else dict(label=x)
                 for x in inputs]
        if insts is not None:
            insts = [insts] if isinstance(insts, (str, np.ndarray)) \
                else list(insts)
            if len(insts) != len(items):
                raise ValueError(
                    f'Got {len(items)} label maps but {len(insts)} instance '
                    'maps; give one instance map per label map.')
            for item, inst in zip(items, insts):
                item['inst'] = inst
        for i, item in enumerate(items):
            if 'label' not in item:
                raise ValueError(f'Input {i} has no label map (a dict '
                                 "input needs 'label').")
            for key in ('label', 'inst'):
                value = item.get(key)
                if isinstance(value, np.ndarray) and (
                        value.ndim != 2 or value.dtype.kind not in 'iub'):
                    raise ValueError(
                        f'Input {i}: the {key} array must be (H, W) '
                        f'integer ids, got {value.dtype} of shape '
                        f'{value.shape}.')
            if item.get('name') is None:
                item['name'] = item['label'] if isinstance(
                    item['label'], str) else f'{i:05d}'
        return items

    def _load_maps(self, item: dict, label_as_inst: bool) -> dict:
        """One input's label (and instance) map as the test pipeline's
        loaders give them (files) or as given (arrays)."""
        results = dict(palette=self.metainfo.get('palette'))
        if isinstance(item['label'], str):
            results['label_path'] = item['label']
            results = self._label_loader(results)
        else:
            # What LoadLabelMap leaves for a file holding these ids.
            label = np.ascontiguousarray(item['label'], np.int64)
            results.update(gt_label=label, ori_shape=label.shape,
                           label_shape=label.shape)
        inst = item.get('inst')
        if isinstance(inst, str):
            results['inst_path'] = inst
            results = self._inst_loader(results)
        elif inst is not None:
            results['gt_inst'] = np.asarray(inst, np.int64)
        elif label_as_inst:
            # Edges of the label map stand in for instance edges.
            results['gt_inst'] = results['gt_label'].astype(np.int64)
        return results

    def read_maps(self, label: MapInput, inst: Optional[MapInput] = None
                  ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """A label map (and instance map) as the model's ids: files read by
        the test pipeline's loaders, arrays as given.

        Returns:
            (H, W) int64 class ids, and (H, W) int64 instance ids or None.
        """
        results = self._load_maps(dict(label=label, inst=inst), False)
        return results['gt_label'], results.get('gt_inst')

    def _prepare(self, item: dict) -> dict:
        """Load, resize and pack one input (the pipeline of
        :meth:`preprocess`); records ``label_hw`` and ``gen_hw`` in
        ``item``."""
        results = self._load_maps(item, item.get('label_as_inst', False))
        # Ids the model has no class for stop here, named with the file (or
        # the array input's name), not deep inside the one-hot encoding.
        pre = self.model.data_preprocessor
        check_label_ids(results['gt_label'], pre.num_classes,
                        getattr(pre, 'dontcare_label', None),
                        item['label'] if isinstance(item['label'], str) else
                        f"(array input {item['name']!r})")
        h, w = results['gt_label'].shape[:2]
        item['label_hw'] = (h, w)
        if self.size == 'config':
            if self._config_resize is not None:
                results = self._config_resize(results)
        else:
            target = self.generation_size(
                *((h, w) if self.size == 'keep' else self.size))
            if target != (h, w):
                with DefaultScope.overwrite_default_scope('mmsemsyn'):
                    resize = TRANSFORMS.build(dict(
                        type=RESIZE, scale=(target[1], target[0])))
                results = resize(results)
        packed = self._packer(results)
        item['gen_hw'] = tuple(packed['data_samples'].gt_label.shape[-2:])
        return packed

    def preprocess(self, inputs: List[dict], batch_size: int = 1
                   ) -> Iterator[Tuple[List[int], dict]]:
        """Yield ``(positions, collated batch)``: ``batch_size`` inputs at a
        time, one at a time where their generation sizes differ."""
        for start in range(0, len(inputs), batch_size):
            idx = list(range(start, min(start + batch_size, len(inputs))))
            packed = [self.pipeline(inputs[i]) for i in idx]
            if len({inputs[i]['gen_hw'] for i in idx}) > 1:
                for i, sample in zip(idx, packed):
                    yield [i], self.collate_fn([sample])
                continue
            yield idx, self.collate_fn(packed)

    # ---- the model ----------------------------------------------------------
    @torch.no_grad()
    def forward(self, data: dict, indices: Sequence[int] = (),
                items: Sequence[dict] = (),
                extra_inputs: Optional[ExtraInputs] = None,
                class_noise: Optional[torch.Tensor] = None,
                all_outputs: bool = False) -> list:
        """The model's preprocessor and ``predict`` on one collated batch.

        Args:
            data: a collated batch of :meth:`preprocess`.
            indices: the batch's positions in the input list.
            items: the inputs (their ``style`` photos are read here).
            extra_inputs: merged into the preprocessed ``inputs``.
            class_noise: (C,) n^c of every sample (diversity models).
            all_outputs: require ``fake_outputs`` (multi-output
                generators).

        Returns:
            list of ``SynDataSample`` with ``fake_img`` (3, H, W) uint8.

        Raises:
            ValueError: ``all_outputs`` on a model with one output.
        """
        data = self.model.data_preprocessor(data, False)
        inputs = data['inputs']
        if class_noise is not None:
            from mmsemsyn.models.data_preprocessors.class_noise import (
                set_class_noise,
            )
            set_class_noise(inputs, class_noise.to(self.device).expand(
                len(indices), -1))
        styles = [items[i].get('style') for i in indices] if items else []
        if any(s is not None for s in styles):
            inputs['img'] = self._style_tensor(
                styles, data['data_samples'][0].gt_label.shape[-2:])
        extra = extra_inputs(inputs, list(indices)) if callable(
            extra_inputs) else extra_inputs
        for key, value in (extra or {}).items():
            inputs[key] = value.to(self.device) if isinstance(
                value, torch.Tensor) else value
        outputs = self.model.predict(inputs, data['data_samples'])
        if all_outputs and any('fake_outputs' not in s for s in outputs):
            raise ValueError(
                f'all_outputs (--all-outputs): the model of '
                f'{self.config_path!r} makes one image per label map '
                '(its predictions have no fake_outputs); it applies to '
                'multi-output generators such as CRN with '
                'generator.num_outputs > 1. Leave the flag out.')
        return outputs

    def _style_tensor(self, styles: list, hw: Sequence[int]) -> torch.Tensor:
        """Style photos as the real images the style encoder reads:
        (B, 3, h, w) in [-1, 1] at the generation size (area resize)."""
        from mmsemsyn.datasets.image_reader import read_image
        if any(s is None for s in styles):
            raise ValueError('Give a style photo for every input of a '
                             'batch, or for none.')
        batch = []
        for style in styles:
            img = read_image(style, 'rgb', role='style photo') if \
                isinstance(style, str) else np.asarray(style, np.uint8)
            img = cv2.resize(img, (int(hw[1]), int(hw[0])),
                             interpolation=cv2.INTER_AREA)
            batch.append(torch.from_numpy(img).permute(2, 0, 1).float())
        return (torch.stack(batch) / 127.5 - 1).to(self.device)

    # ---- outputs ------------------------------------------------------------
    def visualize(self, inputs: List[dict], preds: list,
                  out_dir: Optional[str] = None,
                  all_outputs: bool = False) -> List[np.ndarray]:
        """The photos at the output size (see ``size``): (H, W, 3) uint8
        RGB each, or (n, H, W, 3) with ``all_outputs``; written as
        ``<out_dir>/<stem>.png`` when ``out_dir`` is given (:meth:`write`,
        :meth:`write_outputs`)."""
        images, resized = [], []
        for item, pred in zip(inputs, preds):
            image = (pred.fake_outputs.permute(0, 2, 3, 1) if all_outputs
                     else pred.fake_img.permute(1, 2, 0)).cpu().numpy()
            label_hw, gen_hw = item['label_hw'], item['gen_hw']
            out_hw = tuple(label_hw if self.size == 'keep' else (
                gen_hw if self.size == 'config' else self.size))
            hw = image.shape[-3:-1]
            if hw != out_hw:
                resized.append((item['name'], label_hw, hw, out_hw))
                image = np.stack([_resize_image(img, out_hw) for img in image]
                                 ) if all_outputs else _resize_image(
                                     image, out_hw)
            images.append(image)
        self._report_sizes(resized, inputs)
        if out_dir is not None:
            names = [item['name'] for item in inputs]
            if all_outputs:
                self.write_outputs(images, names, out_dir)
            else:
                self.write(images, names, out_dir)
        return images

    def postprocess(self, preds: list, visualization: List[np.ndarray],
                    return_datasamples: bool = False) -> list:
        """The photos of :meth:`visualize`, or the model's
        ``SynDataSample`` predictions (at the generation size) with
        ``return_datasamples``."""
        return preds if return_datasamples else visualization

    @torch.no_grad()
    def __call__(self,
                 inputs: Union[InputType, Sequence[InputType]],
                 insts: Optional[Union[MapInput, Sequence[MapInput]]] = None,
                 out_dir: Optional[str] = None,
                 extra_inputs: Optional[ExtraInputs] = None,
                 batch_size: int = 1,
                 class_noise: Optional[Union[dict, torch.Tensor]] = None,
                 progress: Optional[bool] = None,
                 all_outputs: bool = False,
                 return_datasamples: bool = False) -> list:
        """Generate one photo per label map.

        Args:
            inputs: a label map or a list (see the class doc).
            insts: instance maps, one per label map (or ``inst`` in dict
                inputs).
            out_dir: also write ``<out_dir>/<stem>.png`` (the input file's
                stem without its role suffix, :func:`mmsemsyn.utils.
                sample_stem`; ``00000``... for arrays; ``name`` of dict
                inputs), atomically.
            extra_inputs: see the class doc.
            batch_size: label maps per forward pass.
            class_noise: see the class doc.
            progress: a bar on stderr; None: only when stderr is a
                terminal (:func:`mmsemsyn.progress.progress_enabled`).
            all_outputs: every image of a multi-output generator (CRN with
                ``num_outputs`` n > 1, the hindsight loss's alternatives)
                instead of image 0: one (n, H, W, 3) array per label map,
                written as ``<stem>_<k>.png``.
            return_datasamples: return the model's predictions instead.

        Returns:
            list of (H, W, 3) uint8 RGB arrays in the order of the inputs
            (size: see ``size``), or (n, H, W, 3) with ``all_outputs``.

        Raises:
            ValueError: mismatched instance maps, bad arrays, bad class
                noise, ``all_outputs`` on a one-output model.
        """
        from mmsemsyn.progress import Progress
        items = self._inputs_to_list(inputs, insts)
        label_as_inst = self.needs_instances and all(
            item.get('inst') is None for item in items)
        if label_as_inst:
            self._notice(
                f'The model of {self.config_path} uses instance edges but no '
                'instance map was given (tools/infer.py --inst, the '
                "inferencer's insts): using the label map's own edges "
                'instead. Objects of one class that touch (e.g. a row '
                'of cars) lose the boundaries between them, so they tend to '
                'merge; give the instance maps for the quality the model was '
                'trained for.')
            for item in items:
                item['label_as_inst'] = True
        noise = None if class_noise is None else \
            self.class_noise_vector(class_noise)
        preds = [None] * len(items)
        bar = Progress(len(items), progress)
        for idx, data in self.preprocess(items, batch_size=batch_size):
            for i, pred in zip(idx, self.forward(
                    data, idx, items, extra_inputs=extra_inputs,
                    class_noise=noise, all_outputs=all_outputs)):
                preds[i] = pred
            bar.update(len(idx))
        bar.close()
        visualization = self.visualize(items, preds, out_dir=out_dir,
                                       all_outputs=all_outputs)
        return self.postprocess(preds, visualization, return_datasamples)

    def _report_sizes(self, resized: list, items: List[dict]) -> None:
        if self.size == 'config':
            sizes = [(item['label_hw'], item['gen_hw']) for item in items]
            if any(label != gen for label, gen in sizes):
                self._notice(
                    "size='config': label maps resized to the config's test "
                    f'size {sizes[0][1][0]}x{sizes[0][1][1]} (h x w); the '
                    'outputs have that size.')
            return
        if not resized:
            return
        name, label_hw, gen_hw, out_hw = resized[0]
        more = f' (and {len(resized) - 1} more)' if len(resized) > 1 else ''
        fixed = ', or its fixed size' if _fixed_generator_size(
            self.model) else ''
        self._notice(
            f'{osp.basename(name)}{more}: label map {label_hw[0]}x'
            f'{label_hw[1]} (h x w) generated at {gen_hw[0]}x{gen_hw[1]} '
            f'(the nearest size this generator accepts: sides multiples of '
            f'{generator_size_divisor(self.model)}{fixed}) and resized '
            f'{"back " if self.size == "keep" else ""}to '
            f'{out_hw[0]}x{out_hw[1]}. Choose another size with --size HxW, '
            "or --size config for the config's test size.")

    def class_noise_vector(self, values: Union[dict, torch.Tensor]
                           ) -> torch.Tensor:
        """``{class name or id: value}`` (or a (C,) tensor) → the (C,) n^c
        vector of this model; errors name the unknown class / bad value."""
        from mmsemsyn.models.data_preprocessors.class_noise import (
            class_noise_vector,
        )
        pre = self.model.data_preprocessor
        if getattr(pre, 'class_noise', None) is None:
            raise ValueError(
                f'The model of {self.config_path!r} has no per-class noise '
                'channel (data_preprocessor.class_noise is off): class noise '
                'values apply only to models trained with the diversity '
                'loss (configs/diversity/).')
        num_classes = pre.num_classes
        if isinstance(values, torch.Tensor):
            if values.shape != (num_classes, ):
                raise ValueError(
                    f'class_noise tensor of shape {tuple(values.shape)}; the '
                    f'model needs ({num_classes},).')
            if values.abs().max() > 1:
                raise ValueError('class_noise values must lie in [-1, 1], '
                                 'the range of the training noise.')
            return values.float()
        return class_noise_vector(values, self.metainfo.get('classes'),
                                  num_classes)

    @staticmethod
    def write_outputs(images: List[np.ndarray], labels: Sequence[str],
                      out_dir: str) -> List[str]:
        """Write the n images of every label map (``all_outputs``: one
        (n, H, W, 3) array each) as ``<stem>_<k>.png``, k = 0 .. n-1 (the
        naming of ``tools/test.py --save-dir``'s ``fake_samples/``)."""
        from mmsemsyn.utils import sample_stem
        flat, names, used = [], [], set()
        for i, (imgs, label) in enumerate(zip(images, labels)):
            stem = sample_stem(label)
            stem = stem if stem not in used else f'{stem}_{i}'
            used.add(stem)
            for k, img in enumerate(imgs):
                flat.append(img)
                names.append(f'{stem}_{k}')
        return SynthesisInferencer.write(flat, names, out_dir)

    @staticmethod
    def write(images: List[np.ndarray], labels: Sequence[str],
              out_dir: str) -> List[str]:
        """Write ``<stem>.png`` files named after the inputs (role suffixes
        such as ``_label`` dropped, :func:`mmsemsyn.utils.sample_stem`;
        ``<stem>_<i>.png`` on name clashes) with the package's one atomic
        image writer (:func:`mmsemsyn.fileio.write_image`: never a
        half-written PNG)."""
        from mmsemsyn.fileio import write_image
        from mmsemsyn.utils import sample_stem
        paths, used = [], set()
        for i, (img, label) in enumerate(zip(images, labels)):
            stem = sample_stem(label)
            name = stem if stem not in used else f'{stem}_{i}'
            used.add(name)
            paths.append(write_image(np.ascontiguousarray(img),
                                     osp.join(out_dir, name + '.png')))
        return paths
