# ADE20K paper protocol (SPADE / LGGAN / Lab2Pix / CC-FPSE tables): FID
# (pytorch-fid Inception) + mIoU / pixel accuracy with the papers'
# segmenter, UperNet-101 (CSAILVision/semantic-segmentation-pytorch
# ade20k-resnet101-upernet, 150 classes; 42.66 mIoU / 81.01 pixel acc.
# multi-scale on real val images, that repo's README).
# Choices and their sources:
# - Segmenter: SPADE issue #39 (the authors' list).
# - Multi-scale test: the release's own (config/ade20k-resnet101-upernet.yaml
#   + eval.py): short side 300, 375, 450, 525, 600 (long side <= 1000), each
#   side rounded up to a multiple of 32, bilinear; softmax of each scale
#   resized to the label size and averaged. No flip.
# - Resize: the generated 256x256 image is the ms-test's input (seg_scale
#   None), so the predictions come back at the label size (256x256) -- the
#   papers segment their generated images, labels resized with nearest by
#   the dataset pipeline.
# - Normalisation: ImageNet mean/std on RGB in [0, 1] (its img_transform).
# - Classes: our ADE20K labels are already 0..149 with 0 -> 255 (the
#   release's "label - 1", -1 ignored): identity map, 255 ignored.
# Weights: the release's two files (converted on load); offline:
#   --cfg-options test_evaluator.1.seg_checkpoint.encoder=/path/encoder_epoch_50.pth
#   test_evaluator.1.seg_checkpoint.decoder=/path/decoder_epoch_50.pth
#   test_evaluator.0.inception_path=/path/pt_inception-2015-12-05-6726825d.pth
# (or one converted file: test_evaluator.1.seg_checkpoint=/path/file.pth)
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='SegmentationScore',
         seg_config=dict(
             type='mmsemsyn.ShortSideMultiScaleEncoderDecoder',
             short_sides=(300, 375, 450, 525, 600),
             max_long_side=1000,
             size_divisor=32,
             data_preprocessor=dict(
                 type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                 std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
             backbone=dict(type='ResNetV1c', depth=101, stem_channels=128,
                           base_channels=64, strides=(1, 2, 2, 2),
                           dilations=(1, 1, 1, 1), out_indices=(0, 1, 2, 3),
                           style='pytorch', contract_dilation=False),
             decode_head=dict(type='mmsemsyn.CSAILUPerHead',
                              in_channels=[256, 512, 1024, 2048],
                              in_index=[0, 1, 2, 3], pool_scales=(1, 2, 3, 6),
                              channels=512, dropout_ratio=0.,
                              norm_cfg=dict(type='BN', requires_grad=True),
                              num_classes=150, align_corners=False),
             test_cfg=dict(mode='whole')),
         seg_checkpoint=dict(
             encoder='http://sceneparsing.csail.mit.edu/model/pytorch/'
             'ade20k-resnet101-upernet/encoder_epoch_50.pth',
             decoder='http://sceneparsing.csail.mit.edu/model/pytorch/'
             'ade20k-resnet101-upernet/decoder_epoch_50.pth'),
         label_map='ade20k_identity',
         ignore_index=255,
         seg_scale=None,
         class_names='ade20k'),
    dict(type='PixelMetrics'),
]
# Validation during training: FID + the segmentation score (the best
# checkpoint is kept by FID/fid, default_runtime.py); pixel scores only at
# test time.
val_evaluator = [m for m in test_evaluator
                 if m['type'] in ('FrechetInceptionDistance',
                                  'SegmentationScore')]
