# LGGAN cross-view translation, Dayton 256x256, aerial -> ground
# (official train_dayton_a2g_256.sh: bs 4, load 286 / crop 256, --no_flip,
# niter 20 + niter_decay 15 epochs, Adam 2e-4 (0.5, 0.999), --norm instance).
# See README_cross_view.md.
_base_ = [
    '../_base_/models/lggan_cross_view.py',
    '../_base_/datasets/dayton_a2g.py',
    '../_base_/default_runtime.py',
]

# Epoch schedule of the official lambda rule
#   lr_factor(epoch) = 1 - max(0, epoch + 2 - n_epochs) / (n_epochs_decay + 1)
# (0-indexed epochs): the decay starts one epoch early and reaches 0 in the
# last epoch. LinearLR from n_decay/(n_decay+1) at epoch n_epochs-1 to 0 at
# the last epoch reproduces it exactly.
n_epochs = 20
n_epochs_decay = 15
train_cfg = dict(type='EpochBasedTrainLoop',
                 max_epochs=n_epochs + n_epochs_decay, val_interval=5)
# Validation every 5 epochs: FID on the first 500 test samples.
val_cfg = dict(type='SynthesisValLoop')
test_cfg = dict(type='TestLoop')
_decay = dict(type='LinearLR', start_factor=n_epochs_decay /
              (n_epochs_decay + 1), end_factor=0.0, by_epoch=True,
              begin=n_epochs - 1, end=n_epochs + n_epochs_decay)
param_scheduler = [_decay]

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=True, interval=5))
