# pix2pixHD global generator on ADE20K (paper appendix: widths scaled to
# 512). 150 classes + a dontcare channel for id 0 ("other"), no instance
# maps, so G sees 151 channels and D 154. Frames are resized to 512x512
# because G needs sides divisible by 16 (ADE20K heights vary; the official
# scale_width alone would not run) -- a documented deviation.
_base_ = [
    '../_base_/models/pix2pixhd_global.py',
    '../_base_/datasets/ade20k_256.py',
    '../_base_/schedules/pix2pixhd_epoch.py',
    '../_base_/default_runtime.py',
]
num_classes = 150
semantic_nc = num_classes + 1
model = dict(
    data_preprocessor=dict(num_classes=num_classes, dontcare_label=255,
                           use_instance_edges=False),
    generator=dict(in_channels=semantic_nc),
    discriminator=dict(in_channels=semantic_nc + 3))
train_pipeline = [
    dict(type='LoadLabelMap'),  # 0 -> 255 (dontcare), k -> k - 1
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(512, 512)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(512, 512)),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(
    batch_size=1, drop_last=True,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# Validate on (the first val_num_samples of) the same set.
val_dataloader = test_dataloader
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=True, interval=10, max_keep_ckpts=3,
                    save_last=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
