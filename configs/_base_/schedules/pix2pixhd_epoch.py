# pix2pixHD schedule: `niter` epochs at the initial lr, then `niter_decay`
# epochs decaying linearly to 0 (the official update_learning_rate lowers
# the lr by lr/niter_decay after each epoch past niter, so the last epoch
# runs at lr/niter_decay). mmengine's LinearLR reaches end_factor at epoch
# end - 1, hence end = niter + niter_decay + 1 for the official values.
niter = 100
niter_decay = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=niter + niter_decay,
                 val_interval=10)
# Validate every train_cfg.val_interval epochs on the val_dataloader
# subset (datasets base) with the val_evaluator (evaluators base).
val_cfg = dict(type='SynthesisValLoop')
test_cfg = dict(type='TestLoop')
# One list for every optimizer: mmengine's Runner builds it for each
# network of the OptimWrapperDict (generator, discriminator, ...).
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=True,
         begin=niter, end=niter + niter_decay + 1)]
