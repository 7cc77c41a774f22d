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
# Segmenter: the papers' DRN-D-105 at 1024x2048 (as
# ../_base_/evaluators/paper_protocol_cityscapes.py, which explains each
# choice); the mmseg model-zoo option: seg_config='mmseg::deeplabv3plus/
# deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py' + its checkpoint.
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='SegmentationScore',
         seg_config=dict(
             type='EncoderDecoder',
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
         label_map=None,
         ignore_index=255,
         seg_scale=(1024, 2048),
         class_names='cityscapes'),
    dict(type='PixelMetrics'),
]
