# The procedural street scenes built into mmsemsyn (no download needed):
# 6 classes, Cityscapes-style instance ids, deterministic from the seed.
dataset_type = 'SyntheticScenesDataset'
img_size = (128, 128)  # (h, w)

train_pipeline = [
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [dict(type='PackSynInputs')]

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, num_samples=64, img_size=img_size,
                 seed=0, pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, num_samples=16, img_size=img_size,
                 seed=1, pipeline=test_pipeline))
# Validation during training (every train_cfg.val_interval): the first
# val_num_samples test samples -- a fixed subset, so scores compare across
# checkpoints (FID on a subset reads higher than on the full set; report
# tools/test.py numbers). Set val_dataloader.dataset.indices to change it.
val_num_samples = 8
val_dataloader = dict(test_dataloader, dataset=dict(
    test_dataloader['dataset'], indices=val_num_samples))
test_evaluator = [dict(type='PixelMetrics')]
# Cheap validation for the CPU demos: PSNR on val_num_samples scenes; the
# synthetic method configs keep the best checkpoint by pixel/PSNR.
val_evaluator = [dict(type='PixelMetrics', metrics=('PSNR',))]
