# CPU demo: pix2pix on the built-in synthetic scenes (128x128), a few
# minutes on 2 cores. Writes checkpoints and sample grids to the work dir.
_base_ = [
    '../_base_/models/pix2pix_unet.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 6
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(in_channels=num_classes, num_downs=7, ngf=16),
    discriminator=dict(in_channels=num_classes + 3, ndf=16))

n_iters = 500
n_iters_decay = 500
train_cfg = dict(max_iters=n_iters + n_iters_decay, val_interval=250)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=n_iters, end=n_iters + n_iters_decay)]
default_hooks = dict(
    logger=dict(interval=20),
    # Validation: PSNR on 8 test scenes; keep the best checkpoint.
    checkpoint=dict(interval=500, save_best='pixel/PSNR', rule='greater'))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=250)]
