# The denoising GAN on NYU Depth v2 five-class layouts (§IV-A, Table I):
# furniture / structure / prop / floor / boundary lines, from the 795
# labelled training frames (tools/dataset_converters/nyu_depth_v2.py
# --splits splits.mat), split 700 train / 95 test (HoldoutSplit: the last 95
# in frame order). Unlabelled pixels (255) are a dontcare channel. The
# instance channel marks the furniture instances (from the converter's
# instances/ maps). Noisy input std 0.1, Lp + Lc; 200 epochs (100 + 100).
_base_ = [
    '../_base_/models/denoising_gan.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 5
furniture = 0
semantic_nc = num_classes + 1 + 1  # + dontcare + furniture instances
thing_instance = dict(thing_classes=[furniture])
model = dict(
    data_preprocessor=dict(num_classes=num_classes, dontcare_label=255,
                           thing_instance=thing_instance),
    generator=dict(in_channels=semantic_nc),
    discriminator=dict(in_channels=semantic_nc + 3))

data_root = 'data/nyu_five_class'
train_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(286, 286)),
    dict(type='PairedRandomCrop', crop_size=(256, 256)),
    dict(type='PairedFlip', prob=0.5),
    # furniture instances numbered by the dataloader workers (no host read
    # in the step); test samples by the data preprocessor
    dict(type='ThingInstanceIds', **thing_instance),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(256, 256)),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='HoldoutSplit', subset='train', num_test=95,
                 expected_total=795,
                 dataset=dict(type='NYUDepthV2FiveClassDataset',
                              data_root=data_root, pipeline=train_pipeline)))
test_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='HoldoutSplit', subset='test', num_test=95,
                 expected_total=795,
                 dataset=dict(type='NYUDepthV2FiveClassDataset',
                              data_root=data_root, pipeline=test_pipeline)))
test_evaluator = [dict(type='PixelMetrics', scale='[0,1]')]

iters_per_epoch = 700
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
