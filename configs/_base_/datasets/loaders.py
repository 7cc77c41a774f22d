# The dataloaders of the real-data bases: batch 1 per GPU (method configs
# set theirs), 4 workers kept between epochs, an infinite shuffled train
# sampler (the iteration loops) and a sequential test sampler. A dataset
# base adds each loader's `dataset`.
# Validation during training (every train_cfg.val_interval): the first
# val_num_samples test samples -- a fixed subset, so scores compare across
# checkpoints (FID on a subset reads higher than on the full set; report
# tools/test.py numbers). Set val_dataloader.dataset.indices to change it.
val_num_samples = 500
train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
val_dataloader = test_dataloader
