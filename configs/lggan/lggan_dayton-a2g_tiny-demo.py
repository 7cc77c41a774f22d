# CPU smoke/demo run of LGGAN cross-view: the Dayton config with narrow
# networks (ngf/ndf 16, 2 res blocks) on panels resized to 72 and cropped to
# 64, a few dozen iterations. Point data_root at a folder with train/ of
# six-panel images, e.g.
#   python tools/train.py configs/lggan/lggan_dayton-a2g_tiny-demo.py \
#       --cfg-options train_dataloader.dataset.data_root=<root>
# The VGG loss uses random weights here (no download); set
# model.losses.vgg.pretrained=True (or a local .pth) for a meaningful one.
_base_ = ['./lggan_dayton-a2g.py']

train_pipeline = [
    dict(type='LoadCrossViewPanels', direction='a2g', label_match='exact'),
    dict(type='PairedResize', scale=(72, 72)),
    dict(type='PairedRandomCrop', crop_size=(64, 64)),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(num_workers=0, persistent_workers=False)
# The demo does not validate (FID needs the Inception weights download).
val_dataloader = None
val_cfg = None
val_evaluator = None

model = dict(
    generator=dict(ngf=16, n_blocks=2),
    discriminator=dict(image=dict(ndf=16), semantic=dict(ndf=16)),
    losses=dict(vgg=dict(pretrained=None)))

n_iters = 20
n_iters_decay = 20
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters=n_iters + n_iters_decay, val_interval=10**9)
_decay = dict(type='LinearLR', start_factor=1.0, end_factor=0.0,
              by_epoch=False, begin=n_iters, end=n_iters + n_iters_decay)
param_scheduler = [_decay]
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(by_epoch=False, interval=n_iters + n_iters_decay))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=20)]
