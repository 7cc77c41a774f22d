# COCO-Stuff synthesis scores (SPADE tables): FID, segmentation scores,
# PSNR/SSIM.
# Segmenter: mmseg DeepLabV3 R101-D8, 320k iters, COCO-Stuff-164k 512x512
# (the papers used DeepLabV2, which mmseg does not ship). Our 182 raw ids
# map to its 171 classes (11 unused thing ids and 255 ignored).
# Resize policy: 256x256 images upsampled to 512x512, logits resized back.
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='SegmentationScore',
         seg_config='mmseg::deeplabv3/'
         'deeplabv3_r101-d8_4xb4-320k_coco-stuff164k-512x512.py',
         seg_checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/'
         'deeplabv3/deeplabv3_r101-d8_512x512_4x4_320k_coco-stuff164k/'
         'deeplabv3_r101-d8_512x512_4x4_320k_coco-stuff164k_20210709_155402-'
         '3cbca14d.pth',
         label_map='coco_stuff_182_to_171',
         ignore_index=255,
         seg_scale=(512, 512),
         class_names='coco_stuff'),
    dict(type='PixelMetrics'),
]
# Validation during training: FID + the segmentation score (the best
# checkpoint is kept by FID/fid, default_runtime.py); pixel scores only at
# test time.
val_evaluator = [m for m in test_evaluator
                 if m['type'] in ('FrechetInceptionDistance',
                                  'SegmentationScore')]
