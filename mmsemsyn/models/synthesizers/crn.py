"""CRN: Cascaded Refinement Network training without a GAN.

Chen & Koltun, "Photographic Image Synthesis with Cascaded Refinement
Networks", ICCV 2017; the official TensorFlow code is
CQFIO/PhotographicImageSynthesis (``demo_256p.py``: from scratch, n = 9
images per label map; ``demo_512p.py`` / ``demo_1024p.py``: fine-tuning
stages, one image). Yang et al. §II-B summarise it as the diversity loss's
second base network.

L_G = hindsight(sum_l lambda_l * mask-weighted |Phi_l(G(l)_k) - Phi_l(i)|)
(:class:`~mmsemsyn.models.losses.CRNContentLoss`); Adam, lr 1e-4, batch 1.
"""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmsemsyn.registry import MODELS
from mmsemsyn.structures import SynDataSample
from .base_synthesis_gan import BaseSynthesisGAN, to_uint8_image


@MODELS.register_module()
class CRN(BaseSynthesisGAN):
    """The CRN algorithm: one generator, a content loss, no discriminator.

    Loss roles: ``content`` (:class:`CRNContentLoss`, given every output of
    the generator, the photo and the one-hot label masks) and, optionally,
    ``diversity`` (with the data preprocessor's ``class_noise``: the noise
    is the last ``semantics`` channel, so the generator's ``in_channels``
    counts it; see ``BaseSynthesisGAN.noise_pair_losses``).

    Args:
        generator: a generator config; ``num_outputs`` (n) of the generator
            (:class:`CRNGenerator`) sets how many images one forward gives.
        data_preprocessor: :class:`SynDataPreprocessor` config; the official
            input is the 19 train classes + the void channel (num_classes=19,
            dontcare_label=255).
        losses: ``{'content': ...}``.
        extra_input_keys: keys of the preprocessed inputs concatenated, in
            order, after ``semantics`` as further generator input channels
            (e.g. the diversity loss's noise channel); the generator's
            ``in_channels`` must count them.
        **kwargs: options of :class:`BaseSynthesisGAN` that apply without a
            discriminator (``ema``, ``compile_networks``, ...).

    Outputs of :meth:`forward_generator`: ``fake_outputs`` (B, n, 3, H, W)
    and ``fake_img`` = ``fake_outputs[:, 0]``, on the [-1, 1] scale (not
    clamped: the official has no output activation).
    Predicted samples carry ``fake_img`` (image 0) and, when n > 1,
    ``fake_outputs`` (n, 3, H, W) uint8 -- ``tools/test.py --num-samples K``
    uses the first K of them as the K samples.
    """

    default_update_order = 'g_then_d'

    def __init__(self,
                 generator: dict,
                 data_preprocessor: Optional[dict] = None,
                 losses: Optional[Dict[str, dict]] = None,
                 extra_input_keys: Sequence[str] = (),
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        super().__init__(generator=generator, discriminator=None,
                         data_preprocessor=data_preprocessor, losses=losses,
                         init_cfg=init_cfg, **kwargs)
        self.extra_input_keys = tuple(extra_input_keys)

    @property
    def num_outputs(self) -> int:
        """n, the images of one generator forward pass."""
        return int(getattr(self.generator, 'num_outputs', 1))

    def generator_input(self, inputs: dict) -> torch.Tensor:
        """concat(semantics, *extra inputs) along channels."""
        missing = [k for k in self.extra_input_keys if k not in inputs]
        if missing:
            raise KeyError(
                f'CRN: extra_input_keys {missing} are not among the '
                f'preprocessed inputs {sorted(inputs)}; enable them in the '
                'data preprocessor or drop them from extra_input_keys.')
        return torch.cat([inputs['semantics']] +
                         [inputs[k] for k in self.extra_input_keys], 1)

    def forward_generator(self, inputs: dict) -> Dict[str, torch.Tensor]:
        out = self.generator(self.generator_input(inputs))
        b, c, h, w = out.shape
        n = self.num_outputs
        if c != 3 * n:
            raise ValueError(f'CRN: the generator gave {c} channels, '
                             f'expected 3 * num_outputs = {3 * n}.')
        fakes = out.view(b, n, 3, h, w)
        return dict(fake_img=fakes[:, 0], fake_outputs=fakes)

    def label_masks(self, inputs: dict) -> torch.Tensor:
        """(B, C, H, W) one-hot of the train classes + void: the per-class
        masks of the official loss (its 20-channel label input)."""
        return self.data_preprocessor.one_hot(inputs['label'])

    def generator_losses(self, inputs: dict,
                         outputs: dict) -> Dict[str, torch.Tensor]:
        return self.loss('content', outputs['fake_outputs'], inputs['img'],
                         self.label_masks(inputs))

    def discriminator_losses(self, inputs, outputs):
        return {}

    def train_step(self, data: dict, optim_wrapper) -> Dict[str, torch.Tensor]:
        """One Adam step on the content loss. ``optim_wrapper`` is
        mmengine's ``OptimWrapper`` or an ``OptimWrapperDict`` with a
        ``generator`` entry (the toolbox's ``SynOptimWrapperConstructor``)."""
        if isinstance(optim_wrapper, OptimWrapperDict):
            optim_wrapper = optim_wrapper['generator']
        if not isinstance(optim_wrapper, OptimWrapper):
            raise TypeError(f'CRN.train_step needs an OptimWrapper, got '
                            f'{type(optim_wrapper).__name__}.')
        data = self.data_preprocessor(data, True)
        inputs = data['inputs']
        with optim_wrapper.optim_context(self.generator):
            outputs = self.forward_generator(inputs)
        # The shared G update (content loss + the diversity loss of
        # G(l, 0) / G(l, n) pairs when class_noise doubled the batch).
        return self._generator_step(inputs, outputs, optim_wrapper)[0]

    @torch.no_grad()
    def predict(self, inputs: dict,
                data_samples: Optional[Sequence[SynDataSample]] = None
                ) -> List[SynDataSample]:
        """One sample per input: ``fake_img`` (3, H, W) uint8 (output 0) and,
        for n > 1, ``fake_outputs`` (n, 3, H, W) uint8 plus ``output_1`` ..
        ``output_{n-1}`` listed in ``visual_keys`` (sample grids)."""
        with self.ema_generator_in_use():  # the average, with model.ema
            fakes = to_uint8_image(
                self.forward_generator(inputs)['fake_outputs']).cpu()
        results = []
        for i in range(fakes.shape[0]):
            sample = data_samples[i].clone_meta() \
                if data_samples is not None else SynDataSample()
            sample.fake_img = fakes[i, 0]
            if fakes.shape[1] > 1:
                sample.fake_outputs = fakes[i]
                # Sample grids show every output (label | 0 | 1 .. | real).
                keys = tuple(f'output_{k}' for k in range(1, fakes.shape[1]))
                for k, key in enumerate(keys, 1):
                    sample.set_field(fakes[i, k], key)
                sample.set_metainfo(dict(visual_keys=keys))
            results.append(sample)
        return results
