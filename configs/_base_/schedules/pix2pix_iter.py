# pix2pix/pix2pixHD schedule: constant lr, then linear decay to 0.
# Expressed in iterations; set n_iters/n_iters_decay in a method config.
n_iters = 100
n_iters_decay = 100
train_cfg = dict(type='IterBasedTrainLoop',
                 max_iters=n_iters + n_iters_decay, val_interval=5000)
# Validate every train_cfg.val_interval iterations on the val_dataloader
# subset (datasets base) with the val_evaluator (evaluators base).
val_cfg = dict(type='SynthesisValLoop')
test_cfg = dict(type='TestLoop')
# One list for every optimizer: mmengine's Runner builds it for each
# network of the OptimWrapperDict (generator, discriminator, ...).
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=n_iters, end=n_iters + n_iters_decay)]
