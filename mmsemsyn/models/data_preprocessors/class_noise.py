"""The per-class noise channel of the diversity loss (Yang et al., TIP 2019).

"On the Diversity of Conditional Image Synthesis with Semantic Layouts"
(arXiv 1712.07329), §III-C and §IV: one extra generator input channel of the
label map's size; every pixel of class ``c`` holds the class scalar
``n^c ~ U(-1, 1)``. Training pairs ``G(l, 0)`` with ``G(l, n)`` (Eq. 7); the
paper's Appendix B allows the two to run as one batch of size two, which is
what :meth:`ClassNoise.pair_batch` builds.

The official code (ZJULearning/diverse_image_synthesis, ``train.py``,
``random_generator``) draws the scalars differently: after the uniform draw
the largest one is doubled and the vector is divided by its L1 norm
(``sampler='argmax_doubled_l1'``).
"""
from typing import Dict, Optional, Sequence, Union

import torch

SAMPLERS = ('uniform', 'argmax_doubled_l1')
EVAL_NOISE = ('random', 'zero')


def sample_class_noise(batch_size: int, num_classes: int,
                       sampler: str = 'uniform',
                       device: Union[str, torch.device] = 'cpu',
                       generator: Optional[torch.Generator] = None
                       ) -> torch.Tensor:
    """Draw one noise scalar per class and sample.

    Args:
        batch_size: B.
        num_classes: C, the number of semantic classes (no dontcare).
        sampler: ``'uniform'``: ``n^c ~ U(-1, 1)`` i.i.d. (the paper, §III-C);
            ``'argmax_doubled_l1'``: the official code's variant -- the
            largest draw is doubled, then the vector is L1-normalised, so
            ``sum_c |n^c| = 1`` and one class dominates (a "soft one-hot").
        device: device of the result.
        generator: optional ``torch.Generator`` (reproducible draws).

    Returns:
        (B, C) float tensor with values in [-1, 1].

    Raises:
        ValueError: unknown ``sampler`` or ``num_classes < 1``.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f'class noise sampler {sampler!r} is not one of '
                         f'{SAMPLERS}.')
    if num_classes < 1:
        raise ValueError(f'num_classes must be >= 1, got {num_classes}.')
    noise = torch.rand(batch_size, num_classes, generator=generator,
                       device=device) * 2 - 1
    if sampler == 'argmax_doubled_l1':
        # Doubling the maximum before normalising makes one class carry
        # the largest share of the (unit) L1 budget every step.
        top = noise.argmax(dim=1, keepdim=True)
        noise = noise.scatter(1, top, noise.gather(1, top) * 2)
        noise = noise / noise.abs().sum(dim=1, keepdim=True).clamp_min(1e-12)
    return noise


def paint_class_noise(label: torch.Tensor,
                      class_noise: torch.Tensor) -> torch.Tensor:
    """Paint class scalars onto their pixels: ``out[b, 0, p] = n_b^{l_b(p)}``.

    Args:
        label: (B, H, W) int64 class ids. Ids ``>= C`` (the dontcare
            channel's id) get 0: they have no class scalar.
        class_noise: (B, C) per-class values.

    Returns:
        (B, 1, H, W) float noise channel.
    """
    if label.dim() != 3 or class_noise.dim() != 2 or \
            label.shape[0] != class_noise.shape[0]:
        raise ValueError(
            f'paint_class_noise needs label (B, H, W) and class_noise (B, C) '
            f'with the same B; got {tuple(label.shape)} and '
            f'{tuple(class_noise.shape)}.')
    num_classes = class_noise.shape[1]
    # One extra zero column takes the dontcare id (== C) and anything above.
    table = torch.cat([class_noise.float(),
                       class_noise.new_zeros(class_noise.shape[0], 1)], 1)
    index = label.clamp(0, num_classes).flatten(1)
    return table.gather(1, index).view(label.shape).unsqueeze(1)


def class_noise_vector(values: Dict[Union[str, int], float],
                       classes: Optional[Sequence[str]],
                       num_classes: int,
                       default: Optional[torch.Tensor] = None
                       ) -> torch.Tensor:
    """``{class name or id: value}`` → a (C,) vector for the noise channel.

    Classes not named keep ``default`` (zeros when None: the ``G(l, 0)``
    image for them). Values must lie in [-1, 1], the range the noise was
    drawn from in training: a model has never seen other values, so they
    are refused rather than extrapolated.

    Raises:
        ValueError: a name not in ``classes``, an id outside ``[0, C)``, a
            value that is not a number or lies outside [-1, 1].
    """
    vec = torch.zeros(num_classes) if default is None else \
        default.detach().float().cpu().clone()
    names = list(classes or ())
    for key, value in values.items():
        idx = key
        if isinstance(key, str):
            if key in names:
                idx = names.index(key)
            elif key.strip().lstrip('-').isdigit():
                idx = int(key)
            else:
                raise ValueError(
                    f'Class noise names unknown class {key!r}; the model '
                    f'knows {names or "no class names"} (or give a class id '
                    f'0..{num_classes - 1}).')
        if not isinstance(idx, int) or not 0 <= idx < num_classes:
            raise ValueError(
                f'Class noise names class id {key!r}, outside the model\'s '
                f'0..{num_classes - 1}.')
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f'Class noise value for {key!r} is not a '
                             f'number: {value!r}.') from None
        if not -1.0 <= value <= 1.0:
            raise ValueError(
                f'Class noise value {value} for {key!r} lies outside [-1, 1], '
                'the range the noise is drawn from in training (the model '
                'never saw other values); give a value in [-1, 1].')
        vec[idx] = value
    return vec


class ClassNoise:
    """The noise-channel option of :class:`SynDataPreprocessor`.

    Args:
        num_classes: C (the noise has one scalar per semantic class).
        sampler: see :func:`sample_class_noise`.
        eval_noise: the noise of ``predict`` (validation, test, the
            inferencer before its own values are set): ``'random'`` draws
            fresh scalars with the torch RNG, so ``tools/test.py
            --num-samples K`` gives K different images; ``'zero'`` gives the
            deterministic ``G(l, 0)``.
    """

    def __init__(self, num_classes: int, sampler: str = 'uniform',
                 eval_noise: str = 'random'):
        if sampler not in SAMPLERS:
            raise ValueError(f'class_noise.sampler={sampler!r} is not one '
                             f'of {SAMPLERS}.')
        if eval_noise not in EVAL_NOISE:
            raise ValueError(f'class_noise.eval_noise={eval_noise!r} is not '
                             f'one of {EVAL_NOISE}.')
        self.num_classes = num_classes
        self.sampler = sampler
        self.eval_noise = eval_noise

    def __call__(self, inputs: dict, training: bool) -> dict:
        """Append the noise channel to ``inputs['semantics']`` (as its last
        channel) and store the scalars as ``inputs['class_noise']`` (B, C).

        In training the batch is doubled -- rows ``[:B]`` get zero noise,
        rows ``[B:]`` the drawn noise, every other tensor is repeated -- so
        one generator call returns ``G(l, 0)`` and ``G(l, n)`` and the base
        losses see both (Appendix B). ``inputs['noise_pair_size'] = B``
        marks such a batch.
        """
        label = inputs['label']
        batch = label.shape[0]
        if training:
            noise = sample_class_noise(batch, self.num_classes, self.sampler,
                                       device=label.device)
            noise = torch.cat([torch.zeros_like(noise), noise], 0)
            for key, value in list(inputs.items()):
                if isinstance(value, torch.Tensor) and \
                        value.shape[:1] == (batch, ):
                    inputs[key] = torch.cat([value, value], 0)
            inputs['noise_pair_size'] = batch
        elif self.eval_noise == 'random':
            noise = sample_class_noise(batch, self.num_classes, self.sampler,
                                       device=label.device)
        else:
            noise = torch.zeros(batch, self.num_classes, device=label.device)
        return set_class_noise(inputs, noise)


def set_class_noise(inputs: dict, class_noise: torch.Tensor) -> dict:
    """Replace the noise channel (the last channel of ``semantics``) by the
    painting of ``class_noise`` (B, C); ``inputs['class_noise']`` holds it.
    Called with no channel yet (``'class_noise'`` not in ``inputs``), it
    appends one."""
    channel = paint_class_noise(inputs['label'], class_noise.to(
        inputs['label'].device))
    semantics = inputs['semantics']
    if 'class_noise' in inputs:
        semantics = semantics[:, :-1]
    inputs['semantics'] = torch.cat([semantics, channel.to(semantics)], 1)
    inputs['class_noise'] = class_noise.to(semantics.device).float()
    return inputs
