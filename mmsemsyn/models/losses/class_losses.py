"""LGGAN's class-level losses (Tang et al., CVPR 2020, Sec. 3.2)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsemsyn.registry import MODELS


@MODELS.register_module()
class ClassSpecificL1Loss(nn.Module):
    """Semantic-mask guided pixel L1 of the class generators (Eq. 2).

    ``sum_c mean|I_c^l - I * M_c|`` over the class outputs ``I_c^l``, with
    each term a plain mean over (B, 3, H, W) as the official
    ``criterionL1(result_c, real * mask_c)``; ``loss_weight`` is lambda_l1.

    ``fix_class27_mask``: the official semantic-synthesis code returns
    class 26's mask in the place of class 27's, so class 27's output is
    pulled towards the photo under class 26's mask. ``True`` (default) uses
    the right mask; ``False`` reproduces the official behaviour.

    Args (forward):
        class_images: (B, K, 3, H, W) outputs of the K class generators.
        masks: (B, K, H, W) masks M_c (one per class generator).
        target: (B, 3, H, W) real photo.
    """

    def __init__(self, loss_weight: float = 1.0,
                 fix_class27_mask: bool = True,
                 loss_name: str = 'loss_l1_local'):
        super().__init__()
        self.loss_weight = loss_weight
        self.fix_class27_mask = fix_class27_mask
        self.loss_name = loss_name

    def forward(self, class_images: torch.Tensor, masks: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        if class_images.dim() != 5 or masks.dim() != 4:
            raise ValueError(
                'ClassSpecificL1Loss expects class_images (B, K, 3, H, W) and '
                f'masks (B, K, H, W), got {tuple(class_images.shape)} and '
                f'{tuple(masks.shape)}.')
        if not self.fix_class27_mask and masks.shape[1] > 27:
            masks = masks.clone()
            masks[:, 27] = masks[:, 26]
        masked_target = target.unsqueeze(1) * masks.unsqueeze(2)
        # mean over (B, 3, H, W) per class, then sum over the classes
        per_class = (class_images - masked_target).abs().mean(dim=(0, 2, 3, 4))
        return per_class.sum() * self.loss_weight


@MODELS.register_module()
class ClassPresenceCrossEntropyLoss(nn.Module):
    """LGGAN's classification loss (Eq. 5): cross-entropy of every class
    feature's prediction against its own class, counted only for classes
    present in the sample (the void-class indicator ``H``), averaged over
    the counted (sample, class) pairs.

    The official code handles one sample per GPU (it stacks classes along
    the batch axis); this is the same loss for any batch size, and equal to
    it for batch 1.

    Args (forward):
        logits: (B, K, K) -- row k is the prediction for class feature k.
        valid: (B, K) bool/float, class k present in sample b.
    """

    def __init__(self, loss_weight: float = 1.0,
                 loss_name: str = 'loss_class'):
        super().__init__()
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, logits: torch.Tensor,
                valid: torch.Tensor) -> torch.Tensor:
        b, k, num_cls = logits.shape
        target = torch.arange(k, device=logits.device).expand(b, k)
        ce = F.cross_entropy(logits.reshape(b * k, num_cls),
                             target.reshape(-1), reduction='none')
        valid = valid.reshape(-1).to(ce.dtype)
        # clamp: a batch without any valid class gives 0, not NaN
        return (ce * valid).sum() / valid.sum().clamp(min=1) * \
            self.loss_weight
