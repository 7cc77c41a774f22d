# Cityscapes paper protocol (SPADE / LGGAN / Lab2Pix / CC-FPSE / OASIS
# tables): FID (pytorch-fid Inception) + mIoU / pixel accuracy with the
# papers' segmenter, DRN-D-105 (fyu/drn, drn-d-105_ms_cityscapes.pth, 19
# train ids; 75.6 mIoU on real val images, fyu/drn README).
# Choices and their sources:
# - Segmenter: SPADE issue #39 (the authors' list), LGGAN/DAGAN READMEs.
# - Resize: generated images are upsampled (bilinear) to 1024x2048, the
#   resolution DRN was trained and tested at (fyu/drn segment.py takes the
#   full Cityscapes frame); OASIS issue #18 reproduced SPADE's numbers this
#   way. The logits are resized back to the label size (labels are never
#   interpolated). OASIS/CLADE instead segment at the generated size
#   (OASIS #5, CLADE #3): --cfg-options test_evaluator.1.seg_scale=None.
# - Single scale, no flip: the published synthesis numbers do not use
#   segment.py --ms (CLADE #3: "don't use --ms").
# - Normalisation: fyu/drn datasets/cityscapes/info.json mean/std, RGB.
# - Classes: labelIds (0..33) -> the 19 trainIds; every other id ignored.
# Weights: the release URL below (converted on load). The fyu/drn README
# links the file from http://go.yf.io/drn-cityscapes-models; the direct
# URL (next to drn.py's ImageNet DRNs) was not reachable from where this
# was written -- if it fails, download it from that page. Offline:
#   --cfg-options test_evaluator.1.seg_checkpoint=/path/drn-d-105_ms_cityscapes.pth
#   test_evaluator.0.inception_path=/path/pt_inception-2015-12-05-6726825d.pth
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='SegmentationScore',
         seg_config=dict(
             type='EncoderDecoder',
             # info.json mean/std (in [0, 1]) x 255.
             data_preprocessor=dict(
                 type='SegDataPreProcessor',
                 mean=[73.97574286937714, 83.66076935291291,
                       73.17580577850342],
                 std=[46.653282963407946, 47.57423067114917,
                      47.04114792062511],
                 bgr_to_rgb=True),
             backbone=dict(type='mmsemsyn.DRN',
                           layers=(1, 1, 3, 4, 23, 3, 1, 1)),
             decode_head=dict(type='mmsemsyn.DRNSegHead', in_channels=512,
                              channels=512, num_classes=19, up_factor=8),
             test_cfg=dict(mode='whole')),
         seg_checkpoint='http://dl.yf.io/drn/drn-d-105_ms_cityscapes.pth',
         label_map='cityscapes_labelid_to_trainid',
         ignore_index=255,
         seg_scale=(1024, 2048),
         class_names='cityscapes'),
    dict(type='PixelMetrics'),
]
# Validation during training: FID + the segmentation score (the best
# checkpoint is kept by FID/fid, default_runtime.py); pixel scores only at
# test time.
val_evaluator = [m for m in test_evaluator
                 if m['type'] in ('FrechetInceptionDistance',
                                  'SegmentationScore')]
