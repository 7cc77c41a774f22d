# pix2pix (Isola et al., CVPR 2017) on pix2pix's "cityscapes" AB set, label ->
# photo (--direction BtoA), 256x256. Official defaults: U-Net 256 (BN,
# dropout), 70x70 PatchGAN (BN), vanilla GAN + lambda_L1 100, Adam 2e-4
# (0.5, 0.999) for G and D, batch size 1, 100 + 100 epochs (constant, then
# linear decay to 0).
#
# Schedule as iterations: 2,975 training pairs at batch size 1 make one
# epoch 2,975 iterations, so 100 + 100 epochs = 297,500 + 297,500
# iterations (per-iteration linear decay instead of the official per-epoch
# steps over the same span).
#
# Input encoding differs from the official code on purpose: pix2pix feeds the
# colour label image as 3 RGB channels; mmsemsyn decodes it to Cityscapes
# label ids with the official palette and feeds the one-hot map (35
# channels). Only the first G and D convolutions grow (in 35 / 38 instead of
# 3 / 6): G 54,446,723 and D 2,801,473 parameters. Evaluation in the paper: FCN-8s scores at 256x256.
_base_ = [
    '../_base_/models/pix2pix_unet.py',
    '../_base_/datasets/cityscapes_pix2pix_256.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 35  # Cityscapes label ids 0..33 + licence plate
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(in_channels=num_classes),
    discriminator=dict(in_channels=num_classes + 3))

iters_per_epoch = 2975  # cityscapes/train, batch size 1
n_iters = 100 * iters_per_epoch
n_iters_decay = 100 * iters_per_epoch
train_cfg = dict(max_iters=n_iters + n_iters_decay)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=n_iters, end=n_iters + n_iters_decay)]
default_hooks = dict(checkpoint=dict(interval=iters_per_epoch * 10))
custom_hooks = [dict(type='SynthesisVisualizationHook',
                     interval=iters_per_epoch)]
