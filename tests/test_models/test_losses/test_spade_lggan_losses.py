"""KLD (SPADE VAE), class-specific L1 and class-presence CE (LGGAN)."""
import torch
import torch.nn.functional as F

from mmsemsyn.models.losses.class_losses import (
    ClassPresenceCrossEntropyLoss,
    ClassSpecificL1Loss,
)
from mmsemsyn.models.losses.kld_loss import KLDLoss


def test_kld_is_a_weighted_sum():
    mu, logvar = torch.randn(3, 8), torch.randn(3, 8)
    ref = sum(-0.5 * (1 + lv - m**2 - lv.exp())
              for m, lv in zip(mu.flatten(), logvar.flatten()))
    torch.testing.assert_close(KLDLoss(0.05)(mu, logvar), ref * 0.05)
    assert KLDLoss()(torch.zeros(2, 4), torch.zeros(2, 4)) == 0


def _masks(b, k, h, w):
    ids = torch.randint(0, k, (b, h, w))
    return F.one_hot(ids, k).permute(0, 3, 1, 2).float()


def test_class_specific_l1_matches_official_sum():
    torch.manual_seed(0)
    b, k = 2, 30
    imgs, real = torch.rand(b, k, 3, 8, 8), torch.rand(b, 3, 8, 8)
    masks = _masks(b, k, 8, 8)
    # official: sum_c L1Loss()(result_c, real * label_3_c), lambda_l1 = 1
    ref = sum(F.l1_loss(imgs[:, c], real * masks[:, c:c + 1])
              for c in range(k))
    torch.testing.assert_close(ClassSpecificL1Loss()(imgs, masks, real), ref)
    # fix_class27_mask=False: class 27 is compared under class 26's mask
    buggy_masks = masks.clone()
    buggy_masks[:, 27] = masks[:, 26]
    ref_bug = sum(F.l1_loss(imgs[:, c], real * buggy_masks[:, c:c + 1])
                  for c in range(k))
    loss_bug = ClassSpecificL1Loss(fix_class27_mask=False)
    torch.testing.assert_close(loss_bug(imgs, masks, real), ref_bug)
    assert not torch.allclose(ref, ref_bug)


def test_class_presence_ce_matches_official_for_one_sample():
    torch.manual_seed(0)
    k = 6
    logits = torch.randn(1, k, k)
    valid = torch.tensor([[1, 0, 1, 1, 0, 1]], dtype=torch.bool)
    # official: sum(CE(score, arange) * index) / sum(index) * lambda_class
    ce = F.cross_entropy(logits[0], torch.arange(k), reduction='none')
    ref = (ce * valid[0].float()).sum() / valid.sum()
    loss = ClassPresenceCrossEntropyLoss()
    torch.testing.assert_close(loss(logits, valid), ref)
    # batch of two: mean over all present (sample, class) pairs
    logits2, valid2 = torch.randn(2, k, k), torch.rand(2, k) > 0.5
    valid2[0, 0] = True
    ce2 = torch.stack([F.cross_entropy(logits2[i], torch.arange(k),
                                       reduction='none') for i in range(2)])
    torch.testing.assert_close(loss(logits2, valid2),
                               ce2[valid2].sum() / valid2.sum())
    # no class present -> 0, not NaN
    assert loss(logits, torch.zeros(1, k, dtype=torch.bool)) == 0
