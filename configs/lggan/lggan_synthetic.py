# CPU demo: LGGAN on the built-in synthetic scenes (6 classes + instance
# edges, 64x64), small widths. One class generator per class.
_base_ = [
    '../_base_/models/lggan.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 6
semantic_nc = num_classes + 1  # + instance edges
img_size = (64, 64)
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(semantic_nc=semantic_nc, local_classes=num_classes,
                   ngf=8, spade_hidden=16, n_blocks=2,
                   num_upsampling_layers='normal'),
    discriminator=dict(in_channels=semantic_nc + 3, ndf=16),
    # no ImageNet download in the demo; set True (or a local .pth) for the
    # real VGG19 weights
    losses=dict(vgg=dict(pretrained=None)))
train_dataloader = dict(batch_size=2, dataset=dict(img_size=img_size))
test_dataloader = dict(dataset=dict(img_size=img_size))
# Validate on (the first val_num_samples of) the same set.
val_dataloader = test_dataloader

# The schedule base's 100 + 100 iterations; validate every 100.
train_cfg = dict(val_interval=100)
default_hooks = dict(
    logger=dict(interval=10),
    # Validation: PSNR on 8 test scenes; keep the best checkpoint.
    checkpoint=dict(interval=100, save_best='pixel/PSNR', rule='greater'))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=50)]
