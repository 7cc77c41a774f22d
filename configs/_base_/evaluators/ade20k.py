# ADE20K synthesis scores (SPADE / LGGAN / Lab2Pix tables): FID,
# segmentation scores, PSNR/SSIM.
# Segmenter: mmseg UperNet R101, 160k iters, 512x512 (the papers used the
# CSAIL UperNet101). Our ADE20K labels are already zero-reduced (0..149, 255
# dontcare) exactly as mmseg trains, so the label map is the identity.
# Resize policy: 256x256 images upsampled to 512x512 (mmseg's test scale,
# short side 512), logits resized back to the label size.
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='SegmentationScore',
         seg_config='mmseg::upernet/upernet_r101_4xb4-160k_ade20k-512x512.py',
         seg_checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/'
         'upernet/upernet_r101_512x512_160k_ade20k/'
         'upernet_r101_512x512_160k_ade20k_20200615_161951-91b32684.pth',
         label_map='ade20k_identity',
         ignore_index=255,
         seg_scale=(512, 512),
         class_names='ade20k'),
    dict(type='PixelMetrics'),
]
# Validation during training: FID + the segmentation score (the best
# checkpoint is kept by FID/fid, default_runtime.py); pixel scores only at
# test time.
val_evaluator = [m for m in test_evaluator
                 if m['type'] in ('FrechetInceptionDistance',
                                  'SegmentationScore')]
