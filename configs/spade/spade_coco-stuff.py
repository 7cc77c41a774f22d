# SPADE on COCO-Stuff: 182 classes + dontcare + instance edges
# (semantic_nc 184), resize 286 + random crop 256, 'normal' upsampling.
# The paper trains COCO-Stuff for 100 epochs (50 + 50 decay), batch 32 on
# 8 GPUs -> 4 per GPU. G 97,480,899 / D 5,904,514 parameters.
_base_ = [
    '../_base_/models/spade.py',
    '../_base_/datasets/coco_stuff_256.py',
    '../_base_/schedules/pix2pixhd_epoch_50-50.py',
    '../_base_/default_runtime.py',
]
num_classes = 182
semantic_nc = 184
model = dict(
    data_preprocessor=dict(num_classes=num_classes, dontcare_label=255,
                           use_instance_edges=True),
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
