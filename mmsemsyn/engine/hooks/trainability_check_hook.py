"""Stop a configuration that cannot train with a message that names the fix,
instead of an error from deep inside PyTorch.

The kind of fault (issue 13, item 5): sizes, batch sizes and network depths
that each look fine but do not fit together.

- SPADE at batch 1 with a crop whose bottleneck is 1x1: BatchNorm sees one
  value per channel ("Expected more than 1 value per channel when
  training");
- an image size the generator's 2**n down/up-sampling cannot divide (U-Net:
  "Sizes of tensors must match" in a skip connection; pix2pixHD, SPADE with
  a fixed ``crop_size``: an output of another size than the photo);
- a crop / image too small for the network depth or for ``num_D`` scales of
  a multi-scale discriminator ("Kernel size can't be greater than actual
  input size", "Padding size should be less than ...").

All of these surface in the first training iteration. The hook watches only
that iteration: forward pre-hooks on every BatchNorm, convolution and
reflection pad of the model, and a watch on the generator's forward, raise
a ``ValueError`` naming the layer, the sizes, and the config keys that fix
it. They only fire where PyTorch would fail anyway, so a config that trains
is never stopped; after the first iteration they are removed (no cost).

``before_train`` also runs :func:`~mmsemsyn.engine.train_checks.
check_train_schedule` (loop / sampler / scheduler units), so a
``Runner`` built from Python gets the same check as ``tools/train.py``.
"""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmsemsyn.registry import HOOKS
from ..train_checks import check_train_schedule

GENERATOR_FIX = (
    'Use a training size that fits the generator ({size_rule}: PairedResize '
    'scale / PairedRandomCrop crop_size in train_pipeline), or fewer '
    'down/up-sampling layers (model.generator: num_downs (pix2pix U-Net), '
    'n_downsample_global (pix2pixHD), num_upsampling_layers (SPADE '
    'family)).')


FIXED_SIZE_HINT = (
    'A generator whose size is fixed by its config must be set to the '
    'training size (SPADE family: model.generator.crop_size = W and '
    'aspect_ratio = W / H; Lab2Pix-V1: init_size = the size / 2**blocks).')


def generator_fix(divisor: int) -> str:
    rule = (f'H and W multiples of {divisor}' if divisor > 1 else
            'large enough for every down-sampling layer')
    return GENERATOR_FIX.format(size_rule=rule)
DISCRIMINATOR_FIX = (
    'Each extra scale of a multi-scale discriminator halves the image and '
    'each PatchGAN layer halves it again: use fewer scales '
    '(model.discriminator.num_D), fewer layers (n_layers_D), or a larger crop '
    '(train_pipeline).')


# PyTorch's messages for feature maps that do not line up (skip
# connections, residual sums, concatenated branches).
SIZE_ERRORS = ('Sizes of tensors must match', 'The size of tensor a',
               'must match the size of tensor')


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def _first_image_tensor(values) -> Optional[torch.Tensor]:
    """The first (B, C, H, W) tensor among positional args / outputs."""
    if isinstance(values, torch.Tensor):
        return values if values.dim() == 4 else None
    if isinstance(values, dict):
        values = list(values.values())
    if isinstance(values, (list, tuple)):
        for value in values:
            found = _first_image_tensor(value)
            if found is not None:
                return found
    return None


def stride2_layers(module: nn.Module) -> int:
    """How many stride-2 convolutions ``module`` holds: the input must be
    divisible by 2 to this power for its down and up paths to meet again
    (U-Net: num_downs; pix2pixHD global: n_downsample_global; each local
    enhancer adds one, and runs the global net on a halved input)."""
    return sum(1 for m in module.modules()
               if isinstance(m, nn.Conv2d) and tuple(m.stride) == (2, 2))


def _conv_min_input(conv: nn.Conv2d) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """(padding (h, w), smallest padded input (h, w)) for a conv."""
    if isinstance(conv.padding, str):
        pad = (0, 0) if conv.padding == 'valid' else (
            (conv.kernel_size[0] - 1) // 2, (conv.kernel_size[1] - 1) // 2)
    else:
        pad = tuple(conv.padding)
    need = tuple(d * (k - 1) + 1 for d, k in zip(conv.dilation,
                                                conv.kernel_size))
    return pad, need


@HOOKS.register_module()
class TrainabilityCheckHook(Hook):
    """Check the first training iteration for sizes that cannot train.

    See the module docstring for what is checked. Raises ``ValueError``
    with the layer name, the batch and feature sizes, and the fix.
    """

    priority = 'VERY_HIGH'

    def __init__(self):
        self._handles: List = []
        self._generator = None
        self._checked = False

    # ---- loop / sampler / scheduler ----------------------------------
    def before_train(self, runner) -> None:
        check_train_schedule(runner.cfg,
                             getattr(runner.cfg, 'filename', '') or '')

    # ---- the first iteration -----------------------------------------
    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if self._checked:
            return
        model = _unwrap(runner.model)
        self.install(model, getattr(runner.cfg, 'filename', '') or '')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if not self._checked:
            self.remove()
            self._checked = True

    def install(self, model: nn.Module, config: str = '') -> None:
        """Put the checks on ``model`` (a synthesizer: ``.generator``,
        ``.discriminator``...) until :meth:`remove`."""
        self.remove()
        where = f' (config {config})' if config else ''
        for name, module in model.named_modules():
            if isinstance(module, (nn.modules.batchnorm._BatchNorm,
                                   nn.modules.instancenorm._InstanceNorm)):
                self._handles.append(module.register_forward_pre_hook(
                    self._norm_check(name, where)))
            elif isinstance(module, nn.Conv2d):
                self._handles.append(module.register_forward_pre_hook(
                    self._conv_check(name, module, where)))
            elif isinstance(module, nn.ReflectionPad2d):
                self._handles.append(module.register_forward_pre_hook(
                    self._pad_check(name, module, where)))
        generator = getattr(model, 'generator', None)
        if isinstance(generator, nn.Module):
            generator = _unwrap(generator)
            self._watch_generator(generator, where)

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self._generator is not None:
            self._generator.__dict__.pop('forward', None)
            self._generator = None

    # ---- the individual checks -----------------------------------------
    @staticmethod
    def _fix_for(name: str, divisor: int = 1) -> str:
        if name.startswith('discriminator') or '.discriminator' in name:
            return DISCRIMINATOR_FIX
        return generator_fix(divisor)

    def _norm_check(self, name: str, where: str):
        """BatchNorm needs more than one value per channel over (batch,
        H, W) in training; InstanceNorm more than one over (H, W)."""

        def check(module, args):
            x = args[0] if args else None
            if not module.training or not isinstance(x, torch.Tensor) or \
                    x.dim() < 3:
                return
            size = 'x'.join(str(s) for s in x.shape[2:])
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                if x.numel() // x.shape[1] > 1:
                    return
                raise ValueError(
                    f'{name}{where}: BatchNorm gets one value per channel '
                    f'(batch {x.shape[0]}, feature map {size}) and cannot '
                    'normalise it in training. Train with batch_size >= 2 '
                    '(train_dataloader.batch_size), a larger crop so that '
                    'this feature map is larger than 1x1, or fewer '
                    'up-sampling layers (model.generator.'
                    'num_upsampling_layers / num_downs).')
            if x[0, 0].numel() > 1:
                return
            raise ValueError(
                f'{name}{where}: InstanceNorm gets a {size} feature map (one '
                'value per channel) and cannot normalise it in training: '
                'the image is too small for the network\'s depth. '
                + self._fix_for(name, 2))
        return check

    def _conv_check(self, name: str, conv: nn.Conv2d, where: str):
        pad, need = _conv_min_input(conv)

        def check(module, args):
            x = args[0] if args else None
            if not isinstance(x, torch.Tensor) or x.dim() != 4:
                return
            h, w = x.shape[-2:]
            if h + 2 * pad[0] < need[0] or w + 2 * pad[1] < need[1]:
                raise ValueError(
                    f'{name}{where}: a {h}x{w} feature map (batch '
                    f'{x.shape[0]}) is smaller than this convolution\'s '
                    f'{need[0]}x{need[1]} kernel: the image is too small for '
                    'the network\'s depth. ' + self._fix_for(name, 2))
        return check

    def _pad_check(self, name: str, pad: nn.ReflectionPad2d, where: str):
        left, right, top, bottom = pad.padding

        def check(module, args):
            x = args[0] if args else None
            if not isinstance(x, torch.Tensor) or x.dim() != 4:
                return
            h, w = x.shape[-2:]
            if max(left, right) >= w or max(top, bottom) >= h:
                raise ValueError(
                    f'{name}{where}: reflection padding of '
                    f'{max(pad.padding)} needs a feature map larger than '
                    f'that, got {h}x{w}: the image is too small for the '
                    'network\'s depth. ' + self._fix_for(name, 2))
        return check

    def _watch_generator(self, generator: nn.Module, where: str) -> None:
        """Translate a size failure inside the generator, and an output of
        another size than its input, into the fix."""
        divisor = 2**stride2_layers(generator)
        original = generator.forward
        name = type(generator).__name__

        def forward(*args, **kwargs):
            x = _first_image_tensor(args) if args else \
                _first_image_tensor(list(kwargs.values()))
            size = tuple(x.shape[-2:]) if x is not None else None
            try:
                out = original(*args, **kwargs)
            except RuntimeError as err:
                if size is None or not any(
                        p in str(err) for p in SIZE_ERRORS):
                    raise
                raise ValueError(
                    f'{name}{where} cannot process a {size[0]}x{size[1]} '
                    f'input ({err}). ' + generator_fix(divisor) + ' '
                    + FIXED_SIZE_HINT) from err
            y = out.get('fake_img') if isinstance(out, dict) else out
            y = _first_image_tensor(y)
            if size is not None and y is not None and \
                    tuple(y.shape[-2:]) != size:
                raise ValueError(
                    f'{name}{where} turns a {size[0]}x{size[1]} input into a '
                    f'{y.shape[-2]}x{y.shape[-1]} image, which cannot be '
                    'compared with the photo. ' + FIXED_SIZE_HINT + ' '
                    + generator_fix(divisor))
            return out

        generator.forward = forward
        self._generator = generator
