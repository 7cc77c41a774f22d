# LGGAN on ADE20K (official semantic_image_synthesis/ade20k variant):
# 150 classes + dontcare (semantic_nc 151, no instances), 256x256
# (resize 286 + random crop 256), 'normal' upsampling. 52 class generators:
# channels 0..50 (the 51 most frequent classes) each get one, channels
# 51..150 (the other 99 classes + dontcare) are merged into one "others"
# generator, which the classifier (Linear(64, 51)) does not classify.
# Official batch 24; 200 epochs (100 + 100 decay), checkpoints every 5.
# G 113,698,379 (official 115,091,019 minus its unused SPADE fc) /
# D 5,836,930 parameters.
_base_ = [
    '../_base_/models/lggan.py',
    '../_base_/datasets/ade20k_256.py',
    '../_base_/schedules/pix2pixhd_epoch.py',
    '../_base_/default_runtime.py',
]
num_classes = 150
semantic_nc = 151
model = dict(
    data_preprocessor=dict(num_classes=num_classes, dontcare_label=255,
                           use_instance_edges=False),
    generator=dict(semantic_nc=semantic_nc, local_classes=51,
                   merged_classes=(51, 151),
                   num_upsampling_layers='normal'),
    discriminator=dict(in_channels=semantic_nc + 3))
train_dataloader = dict(
    batch_size=3,  # per GPU; x 8 GPUs = official 24
    num_workers=2,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=True, interval=5, max_keep_ckpts=3,
                    save_last=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
