# pix2pix + the diversity loss on Cityscapes at 256x512, the paper's
# Cityscapes resolution (Yang et al., TIP 2019, §IV; beta = 0.1 for pix2pix,
# lambda_c = 0.3, uniform per-class noise). labelIds (35 classes) from
# gtFine + leftImg8bit photos resized to 512x256 (the SPADE-style base
# dataset; the instance maps are read but unused). The U-Net 256 (8 downs)
# ends at a 1x2 bottleneck at this size; everything else is the official
# pix2pix setup (configs/pix2pix/pix2pix_cityscapes.py): 100 + 100 epochs of
# 2,975 iterations at batch 1.
_base_ = [
    '../_base_/models/pix2pix_unet.py',
    '../_base_/datasets/cityscapes_512x256.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 35  # Cityscapes label ids 0..33 + licence plate
model = dict(
    data_preprocessor=dict(
        num_classes=num_classes,
        class_noise=dict(sampler='uniform', eval_noise='random')),
    generator=dict(in_channels=num_classes + 1),
    discriminator=dict(in_channels=num_classes + 1 + 3),
    losses=dict(diversity=dict(type='DiversityLoss', margin=0.3,
                               loss_weight=0.1, loss_name='loss_div')))

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
