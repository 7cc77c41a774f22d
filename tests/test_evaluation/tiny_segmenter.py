"""A tiny mmseg segmenter (ResNet-18-like, 8 base channels) for tests."""


def tiny_segmenter_cfg(num_classes: int = 5, mode: str = 'whole') -> dict:
    # SyncBN on purpose: the builder must revert it to BN.
    norm_cfg = dict(type='SyncBN', requires_grad=True)
    test_cfg = dict(mode=mode)
    if mode == 'slide':
        test_cfg.update(crop_size=(24, 24), stride=(16, 16))
    return dict(
        type='EncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        pretrained=None,
        backbone=dict(
            type='ResNetV1c', depth=18, base_channels=8, stem_channels=8,
            num_stages=4, out_indices=(3, ), dilations=(1, 1, 1, 1),
            strides=(1, 2, 2, 2), norm_cfg=norm_cfg, contract_dilation=True),
        decode_head=dict(
            type='FCNHead', in_channels=64, in_index=0, channels=16,
            num_convs=1, concat_input=False, num_classes=num_classes,
            norm_cfg=norm_cfg, align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        train_cfg=dict(),
        test_cfg=test_cfg)
