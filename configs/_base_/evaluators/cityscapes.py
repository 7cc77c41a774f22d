# Cityscapes synthesis scores (pix2pixHD / SPADE / Lab2Pix tables):
# FID (pytorch-fid Inception), segmentation scores, PSNR/SSIM.
# Segmenter: mmseg DeepLabV3+ R101-D8, 80k iters, 512x1024 crops (80.97 mIoU
# on val at 1024x2048) -- the official papers used DRN-D-105, which mmseg
# does not ship; record the segmenter next to every number.
# Resize policy: generated images are upsampled (bilinear) to the
# segmenter's scale 1024x2048 and its logits resized back to the label size;
# labels (labelIds 0..33) are mapped to the 19 trainIds, the rest ignored.
# Offline: --cfg-options test_evaluator.0.inception_path=/path/pt_inception-
# 2015-12-05-6726825d.pth test_evaluator.1.seg_checkpoint=/path/file.pth
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='SegmentationScore',
         seg_config='mmseg::deeplabv3plus/'
         'deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py',
         seg_checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/'
         'deeplabv3plus/deeplabv3plus_r101-d8_512x1024_80k_cityscapes/'
         'deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-'
         '068fcfe9.pth',
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
