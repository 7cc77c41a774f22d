# SPADE on ADE20K: 150 classes + dontcare (semantic_nc 151), no instance
# maps, resize 286 + random crop 256, 'normal' upsampling. Paper: 200
# epochs (100 + 100 decay); batch 32 on 8 GPUs -> 4 per GPU.
# G 96,492,483 / D 5,836,930 parameters.
_base_ = [
    '../_base_/models/spade.py',
    '../_base_/datasets/ade20k_256.py',
    '../_base_/schedules/pix2pixhd_epoch.py',
    '../_base_/default_runtime.py',
]
num_classes = 150
semantic_nc = 151
model = dict(
    data_preprocessor=dict(num_classes=num_classes, dontcare_label=255,
                           use_instance_edges=False),
    generator=dict(semantic_nc=semantic_nc, num_upsampling_layers='normal'),
    discriminator=dict(in_channels=semantic_nc + 3))
train_dataloader = dict(
    batch_size=4,  # per GPU; x 8 GPUs = paper's 32
    num_workers=2,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=True, interval=10, max_keep_ckpts=3,
                    save_last=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
