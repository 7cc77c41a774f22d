import pytest
import torch
import torch.nn as nn
from tiny_segmenter import tiny_segmenter_cfg

from mmsemsyn.models.pretrained.segmenter import (
    build_mmseg_segmenter,
    normalize_for_segmenter,
    segment_logits,
)


def test_frozen_segmenter_stays_eval_and_keeps_scope():
    from mmengine.registry import DefaultScope
    def current_scope():
        # mmengine restores its scopes as deep copies: compare names.
        scope = DefaultScope.get_current_instance()
        return None if scope is None else scope.scope_name

    for outer in (None, 'mmsemsyn'):
        with DefaultScope.overwrite_default_scope(outer):
            before = current_scope()
            seg = build_mmseg_segmenter(tiny_segmenter_cfg())
            assert current_scope() == before
    assert not any(p.requires_grad for p in seg.parameters())
    # SyncBN reverted (single-process / CPU use).
    assert not any(isinstance(m, nn.SyncBatchNorm) for m in seg.modules())
    parent = nn.Sequential(seg)
    parent.train()
    assert not seg.training and not seg.backbone.training
    x = torch.randint(0, 256, (2, 3, 32, 40), dtype=torch.uint8)
    out = segment_logits(seg, x)
    assert out.shape == (2, 5, 32, 40)
    # seg_scale: segmented at another size, logits returned at label size.
    out2 = segment_logits(seg, x, seg_scale=(48, 64))
    assert out2.shape == (2, 5, 32, 40)


def test_trainable_segmenter_and_checkpoint(tmp_path):
    seg = build_mmseg_segmenter(tiny_segmenter_cfg(), frozen=False)
    assert all(p.requires_grad for p in seg.parameters())
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    logits = seg.encode_decode(normalize_for_segmenter(seg, x, '[-1,1]'),
                               [dict(img_shape=(64, 64))] * 2)
    logits.sum().backward()
    assert seg.decode_head.conv_seg.weight.grad is not None
    ckpt = tmp_path / 'seg.pth'
    torch.save({'state_dict': seg.state_dict()}, ckpt)
    frozen = build_mmseg_segmenter(tiny_segmenter_cfg(), str(ckpt))
    for k, v in seg.state_dict().items():
        assert torch.equal(v, frozen.state_dict()[k])
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        build_mmseg_segmenter(tiny_segmenter_cfg(), str(tmp_path /
                                                         'missing.pth'))


def test_normalisation_matches_mmseg_preprocessor():
    seg = build_mmseg_segmenter(tiny_segmenter_cfg())
    img = torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8)
    # mmseg's own path: the image arrives BGR and is flipped to RGB.
    data = seg.data_preprocessor(dict(inputs=[img.flip(0)]), False)
    ours = normalize_for_segmenter(seg, img[None])
    assert torch.allclose(data['inputs'], ours, atol=1e-5)
    ours_pm1 = normalize_for_segmenter(seg, img[None].float() / 127.5 - 1,
                                       '[-1,1]')
    assert torch.allclose(ours_pm1, ours, atol=1e-4)


def test_unreachable_checkpoint_url_names_it():
    url = 'https://host.invalid/seg_20200606-068fcfe9.pth'
    with pytest.raises(RuntimeError) as err:
        build_mmseg_segmenter(tiny_segmenter_cfg(), url)
    assert url in str(err.value) and 'local path' in str(err.value)


def test_slide_inference_mode():
    seg = build_mmseg_segmenter(tiny_segmenter_cfg(mode='slide'))
    x = torch.randint(0, 256, (1, 3, 40, 56), dtype=torch.uint8)
    assert segment_logits(seg, x).shape == (1, 5, 40, 56)
