# Lab2Pix-V2 on COCO-Stuff 256x256: 182 classes + dontcare + instance edge =
# 184 channels, 'normal'; COCO background list (182 = dontcare).
# G 107,395,459; D 85,888,133 total. Paper: batch 40, 100 epochs.
_base_ = [
    '../_base_/models/lab2pix_v2.py',
    '../_base_/datasets/coco_stuff_256.py',
    '../_base_/schedules/pix2pixhd_epoch_50-50.py',
    '../_base_/default_runtime.py',
]
model = dict(
    data_preprocessor=dict(num_classes=182, dontcare_label=255,
                           use_instance_edges=True),
    generator=dict(semantic_nc=184, num_upsampling_layers='normal'),
    discriminator=dict(in_channels=184 + 3),
    foreground_mask=dict(background_ids='coco'))
# Epochs need a sampler that ends (the dataset base's InfiniteSampler
# never ends an epoch, so the by-epoch decay would never start).
train_dataloader = dict(
    batch_size=10,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
