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
test_evaluator = [dict(type='PixelMetrics')]
