# CRN 256x512 on Cityscapes from scratch, 9 images per label map
# (official demo_256p.py): 200 epochs of the 2975 training frames, Adam
# 1e-4, batch 1, constant lr. 97,875,483 generator parameters.
_base_ = [
    '../_base_/models/crn.py',
    '../_base_/datasets/cityscapes_crn.py',
    '../_base_/default_runtime.py',
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200,
                 val_interval=10**9)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = dict(type='SynthesisTestLoop')
# The official saves every epoch (and keeps every 20th); no validation, so
# no "best" checkpoint.
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1,
                    max_keep_ckpts=3, save_last=True, save_best=None))
log_processor = dict(by_epoch=True)
# Scores on the 19 train ids the data already carries (void = 255 is
# ignored), so no labelId -> trainId map here. LPIPS diversity over the 9
# outputs: tools/test.py ... --num-samples 9 with LPIPSDiversity added.
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='SegmentationScore',
         seg_config='mmseg::deeplabv3plus/'
         'deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py',
         seg_checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/'
         'deeplabv3plus/deeplabv3plus_r101-d8_512x1024_80k_cityscapes/'
         'deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-'
         '068fcfe9.pth',
         label_map=None,
         ignore_index=255,
         seg_scale=(1024, 2048),
         class_names='cityscapes'),
    dict(type='PixelMetrics'),
]
