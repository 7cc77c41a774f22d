# CPU demo: Lab2Pix-V2 on the built-in synthetic scenes (6 classes +
# instance edges, 128x128), small widths, random VGG weights (no download);
# several seconds per iteration on 2 CPU cores (VGG passes dominate).
_base_ = [
    '../_base_/models/lab2pix_v2.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 6
semantic_nc = num_classes + 1  # + instance edges
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(semantic_nc=semantic_nc, ngf=8,
                   num_upsampling_layers='normal',
                   global_channels=32, encoder_channels=16),
    discriminator=dict(in_channels=semantic_nc + 3, ndf=16,
                       discriminator=dict(feat_channels=64,
                                          vgg_pretrained=None),
                       # random VGG-16 branch (no download): a CPU demo
                       allow_random_perceptual_branch=True),
    foreground_mask=dict(background_ids=[0, 1, 2, 3, 4]),
    losses=dict(vgg=dict(pretrained=None)))
train_dataloader = dict(batch_size=2)
sync_bn = None
# The schedule base's 100 + 100 iterations; validate every 100.
train_cfg = dict(val_interval=100)
default_hooks = dict(
    logger=dict(interval=10),
    # Validation: PSNR on 8 test scenes; keep the best checkpoint.
    checkpoint=dict(interval=100, save_best='pixel/PSNR', rule='greater'))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=50)]
