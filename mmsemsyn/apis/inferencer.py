"""Label map file(s) → generated photos, with a trained checkpoint."""
import copy
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Union

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


@INFERENCERS.register_module()
class SynthesisInferencer:
    """Generate photos from label maps with a trained synthesis model.

    Loading follows the config's test pipeline: the ``LoadLabelMap`` of
    that pipeline (with its ``color_palette`` / ``reduce_zero_label`` /
    ``label_map`` options and the dataset's palette), ``LoadInstanceMap``
    when instance maps are given, and its ``PairedResize`` (or, for
    in-memory datasets such as ``SyntheticScenesDataset``, the dataset's
    ``img_size``); then the model's data preprocessor and ``predict``.

    Args:
        config: config file path or :class:`Config`.
        checkpoint: checkpoint file (mmengine checkpoint or bare state
            dict); None keeps the random initialisation (tests).
        device: e.g. ``'cpu'`` or ``'cuda:0'``.

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
                 device: str = 'cpu'):
        from mmsemsyn.utils import register_all_modules
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
        self.pipeline = Compose(self._pipeline_cfg(with_inst=False))
        self.inst_pipeline = None

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

    def _pipeline_cfg(self, with_inst: bool) -> List[dict]:
        dataset = _dataset_cfg(self.cfg)
        pipeline = dataset.get('pipeline') or []
        steps = [_find(pipeline, 'LoadLabelMap') or dict(type='LoadLabelMap')]
        if with_inst:
            steps.append(_find(pipeline, 'LoadInstanceMap') or
                         dict(type='LoadInstanceMap'))
        resize = _find(pipeline, 'PairedResize')
        if resize is None and dataset.get('img_size') is not None:
            h, w = dataset['img_size']  # in-memory datasets render this size
            resize = dict(type='PairedResize', scale=(w, h))
        if resize is not None:
            resize.pop('extra_image_keys', None)
            steps.append(resize)
        steps.append(dict(type='PackSynInputs'))
        with DefaultScope.overwrite_default_scope('mmsemsyn'):
            from mmsemsyn.registry import TRANSFORMS
            return [TRANSFORMS.build(s) for s in steps]

    # ---- inference --------------------------------------------------------
    @property
    def needs_instances(self) -> bool:
        return bool(getattr(self.model.data_preprocessor,
                            'use_instance_edges', False))

    def _load(self, label: str, inst: Optional[str]) -> dict:
        results = dict(label_path=label, palette=self.metainfo.get('palette'))
        if inst is None:
            return self.pipeline(results)
        if self.inst_pipeline is None:
            self.inst_pipeline = Compose(self._pipeline_cfg(with_inst=True))
        results['inst_path'] = inst
        return self.inst_pipeline(results)

    @torch.no_grad()
    def __call__(self,
                 labels: Union[str, Sequence[str]],
                 insts: Optional[Union[str, Sequence[str]]] = None,
                 out_dir: Optional[str] = None,
                 extra_inputs: Optional[ExtraInputs] = None,
                 batch_size: int = 1,
                 class_noise: Optional[Union[dict, torch.Tensor]] = None
                 ) -> List[np.ndarray]:
        """Generate one image per label map.

        Returns:
            list of (H, W, 3) uint8 RGB arrays, in the order of ``labels``;
            also written as ``<out_dir>/<label stem>.png`` when ``out_dir``
            is given.
        """
        labels = [labels] if isinstance(labels, str) else list(labels)
        if insts is not None:
            insts = [insts] if isinstance(insts, str) else list(insts)
            if len(insts) != len(labels):
                raise ValueError(
                    f'Got {len(labels)} label maps but {len(insts)} instance '
                    'maps; give one instance map per label map.')
        elif self.needs_instances:
            raise ValueError(
                f'The model of {self.config_path!r} uses instance edges '
                '(data_preprocessor.use_instance_edges=True): give one '
                'instance map per label map (--inst).')
        noise_vec = None if class_noise is None else \
            self.class_noise_vector(class_noise)
        images = []
        for start in range(0, len(labels), batch_size):
            idx = list(range(start, min(start + batch_size, len(labels))))
            batch = pseudo_collate([
                self._load(labels[i], insts[i] if insts else None)
                for i in idx
            ])
            data = self.model.data_preprocessor(batch, False)
            inputs = data['inputs']
            if noise_vec is not None:
                from mmsemsyn.models.data_preprocessors.class_noise import \
                    set_class_noise
                set_class_noise(inputs, noise_vec.to(self.device).expand(
                    len(idx), -1))
            extra = extra_inputs(inputs, idx) if callable(extra_inputs) \
                else extra_inputs
            for key, value in (extra or {}).items():
                inputs[key] = value.to(self.device) if isinstance(
                    value, torch.Tensor) else value
            samples = self.model.predict(inputs, data['data_samples'])
            images += [s.fake_img.permute(1, 2, 0).cpu().numpy()
                       for s in samples]
        if out_dir is not None:
            self.write(images, labels, out_dir)
        return images

    def class_noise_vector(self, values: Union[dict, torch.Tensor]
                           ) -> torch.Tensor:
        """``{class name or id: value}`` (or a (C,) tensor) → the (C,) n^c
        vector of this model; errors name the unknown class / bad value."""
        from mmsemsyn.models.data_preprocessors.class_noise import \
            class_noise_vector
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
    def write(images: List[np.ndarray], labels: Sequence[str],
              out_dir: str) -> List[str]:
        """Write ``<stem>.png`` files (``<stem>_<i>.png`` on name clashes)."""
        os.makedirs(out_dir, exist_ok=True)
        paths, used = [], set()
        for i, (img, label) in enumerate(zip(images, labels)):
            stem = osp.splitext(osp.basename(label))[0]
            name = stem if stem not in used else f'{stem}_{i}'
            used.add(name)
            path = osp.join(out_dir, name + '.png')
            if not cv2.imwrite(path, np.ascontiguousarray(img[..., ::-1])):
                raise OSError(f'Could not write {path!r}.')
            paths.append(path)
        return paths
