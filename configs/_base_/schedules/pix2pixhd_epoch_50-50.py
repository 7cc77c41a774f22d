# pix2pixHD schedule with the SPADE/Lab2Pix dataset lengths: 50 epochs at
# the initial lr, then 50 decaying linearly to 0 (--niter 50
# --niter_decay 50; see pix2pixhd_epoch.py for the + 1).
_base_ = ['./pix2pixhd_epoch.py']
niter = 50
niter_decay = 50
train_cfg = dict(max_epochs=niter + niter_decay)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=True,
         begin=niter, end=niter + niter_decay + 1)]
