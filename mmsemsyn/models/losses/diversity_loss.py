"""The diversity loss L_Div (Yang, Liu, Cai: "On the Diversity of Conditional
Image Synthesis with Semantic Layouts", TIP 2019 / arXiv 1712.07329, §III,
Eq. 7-8; official code ZJULearning/diverse_image_synthesis ``train.py``)."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class DiversityLoss(nn.Module):
    """Eq. 7: ``L_Div = E_{l,n} sum_c |n^c| max(0, lambda_c - ||G(l,0) -
    G(l,n)||_1^c)``, times ``loss_weight`` (beta of Eq. 8).

    ``||.||_1^c`` is the mean absolute difference over the pixels of class c
    and the 3 colour channels (the official ``diversity_loss``: the L1 of the
    masked difference rescaled by total / masked pixels), on images in
    [-1, 1]. A class absent from a sample adds nothing. The sum over classes
    is taken per sample, then averaged over the batch -- the expectation of
    Eq. 7; the official code (batch size 1) pools one mask over the batch
    with one noise vector, which is the same thing at batch size 1.

    Args:
        margin: lambda_c, the distortion bound: a float for every class (the
            paper's 0.3) or one value per class.
        loss_weight: beta (Eq. 8): 0.1 for pix2pix, 10 for CRN in the paper;
            the official unpaired code uses 10 (``--gamma``).
        ramp_epochs: the official ramp-in: the loss is multiplied by
            ``min(1, epoch / ramp_epochs)`` with 1-based epochs (the official
            100). None: no ramp (the paper).
        iters_per_epoch: for iteration-based schedules, the epoch of the ramp
            is ``iter // iters_per_epoch``; None takes the Runner's epoch.
            Either comes from :class:`LossRampHook` (:meth:`set_progress`,
            before every training iteration); until it is set the ramp is
            at its first epoch.
        loss_name: log key.

    Shapes:
        fake_zero, fake_noise: (B, 3, H, W), G(l, 0) and G(l, n) in [-1, 1].
        label: (B, H, W) int64 class ids; ids >= C (dontcare) are ignored.
        class_noise: (B, C) the scalars n^c painted into G(l, n)'s input.
        Returns a scalar.

    Raises:
        ValueError: mismatched shapes, or ``margin`` of the wrong length.
    """

    def __init__(self,
                 margin: Union[float, Sequence[float]] = 0.3,
                 loss_weight: float = 1.0,
                 ramp_epochs: Optional[int] = None,
                 iters_per_epoch: Optional[int] = None,
                 loss_name: str = 'loss_div'):
        super().__init__()
        if ramp_epochs is not None and ramp_epochs < 1:
            raise ValueError(f'ramp_epochs must be >= 1 or None, got '
                             f'{ramp_epochs}.')
        if iters_per_epoch is not None and iters_per_epoch < 1:
            raise ValueError(f'iters_per_epoch must be >= 1 or None, got '
                             f'{iters_per_epoch}.')
        self.register_buffer(
            'margin', torch.as_tensor(margin, dtype=torch.float32).flatten(),
            persistent=False)
        self.loss_weight = loss_weight
        self.ramp_epochs = ramp_epochs
        self.iters_per_epoch = iters_per_epoch
        self.loss_name = loss_name
        self.epoch = 0  # of the ramp, from 0; set by set_progress

    def set_progress(self, iter: int, max_iters: Optional[int] = None,
                     epoch: int = 0,
                     max_epochs: Optional[int] = None) -> None:
        """Called by :class:`LossRampHook` before every training iteration
        with the runner's progress: the ramp's epoch is ``iter //
        iters_per_epoch``, or ``epoch`` without ``iters_per_epoch``."""
        if self.iters_per_epoch is not None:
            self.epoch = int(iter) // self.iters_per_epoch
        else:
            self.epoch = int(epoch)

    def ramp_factor(self) -> float:
        """The official ramp-in factor of the current training step (1 when
        off): ``min(1, epoch / ramp_epochs)``, epoch counted from 1."""
        if self.ramp_epochs is None:
            return 1.0
        return min(1.0, (self.epoch + 1) / self.ramp_epochs)

    def class_distances(self, fake_zero: torch.Tensor,
                        fake_noise: torch.Tensor, label: torch.Tensor,
                        num_classes: int):
        """Per sample and class: the masked mean ``||G(l,0)-G(l,n)||_1^c``
        (B, C) and the pixel counts (B, C)."""
        diff = (fake_zero - fake_noise).abs().mean(1)  # (B, H, W)
        masks = torch.zeros(label.shape[0], num_classes + 1,
                            *label.shape[1:], device=label.device,
                            dtype=diff.dtype)
        masks.scatter_(1, label.clamp(0, num_classes).unsqueeze(1), 1.0)
        masks = masks[:, :num_classes]  # drop dontcare
        counts = masks.sum((2, 3))
        sums = torch.einsum('bchw,bhw->bc', masks, diff)
        return sums / counts.clamp_min(1.0), counts

    def forward(self, fake_zero: torch.Tensor, fake_noise: torch.Tensor,
                label: torch.Tensor,
                class_noise: torch.Tensor) -> torch.Tensor:
        if fake_zero.shape != fake_noise.shape:
            raise ValueError(
                f'DiversityLoss: G(l, 0) {tuple(fake_zero.shape)} and '
                f'G(l, n) {tuple(fake_noise.shape)} differ in shape.')
        if label.shape != fake_zero.shape[:1] + fake_zero.shape[2:] or \
                class_noise.dim() != 2 or \
                class_noise.shape[0] != fake_zero.shape[0]:
            raise ValueError(
                f'DiversityLoss: label {tuple(label.shape)} must be (B, H, W) '
                f'and class_noise {tuple(class_noise.shape)} (B, C) for '
                f'images {tuple(fake_zero.shape)}.')
        num_classes = class_noise.shape[1]
        margin = self.margin
        if margin.numel() not in (1, num_classes):
            raise ValueError(
                f'DiversityLoss: {margin.numel()} margins (lambda_c) for '
                f'{num_classes} classes; give one value or one per class.')
        dist, counts = self.class_distances(fake_zero, fake_noise, label,
                                            num_classes)
        hinge = torch.relu(margin.to(dist) - dist) * (counts > 0)
        loss = (class_noise.abs().to(dist) * hinge).sum(1).mean()
        return loss * (self.loss_weight * self.ramp_factor())
