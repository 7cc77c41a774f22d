# The denoising GAN ("Ours", Table II / III) on Cityscapes as the paper:
# pix2pix's aligned 256x256 "cityscapes" set (colour labels decoded to the 35
# label ids), its 2,975 training frames split 2,675 train / 300 test
# (HoldoutSplit: the last 300 in natural file order, 2676..2975.jpg).
# Noisy input std 0.1, car (id 26) instance channel from connected components
# (the AB set has no instance files), Lp + Lc. 200 epochs of 2,675
# iterations (batch 1): 100 at lr 2e-4 + 100 of linear decay, as pix2pix.
# Random jitter: resize 286, crop 256, flip. Test: PSNR/SSIM/MSE/RMSE with
# MSE/RMSE on [0, 1] images (the paper's tables).
_base_ = [
    '../_base_/models/denoising_gan.py',
    '../_base_/datasets/cityscapes_pix2pix_256.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 35  # Cityscapes label ids 0..33 + licence plate
car = 26
thing_instance = dict(thing_classes=[car])
model = dict(
    data_preprocessor=dict(num_classes=num_classes,
                           thing_instance=thing_instance),
    generator=dict(in_channels=num_classes + 1),
    discriminator=dict(in_channels=num_classes + 1 + 3))

# The base's training pipeline, plus the car instances numbered by the
# dataloader workers after the random jitter (the step then reads nothing
# on the host). Test samples are numbered by the data preprocessor.
train_pipeline = [
    dict(type='LoadLabelMap', color_palette=True),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(286, 286)),
    dict(type='PairedRandomCrop', crop_size=(256, 256)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='ThingInstanceIds', **thing_instance),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(dataset=dict(
    _delete_=True, type='HoldoutSplit', subset='train', num_test=300,
    expected_total=2975,
    dataset=dict(type='CityscapesABDataset',
                 data_root='data/cityscapes_pix2pix', split='train',
                 direction='BtoA', pipeline=train_pipeline)))
test_dataloader = dict(dataset=dict(
    _delete_=True, type='HoldoutSplit', subset='test', num_test=300,
    expected_total=2975,
    dataset=dict(type='CityscapesABDataset',
                 data_root='data/cityscapes_pix2pix', split='train',
                 direction='BtoA', pipeline={{_base_.test_pipeline}})))
test_evaluator = [dict(type='PixelMetrics', scale='[0,1]')]

iters_per_epoch = 2675  # the paper's training split, batch size 1
n_iters = 100 * iters_per_epoch
n_iters_decay = 100 * iters_per_epoch
train_cfg = dict(max_iters=n_iters + n_iters_decay)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=n_iters, end=n_iters + n_iters_decay)]
default_hooks = dict(checkpoint=dict(interval=iters_per_epoch * 10))
custom_hooks = [dict(type='SynthesisVisualizationHook',
                     interval=iters_per_epoch)]
# Validation during training (every train_cfg.val_interval): the paper's
# PSNR on the test split; the best checkpoint is kept by it.
val_dataloader = test_dataloader
val_evaluator = test_evaluator
default_hooks['checkpoint'].update(save_best='pixel/PSNR', rule='greater')
