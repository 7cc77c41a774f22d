# CPU demo: the denoising GAN on the built-in synthetic scenes (128x128,
# 6 classes, Cityscapes-style instance ids; class 5 = car). Small widths,
# random-weight VGG for the cascade loss (no download; set
# model.losses.cascade.pretrained=True for ImageNet weights). Minutes on 2
# cores.
_base_ = [
    '../_base_/models/denoising_gan.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 6
# the car instances (class 5), numbered in the data pipeline (below)
thing_instance = dict(thing_classes=[5])
model = dict(
    data_preprocessor=dict(num_classes=num_classes,
                           thing_instance=thing_instance),
    generator=dict(in_channels=num_classes + 1, ngf=16, n_blocks=3),
    discriminator=dict(in_channels=num_classes + 1 + 3, ndf=16),
    losses=dict(cascade=dict(pretrained=None)))
test_evaluator = [dict(type='PixelMetrics', scale='[0,1]')]
# The thing instances are numbered by the dataloader workers, after the
# flip (the step then reads nothing on the host); test samples are numbered
# by the data preprocessor from the host batch.
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='PairedFlip', prob=0.5),
    dict(type='ThingInstanceIds', **thing_instance),
    dict(type='PackSynInputs'),
]))

n_iters = 300
n_iters_decay = 300
train_cfg = dict(max_iters=n_iters + n_iters_decay)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=n_iters, end=n_iters + n_iters_decay)]
default_hooks = dict(
    logger=dict(interval=20),
    # keep the best checkpoint by PSNR when validation runs (the synthetic
    # datasets base validates with PixelMetrics)
    checkpoint=dict(interval=300, save_best='pixel/PSNR', rule='greater'))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=150)]
# Validation during training (every train_cfg.val_interval): the paper's
# PSNR on the test split; the best checkpoint is kept by it.
val_evaluator = test_evaluator
default_hooks['checkpoint'].update(save_best='pixel/PSNR', rule='greater')
