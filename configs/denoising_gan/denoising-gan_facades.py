# The denoising GAN on CMP Facades (§IV-A, Figs. 6, 7, 11): 400 training
# pairs, 100 test pairs (pix2pix's facades/val, the 100-image split; its
# test/ folder has 106). No instance channel: the paper computes none for
# Facades ("this dataset is easy and doesn't have the complex objects").
# Noisy input std 0.1 (Fig. 7's best), Lp + Lc, 200 epochs (100 + 100 decay).
_base_ = [
    '../_base_/models/denoising_gan.py',
    '../_base_/datasets/facades_256.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 12  # CMP Facades
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(in_channels=num_classes),
    discriminator=dict(in_channels=num_classes + 3))
test_dataloader = dict(dataset=dict(split='val'))
test_evaluator = [dict(type='PixelMetrics', scale='[0,1]')]

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
# Validation during training (every train_cfg.val_interval): the paper's
# PSNR on the test split; the best checkpoint is kept by it.
val_dataloader = test_dataloader
val_evaluator = test_evaluator
default_hooks['checkpoint'].update(save_best='pixel/PSNR', rule='greater')
