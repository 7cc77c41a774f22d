# pix2pix (Isola et al., CVPR 2017) on CMP Facades, label -> photo, 256x256.
# Official defaults: U-Net 256 (BN, dropout), 70x70 PatchGAN (BN), vanilla
# GAN + lambda_L1 100, Adam 2e-4 (0.5, 0.999) for G and D, batch size 1,
# 100 epochs at constant lr + 100 epochs of linear decay to 0.
#
# Schedule as iterations: the 400 training pairs at batch size 1 make one
# epoch 400 iterations, so 100 + 100 epochs = 40,000 + 40,000 iterations.
# The official code lowers the lr once per epoch; here it decays linearly
# every iteration over the same span (identical at epoch boundaries up to
# the official 1/(n_epochs_decay + 1) offset).
#
# Input encoding differs from the official code on purpose: pix2pix feeds the
# colour label image as 3 RGB channels; mmsemsyn decodes it to the 12 CMP
# class ids and feeds their one-hot map (12 channels), like every other
# method here. Only the first G and D convolutions grow: G 54,423,171 and
# D 2,777,921 parameters; with in_channels 3 / 6 the same networks have the
# official 54,413,955 / 2,768,705 (tests/test_datasets/test_configs.py).
_base_ = [
    '../_base_/models/pix2pix_unet.py',
    '../_base_/datasets/facades_256.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 12  # CMP Facades
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(in_channels=num_classes),
    discriminator=dict(in_channels=num_classes + 3))

iters_per_epoch = 400  # facades/train, batch size 1
n_iters = 100 * iters_per_epoch
n_iters_decay = 100 * iters_per_epoch
train_cfg = dict(max_iters=n_iters + n_iters_decay)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=n_iters, end=n_iters + n_iters_decay)]
default_hooks = dict(checkpoint=dict(interval=iters_per_epoch * 20))
custom_hooks = [dict(type='SynthesisVisualizationHook',
                     interval=iters_per_epoch * 5)]
