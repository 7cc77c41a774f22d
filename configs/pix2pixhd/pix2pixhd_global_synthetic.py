# CPU demo of the pix2pixHD global stage on the built-in synthetic scenes
# (6 classes + instance edges, 64x64; ngf 8), a few minutes on 2 cores.
# The VGG term is off because its ImageNet weights need a download; set
# model.losses.vgg=dict(type='VGGPerceptualLoss', loss_weight=10.0,
# pretrained='/path/to/vgg19.pth', loss_name='loss_vgg') to enable it.
# Stage 2 (local enhancer): pix2pixhd_local_synthetic.py.
_base_ = [
    '../_base_/models/pix2pixhd_global.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/pix2pixhd_epoch.py',
    '../_base_/default_runtime.py',
]
num_classes = 6
semantic_nc = num_classes + 1
img_size = (64, 64)
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(in_channels=semantic_nc, ngf=8),
    discriminator=dict(in_channels=semantic_nc + 3, ndf=16),
    losses=dict(vgg=None))

train_dataloader = dict(
    batch_size=4,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    drop_last=True,
    dataset=dict(img_size=img_size))
test_dataloader = dict(dataset=dict(img_size=img_size))
# Validate on (the first val_num_samples of) the same set.
val_dataloader = test_dataloader

niter = 10
niter_decay = 10
train_cfg = dict(max_epochs=niter + niter_decay, val_interval=5)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=True,
         begin=niter, end=niter + niter_decay + 1)]
default_hooks = dict(
    logger=dict(interval=20),
    # Validation: PSNR on 8 test scenes; keep the best checkpoint.
    checkpoint=dict(interval=5, by_epoch=True, save_last=True,
                    save_best='pixel/PSNR', rule='greater'))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=80)]
