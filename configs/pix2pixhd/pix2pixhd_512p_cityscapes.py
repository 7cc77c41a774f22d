# pix2pixHD stage 1 ("label2city_512p"): the global generator on Cityscapes
# at 1024x512 (scale_width 1024), label_nc 35 + instance edges, batch 1,
# 100 + 100 epochs. G 182,546,755 / D 5,603,202 parameters.
# The VGG19 ImageNet weights come from torchvision; offline, pass a file:
#   --cfg-options model.losses.vgg.pretrained=/path/to/vgg19.pth
_base_ = [
    '../_base_/models/pix2pixhd_global.py',
    '../_base_/schedules/pix2pixhd_epoch.py',
    '../_base_/default_runtime.py',
]
data_root = 'data/cityscapes'
load_width = 1024  # official loadSize with resize_or_crop=scale_width

train_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', width=load_width),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', width=load_width),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,  # the official loader drops the last partial batch
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CityscapesDataset', data_root=data_root,
                 split='train', pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CityscapesDataset', data_root=data_root,
                 split='val', pipeline=test_pipeline))
test_evaluator = [dict(type='PixelMetrics')]

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=True, interval=10, max_keep_ckpts=3,
                    save_last=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
