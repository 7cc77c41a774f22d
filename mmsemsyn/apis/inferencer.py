"""Label map file(s) → generated photos, with a trained checkpoint."""
import copy
import math
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from mmsemsyn.registry import DATASETS, INFERENCERS, MODELS

# Sub-models a generator does not need at inference. Dropping them avoids
# building (and downloading weights for) VGG/Inception losses and the
# discriminator; their checkpoint entries are ignored.
TRAINING_ONLY = ('discriminator', 'losses')

ExtraInputs = Union[Dict[str, object], Callable[[dict, List[int]], dict]]


def _find(pipeline: Sequence[dict], name: str) -> Optional[dict]:
    for t in pipeline or ():
        if isinstance(t, dict) and t.get('type') == name:
            return copy.deepcopy(t)
    return None


def _dataset_cfg(cfg: Config) -> dict:
    for key in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        loader = cfg.get(key)
        if loader and loader.get('dataset'):
            dataset = loader['dataset']
            # Wrappers (ConcatDataset, RepeatDataset) hold the real one.
            while 'dataset' in dataset and 'pipeline' not in dataset:
                dataset = dataset['dataset']
            return dataset
    return {}


def match_checkpoint(model: torch.nn.Module, state: Dict[str, torch.Tensor],
                     checkpoint: str, config_path: Optional[str],
                     skip: Sequence[str] = ()) -> Dict[str, torch.Tensor]:
    """The checkpoint entries of ``model`` (DDP ``module.`` infixes
    removed), or a ``ValueError`` naming the missing, unexpected and
    mis-shaped entries -- a checkpoint of another model, width or number
    of classes must not load partly and silently (mmengine loads
    non-strictly).

    Entries of the networks in ``skip`` (e.g. the discriminator, unused at
    test time) and of networks the model was built without (see
    ``TRAINING_ONLY``) are not compared.
    """
    # Both sides as saved: without DDP's ``module.`` (outer, or the
    # ``generator.module.`` infix of older distributed checkpoints).
    own = {_saved_key(k): v for k, v in model.state_dict().items()}
    state = {_saved_key(k): v for k, v in state.items()}
    skipped = tuple(f'{k}.' for k in skip)
    # Entries of networks left out at inference (see TRAINING_ONLY).
    dropped = tuple(f'{k}.' for k in TRAINING_ONLY
                    if not any(o.startswith(f'{k}.') for o in own))
    state = {k: v for k, v in state.items()
             if (k in own or not k.startswith(dropped))
             and not (skipped and k.startswith(skipped))}
    own = {k: v for k, v in own.items()
           if not (skipped and k.startswith(skipped))}
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mismatched = sorted(
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in set(own) & set(state)
        if hasattr(state[k], 'shape') and state[k].shape != own[k].shape)
    if missing or unexpected or mismatched:
        details = []
        for title, keys in (('missing in checkpoint', missing),
                            ('not in model', unexpected),
                            ('shape mismatch', mismatched)):
            if keys:
                details.append(f'{len(keys)} {title} (e.g. '
                               f'{", ".join(keys[:3])})')
        raise ValueError(
            f'Checkpoint {checkpoint!r} does not match the model of config '
            f'{config_path!r} ({type(model).__name__}): '
            f'{"; ".join(details)}. Use the config the checkpoint was '
            'trained with (or convert an official checkpoint with '
            'tools/model_converters/official_to_mmsemsyn.py).')
    return state


def _saved_key(key: str) -> str:
    """A model's key as checkpoints store it: no outer ``module.`` and no
    ``<network>.module.`` of a DDP-wrapped network."""
    if key.startswith('module.'):
        key = key[len('module.'):]
    head, sep, rest = key.partition('.module.')
    return f'{head}.{rest}' if sep and '.' not in head else key


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
    """True for generators built for one output size (SPADE with
    ``crop_size``: ``latent_size``; Lab2Pix-V2: ``sh``/``sw``)."""
    net = getattr(model, 'generator', None)
    if not isinstance(net, torch.nn.Module):
        return False
    return any(getattr(m, 'latent_size', None) is not None
               or (hasattr(m, 'sh') and hasattr(m, 'sw'))
               for m in net.modules())


def _resize_image(img: np.ndarray, hw: Sequence[int]) -> np.ndarray:
    """Resize an (H, W, 3) uint8 photo to ``hw``: area averaging when
    shrinking (no aliasing), bicubic when enlarging."""
    h, w = int(hw[0]), int(hw[1])
    shrink = h * w < img.shape[0] * img.shape[1]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA
                      if shrink else cv2.INTER_CUBIC)


@INFERENCERS.register_module()
class SynthesisInferencer:
    """Generate photos from label maps with a trained synthesis model.

    Loading follows the config's test pipeline: the ``LoadLabelMap`` of
    that pipeline (with its ``color_palette`` / ``reduce_zero_label`` /
    ``label_map`` options and the dataset's palette) and ``LoadInstanceMap``
    when instance maps are given; then the model's data preprocessor and
    ``predict``.

    Size (``size``): with ``'keep'`` (the default) every output has its
    label map's size and aspect: the maps are resized (nearest) to the
    nearest size the generator accepts (each side a multiple of
    :func:`generator_size_divisor`; a generator built for one fixed size
    gets the config's test size), generated, and the photo is resized back
    (area / bicubic). ``'config'``: the config's test size (its
    ``PairedResize``, or an in-memory dataset's ``img_size``), output at that
    size. ``(h, w)``: generated at the nearest accepted size, output at
    ``h x w``. What was done is printed once per call (``verbose``).

    Instance edges without instance maps: a model with
    ``data_preprocessor.use_instance_edges=True`` called without instance
    maps gets the label map as its instance map -- the edge channel then
    marks class boundaries only, not the boundaries between touching
    objects of one class (e.g. adjacent cars merge); a notice says so.

    Args:
        config: config file path or :class:`Config`.
        checkpoint: checkpoint file (mmengine checkpoint or bare state
            dict); None keeps the random initialisation (tests).
        device: e.g. ``'cpu'`` or ``'cuda:0'``; None: ``'cuda'`` when CUDA
            is available, else ``'cpu'``.
        size: ``'keep'``, ``'config'`` or ``(h, w)`` (see above).
        verbose: print what was done to the sizes / instance maps.

    Example::

        inferencer = SynthesisInferencer('configs/pix2pix/x.py', 'iter.pth')
        images = inferencer(['a_label.png'], out_dir='out')  # uint8 RGB

    Extra model inputs: ``extra_inputs`` is merged into the preprocessed
    ``inputs`` dict (the one ``forward_generator`` reads: ``semantics``,
    ``label``, ``inst``, ``edges``, ...) right before ``predict``, so a
    method can take e.g. per-instance style codes or noise::

        inferencer(labels, insts, extra_inputs=dict(style_indices=idx,
                                                    noise=z))

    Tensors are moved to the model's device. With several batches, pass a
    callable ``fn(inputs, indices) -> dict`` instead; it gets the
    preprocessed inputs and the positions (in the given file list) of the
    samples of the batch.

    Per-class noise (models trained with the diversity loss, i.e. with the
    preprocessor's ``class_noise``): ``class_noise={class name or id:
    value}`` sets those classes' n^c (values in [-1, 1]; unknown classes and
    other values raise ``ValueError``); classes not named get 0. A (C,)
    tensor sets every class. Same values for every label map::

        inferencer(labels, class_noise={'road': 0.8, 'car': -0.5})
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: Optional[str] = 'cpu',
                 size: Union[str, Tuple[int, int]] = 'keep',
                 verbose: bool = True):
        from mmsemsyn.utils import register_all_modules
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        if not (size in ('keep', 'config') or (
                isinstance(size, (tuple, list)) and len(size) == 2
                and all(isinstance(v, int) and v > 0 for v in size))):
            raise ValueError(f"size must be 'keep', 'config' or (h, w) "
                             f'positive ints; got {size!r}.')
        self.size = size if isinstance(size, str) else tuple(size)
        self.verbose = verbose
        register_all_modules(init_default_scope=False)
        self.config_path = config if isinstance(config, str) else \
            getattr(config, 'filename', '<config object>')
        if isinstance(config, str):
            if not osp.isfile(config):
                raise FileNotFoundError(f'Config file not found: {config!r}')
            config = Config.fromfile(config)
        self.cfg = config
        self.device = torch.device(device)
        self.model = self._build_model()
        if checkpoint is not None:
            self.load_checkpoint(checkpoint)
        self.model.to(self.device).eval()
        self.metainfo = self._metainfo()
        self._pipelines: Dict[tuple, Compose] = {}

    # ---- construction -----------------------------------------------------
    def _build_model(self) -> torch.nn.Module:
        model_cfg = copy.deepcopy(self.cfg.model)
        with DefaultScope.overwrite_default_scope('mmsemsyn'):
            light = copy.deepcopy(model_cfg)
            for key in TRAINING_ONLY:
                if key in light:
                    light[key] = None
            try:
                return MODELS.build(light)
            except Exception:  # noqa: BLE001
                # A method that needs its losses/D at construction.
                return MODELS.build(model_cfg)

    def load_checkpoint(self, checkpoint: str) -> None:
        """Load generator weights; a checkpoint of another model (or another
        width/number of classes) fails with the offending keys named."""
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'Checkpoint not found: {checkpoint!r}. Give the .pth file '
                'written by tools/train.py (work_dir/iter_*.pth).')
        from mmsemsyn.fileio import load_checkpoint_file
        ckpt = load_checkpoint_file(checkpoint)
        state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) \
            else None
        if not isinstance(state, dict):
            raise ValueError(f'{checkpoint!r} holds no state dict.')
        state = match_checkpoint(self.model, state, checkpoint,
                                 self.config_path)
        self.model.load_state_dict(state, strict=False)

    def _metainfo(self) -> dict:
        dataset = _dataset_cfg(self.cfg)
        metainfo = {}
        cls = None
        if isinstance(dataset.get('type'), str):
            with DefaultScope.overwrite_default_scope('mmsemsyn'):
                cls = DATASETS.get(dataset['type'])
        if cls is not None:
            metainfo.update(copy.deepcopy(getattr(cls, 'METAINFO', {})))
        metainfo.update(dataset.get('metainfo') or {})
        return metainfo

    def _pipeline_cfg(self, with_inst: bool, load: bool = True,
                      scale: Optional[Tuple[int, int]] = None,
                      resize: bool = True, pack: bool = True) -> List:
        """The built transforms: loading (``load``), then a resize (the
        config's, or to ``scale`` = (w, h); none when ``resize`` is False)
        and packing (``pack``)."""
        dataset = _dataset_cfg(self.cfg)
        pipeline = dataset.get('pipeline') or []
        steps = []
        if load:
            steps.append(_find(pipeline, 'LoadLabelMap') or
                         dict(type='LoadLabelMap'))
            if with_inst:
                steps.append(_find(pipeline, 'LoadInstanceMap') or
                             dict(type='LoadInstanceMap'))
        if scale is not None:
            steps.append(dict(type='PairedResize', scale=tuple(scale)))
        elif resize:
            config_resize = _find(pipeline, 'PairedResize')
            if config_resize is None and \
                    dataset.get('img_size') is not None:
                # in-memory datasets render this size
                h, w = dataset['img_size']
                config_resize = dict(type='PairedResize', scale=(w, h))
            if config_resize is not None:
                config_resize.pop('extra_image_keys', None)
                steps.append(config_resize)
        if pack:
            steps.append(dict(type='PackSynInputs'))
        with DefaultScope.overwrite_default_scope('mmsemsyn'):
            from mmsemsyn.registry import TRANSFORMS
            return [TRANSFORMS.build(s) for s in steps]

    def _compose(self, with_inst: bool, load: bool,
                 scale: Optional[Tuple[int, int]], resize: bool,
                 pack: bool = True) -> Compose:
        key = (with_inst, load, scale, resize, pack)
        if key not in self._pipelines:
            self._pipelines[key] = Compose(self._pipeline_cfg(
                with_inst, load=load, scale=scale, resize=resize, pack=pack))
        return self._pipelines[key]

    def config_size(self) -> Optional[Tuple[int, int]]:
        """(h, w) of the config's test resize; None when it has none (or
        only scales the width)."""
        for step in self._pipeline_cfg(False, load=False):
            scale = getattr(step, 'scale', None)
            if scale is not None:
                return int(scale[1]), int(scale[0])
        return None

    def generation_size(self, h: int, w: int) -> Tuple[int, int]:
        """The size (h, w) the generator runs at for an (h, w) label map
        under ``size='keep'``: the nearest multiples of
        :func:`generator_size_divisor` (at least one), or the config's test
        size for a generator built for one fixed size."""
        fixed = _fixed_generator_size(self.model)
        if fixed:
            return self.config_size() or (h, w)
        d = generator_size_divisor(self.model)
        return (max(d, int(math.floor(h / d + 0.5)) * d),
                max(d, int(math.floor(w / d + 0.5)) * d))

    def _notice(self, text: str) -> None:
        if self.verbose:
            print(f'[mmsemsyn] {text}', flush=True)

    # ---- inference --------------------------------------------------------
    @property
    def needs_instances(self) -> bool:
        return bool(getattr(self.model.data_preprocessor,
                            'use_instance_edges', False))

    def _load(self, label: str, inst: Optional[str],
              label_as_inst: bool = False) -> Tuple[dict, tuple]:
        """One packed sample and (label (h, w), generated (h, w))."""
        results = dict(label_path=label, palette=self.metainfo.get('palette'))
        if inst is not None:
            results['inst_path'] = inst
        with_inst = inst is not None
        results = self._compose(with_inst, True, None, False,
                                pack=False)(results)
        if label_as_inst:
            # Edges of the label map stand in for instance edges.
            results['gt_inst'] = results['gt_label'].astype(np.int64)
        h, w = results['gt_label'].shape[:2]
        if self.size == 'config':
            packed = self._compose(with_inst, False, None, True)(results)
            return packed, ((h, w), tuple(
                packed['data_samples'].gt_label.shape[-2:]))
        target = self.generation_size(
            *((h, w) if self.size == 'keep' else self.size))
        scale = None if target == (h, w) else (target[1], target[0])
        packed = self._compose(with_inst, False, scale, False)(results)
        return packed, ((h, w), target)

    @torch.no_grad()
    def __call__(self,
                 labels: Union[str, Sequence[str]],
                 insts: Optional[Union[str, Sequence[str]]] = None,
                 out_dir: Optional[str] = None,
                 extra_inputs: Optional[ExtraInputs] = None,
                 batch_size: int = 1,
                 class_noise: Optional[Union[dict, torch.Tensor]] = None,
                 progress: Optional[bool] = None,
                 all_outputs: bool = False
                 ) -> List[np.ndarray]:
        """Generate one image per label map (``progress``: a bar per
        label map on stderr; None: only when stderr is a terminal, see
        :func:`mmsemsyn.progress.progress_enabled`).

        ``all_outputs=True``: every image of a multi-output generator (CRN
        with ``num_outputs`` n > 1: n images from one forward pass, the
        hindsight loss's alternatives) instead of image 0 only; a model
        whose predictions carry no ``fake_outputs`` raises ``ValueError``.

        Returns:
            list of (H, W, 3) uint8 RGB arrays, in the order of ``labels``;
            also written as ``<out_dir>/<input stem>.png`` when ``out_dir``
            is given (see :meth:`write`). Their size follows ``size``.
            With ``all_outputs``: one (n, H, W, 3) array per label map,
            written as ``<stem>_<k>.png``, k = 0 .. n-1
            (:meth:`write_outputs`).
        """
        labels = [labels] if isinstance(labels, str) else list(labels)
        if insts is not None:
            insts = [insts] if isinstance(insts, str) else list(insts)
            if len(insts) != len(labels):
                raise ValueError(
                    f'Got {len(labels)} label maps but {len(insts)} instance '
                    'maps; give one instance map per label map.')
        label_as_inst = insts is None and self.needs_instances
        if label_as_inst:
            self._notice(
                f'The model of {self.config_path} uses instance edges but no '
                'instance map was given (--inst): using the label map\'s own '
                'edges instead. Objects of one class that touch (e.g. a row '
                'of cars) lose the boundaries between them, so they tend to '
                'merge; give the instance maps for the quality the model was '
                'trained for.')
        noise_vec = None if class_noise is None else \
            self.class_noise_vector(class_noise)
        images, resized = [], []
        loaded = [None] * len(labels)
        from mmsemsyn.progress import Progress
        bar = Progress(len(labels), progress)
        for start in range(0, len(labels), batch_size):
            idx = list(range(start, min(start + batch_size, len(labels))))
            bar.update(len(idx))
            for i in idx:
                loaded[i] = self._load(labels[i], insts[i] if insts else None,
                                       label_as_inst)
            if len({loaded[i][1][1] for i in idx}) > 1:
                # Maps of different sizes cannot share a batch.
                for i in idx:
                    images += self._generate([loaded[i][0]], [i],
                                             extra_inputs, noise_vec,
                                             all_outputs)
                continue
            images += self._generate([loaded[i][0] for i in idx], idx,
                                     extra_inputs, noise_vec, all_outputs)
        bar.close()
        for i, (sample, (label_hw, gen_hw)) in enumerate(loaded):
            out_hw = label_hw if self.size == 'keep' else (
                gen_hw if self.size == 'config' else self.size)
            hw = images[i].shape[-3:-1]
            if hw != tuple(out_hw):
                resized.append((labels[i], label_hw, hw, out_hw))
                images[i] = np.stack([
                    _resize_image(img, out_hw) for img in images[i]
                ]) if all_outputs else _resize_image(images[i], out_hw)
        self._report_sizes(resized, [x[1] for x in loaded])
        if out_dir is not None:
            if all_outputs:
                self.write_outputs(images, labels, out_dir)
            else:
                self.write(images, labels, out_dir)
        return images

    def _report_sizes(self, resized: list, sizes: list) -> None:
        if self.size == 'config':
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
        self._notice(
            f'{osp.basename(name)}{more}: label map {label_hw[0]}x'
            f'{label_hw[1]} (h x w) generated at {gen_hw[0]}x{gen_hw[1]} '
            f'(the nearest size this generator accepts: sides multiples of '
            f'{generator_size_divisor(self.model)}'
            f'{", or its fixed size" if _fixed_generator_size(self.model) else ""}'
            f') and resized {"back " if self.size == "keep" else ""}to '
            f'{out_hw[0]}x{out_hw[1]}. Choose another size with --size HxW, '
            "or --size config for the config's test size.")

    def _generate(self, samples: list, idx: List[int],
                  extra_inputs: Optional[ExtraInputs],
                  noise_vec: Optional[torch.Tensor],
                  all_outputs: bool = False) -> List[np.ndarray]:
        """Run the model on packed samples; (H, W, 3) uint8 RGB each, or
        (n, H, W, 3) with ``all_outputs``."""
        data = self.model.data_preprocessor(pseudo_collate(samples), False)
        inputs = data['inputs']
        if noise_vec is not None:
            from mmsemsyn.models.data_preprocessors.class_noise import (
                set_class_noise,
            )
            set_class_noise(inputs, noise_vec.to(self.device).expand(
                len(idx), -1))
        extra = extra_inputs(inputs, idx) if callable(extra_inputs) \
            else extra_inputs
        for key, value in (extra or {}).items():
            inputs[key] = value.to(self.device) if isinstance(
                value, torch.Tensor) else value
        outputs = self.model.predict(inputs, data['data_samples'])
        if all_outputs:
            if any('fake_outputs' not in s for s in outputs):
                raise ValueError(
                    f'all_outputs (--all-outputs): the model of '
                    f'{self.config_path!r} makes one image per label map '
                    '(its predictions have no fake_outputs); it applies to '
                    'multi-output generators such as CRN with '
                    'generator.num_outputs > 1. Leave the flag out.')
            return [s.fake_outputs.permute(0, 2, 3, 1).cpu().numpy()
                    for s in outputs]
        return [s.fake_img.permute(1, 2, 0).cpu().numpy() for s in outputs]

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
        ``<stem>_<i>.png`` on name clashes)."""
        from mmsemsyn.utils import sample_stem
        os.makedirs(out_dir, exist_ok=True)
        paths, used = [], set()
        for i, (img, label) in enumerate(zip(images, labels)):
            stem = sample_stem(label)
            name = stem if stem not in used else f'{stem}_{i}'
            used.add(name)
            path = osp.join(out_dir, name + '.png')
            # Written aside and renamed: never a half-written PNG.
            tmp = osp.join(out_dir, f'.{name}.{os.getpid()}.tmp.png')
            if not cv2.imwrite(tmp, np.ascontiguousarray(img[..., ::-1])):
                raise OSError(f'Could not write {path!r}.')
            os.replace(tmp, path)
            paths.append(path)
        return paths
