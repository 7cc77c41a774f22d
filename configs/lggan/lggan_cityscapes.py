# LGGAN on Cityscapes (official train_cityscapes.sh): 512x256 ('fixed'
# resize), label_nc 35 + instance edges (semantic_nc 36, no dontcare),
# 'more' upsampling, 200 epochs = 100 at the initial lr + 100 linear decay to
# 0, TTUR (G 1e-4 / D 4e-4, Adam(0, 0.9)).
# Batch: the official total batch is 8 = 1 sample per GPU x 8 GPUs (its
# classifier only works with 1 sample per GPU). Ours handles any batch, so
#   8 GPUs:  tools/dist_train.sh configs/lggan/lggan_cityscapes.py 8
#   1 GPU:   --cfg-options train_dataloader.batch_size=8
# give the same total batch (BN statistics are per GPU unless SyncBN).
# This config is also ablation S5 of Table 3 (full model).
# G 110,790,695 / D 5,601,410 parameters.
# VGG19 ImageNet weights come from torchvision; offline, pass a file:
#   --cfg-options model.losses.vgg.pretrained=/path/to/vgg19.pth
_base_ = [
    '../_base_/models/lggan.py',
    '../_base_/datasets/cityscapes_512x256.py',
    '../_base_/schedules/pix2pixhd_epoch.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(
    batch_size=1,  # per GPU; x 8 GPUs = official 8
    num_workers=2,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))

default_hooks = dict(
    logger=dict(interval=100),
    # official save_epoch_freq 10
    checkpoint=dict(by_epoch=True, interval=10, max_keep_ckpts=3,
                    save_last=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
