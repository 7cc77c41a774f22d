# CPU demo: CRN on the built-in synthetic scenes (64x64, 6 classes, no void
# channel), 3 outputs per label map with the hindsight loss, small widths:
# a few minutes on 2 cores. No ImageNet download in the demo: the content
# loss's VGG-19 has random weights; set
# --cfg-options model.losses.content.pretrained=True (or a local .pth) for
# the real weights.
_base_ = [
    '../_base_/models/crn.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 6
model = dict(
    data_preprocessor=dict(num_classes=num_classes, dontcare_label=None),
    # 5 modules: 4x4 ... 64x64.
    generator=dict(in_channels=num_classes, channels=(64, 64, 64, 32, 32),
                   num_outputs=3),
    losses=dict(content=dict(pretrained=None)))
img_size = (64, 64)
train_dataloader = dict(batch_size=1, dataset=dict(img_size=img_size))
test_dataloader = dict(dataset=dict(img_size=img_size))
# Validation: PSNR of output 0 on the first 8 test scenes; the best
# checkpoint is kept by it.
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SyntheticScenesDataset', num_samples=16,
                 img_size=img_size, seed=1,
                 pipeline=[dict(type='PackSynInputs')], indices=8))
val_cfg = dict(type='ValLoop')
val_evaluator = [dict(type='PixelMetrics', metrics=('PSNR', ))]

# Constant lr, as the official.
n_iters = 400
n_iters_decay = 0
train_cfg = dict(max_iters=n_iters, val_interval=200)
param_scheduler = []
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=400, save_best='pixel/PSNR', rule='greater'))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=200)]
