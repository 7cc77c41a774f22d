# CPU demo of the unpaired diversity CycleGAN (cyclegan-div_facades.py) on
# the built-in synthetic scenes (6 classes, 64x64, unpaired layouts and
# photos), small widths. The L_Div ramp-in spans the first 200 iterations
# (100 "epochs" of 2 iterations) instead of 100 real epochs.
_base_ = [
    '../_base_/models/cyclegan_div.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 6
img_size = (64, 64)
unet = dict(type='UnetGenerator', num_downs=6, ngf=16, norm='BN',
            use_dropout=True)
patch_d = dict(type='PatchDiscriminator', ndf=16, n_layers_D=3,
               norm='BN', padding=1)
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(unet, in_channels=num_classes + 1, out_channels=3),
    layout_generator=dict(unet, in_channels=3, out_channels=num_classes),
    discriminator=dict(patch_d, in_channels=3),
    layout_discriminator=dict(patch_d, in_channels=num_classes),
    losses=dict(diversity=dict(iters_per_epoch=2)))
train_dataloader = dict(
    batch_size=1,
    dataset=dict(_delete_=True, type='UnpairedDataset', seed=0,
                 dataset=dict(type='SyntheticScenesDataset', num_samples=64,
                              img_size=img_size, seed=0,
                              pipeline=[dict(type='PairedFlip', prob=0.5),
                                        dict(type='PackSynInputs')])))
test_dataloader = dict(dataset=dict(img_size=img_size))
val_dataloader = dict(dataset=dict(img_size=img_size))
n_iters = 200
n_iters_decay = 200
train_cfg = dict(max_iters=n_iters + n_iters_decay, val_interval=200)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=n_iters, end=n_iters + n_iters_decay)]
default_hooks = dict(
    logger=dict(interval=20),
    # Validation: PSNR on 8 test scenes (against scenes the layouts were
    # rendered with; the model never saw pairs); keep the best checkpoint.
    checkpoint=dict(interval=200, save_best='pixel/PSNR', rule='greater'))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=200)]
