# Lab2Pix-V2 on ADE20K 256x256: 150 classes + dontcare = 151 channels, no
# instances, 'normal' upsampling; ADE20K background list (ids after the
# 0 -> dontcare shift; dontcare = 150). G 106,388,035; D 85,850,117 total.
# Paper: batch 40, 100 epochs (50 + 50 decay).
_base_ = [
    '../_base_/models/lab2pix_v2.py',
    '../_base_/datasets/ade20k_256.py',
    '../_base_/schedules/pix2pixhd_epoch_50-50.py',
    '../_base_/default_runtime.py',
]
model = dict(
    data_preprocessor=dict(num_classes=150, dontcare_label=255,
                           use_instance_edges=False),
    generator=dict(semantic_nc=151, num_upsampling_layers='normal'),
    discriminator=dict(in_channels=151 + 3),
    foreground_mask=dict(background_ids='ade20k'))
# Epochs need a sampler that ends (the dataset base's InfiniteSampler
# never ends an epoch, so the by-epoch decay would never start).
train_dataloader = dict(
    batch_size=10,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
