# pix2pixHD stage 1 ("label2city_512p"): the global generator on Cityscapes
# at 1024x512 (scale_width 1024), label_nc 35 + instance edges, no dontcare,
# batch 1, 100 + 100 epochs. G 182,546,755 / D 5,603,202 parameters.
# The VGG19 ImageNet weights come from torchvision; offline, pass a file:
#   --cfg-options model.losses.vgg.pretrained=/path/to/vgg19.pth
_base_ = [
    '../_base_/models/pix2pixhd_global.py',
    '../_base_/datasets/cityscapes_1024x512.py',
    '../_base_/schedules/pix2pixhd_epoch.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(
    batch_size=1,
    drop_last=True,  # the official loader drops the last partial batch
    # epochs (niter / niter_decay / niter_fix_global) need a finite sampler
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=True, interval=10, max_keep_ckpts=3,
                    save_last=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
