# COCO-Stuff paper protocol (SPADE / CC-FPSE / LGGAN tables): FID
# (pytorch-fid Inception) + mIoU / pixel accuracy with the papers'
# segmenter, DeepLab-v2 ResNet-101 MSC (kazuto1011/deeplab-pytorch
# deeplabv2_resnet101_msc-cocostuff164k-100000.pth, 182 ids of which 171
# are supervised; 39.1 mIoU / 66.8 pixel acc. on real val2017 images without
# CRF, that repo's README, as CC-FPSE issue #4 quotes it).
# Choices and their sources:
# - Segmenter and weight: SPADE issue #39 (the authors' list).
# - Multi-scale: the release's MSC (scales 1, 0.5, 0.75, pixel-wise max of
#   the logits), no CRF, no flip -- kazuto1011 main.py test without --crf.
# - Resize: the generated 256x256 image is fed as is and the labels stay at
#   the generated size (CC-FPSE issue #4, the SPADE authors' answer there);
#   logits resized bilinearly to the label size as main.py does.
# - Normalisation: Caffe style, BGR minus (104.008, 116.669, 122.675), no
#   std (configs/cocostuff164k.yaml).
# - Classes: our raw ids 0..181 are the segmenter's ids (identity), 255
#   ignored; the 11 unused thing ids never occur in the labels.
# Weights: the release URL below (converted on load); offline:
#   --cfg-options test_evaluator.1.seg_checkpoint=/path/deeplabv2_resnet101_msc-cocostuff164k-100000.pth
#   test_evaluator.0.inception_path=/path/pt_inception-2015-12-05-6726825d.pth
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='SegmentationScore',
         seg_config=dict(
             type='mmsemsyn.MSCEncoderDecoder',
             msc_scales=(0.5, 0.75),
             data_preprocessor=dict(
                 type='SegDataPreProcessor',
                 mean=[104.008, 116.669, 122.675], std=[1., 1., 1.],
                 bgr_to_rgb=False),
             backbone=dict(type='mmsemsyn.DeepLabV2ResNet', depth=101,
                           style='caffe', strides=(1, 2, 1, 1),
                           dilations=(1, 1, 2, 4), out_indices=(3, ),
                           contract_dilation=False),
             decode_head=dict(type='mmsemsyn.DeepLabV2ASPPHead',
                              in_channels=2048, channels=2048,
                              dilations=(6, 12, 18, 24), num_classes=182,
                              align_corners=False),
             test_cfg=dict(mode='whole')),
         seg_checkpoint='https://github.com/kazuto1011/deeplab-pytorch/'
         'releases/download/v1.0/'
         'deeplabv2_resnet101_msc-cocostuff164k-100000.pth',
         label_map=None,
         ignore_index=255,
         seg_scale=None,
         class_names='coco_stuff_182'),
    dict(type='PixelMetrics'),
]
# Validation during training: FID + the segmentation score (the best
# checkpoint is kept by FID/fid, default_runtime.py); pixel scores only at
# test time.
val_evaluator = [m for m in test_evaluator
                 if m['type'] in ('FrechetInceptionDistance',
                                  'SegmentationScore')]
