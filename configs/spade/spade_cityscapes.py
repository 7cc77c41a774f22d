# SPADE / GauGAN on Cityscapes (official dataset defaults): 512x256
# ('fixed'), label_nc 35 + instance edges (semantic_nc 36, no dontcare),
# 'more' upsampling, TTUR (G 1e-4 / D 4e-4, Adam(0, 0.9)), hinge + FM 10 +
# VGG 10. Schedule: the paper's 200 epochs = 100 + 100 linear decay (the
# code's own default is niter 50, no decay).
# Batch: official Cityscapes default batchSize 16 -> 2 per GPU x 8 GPUs
#   tools/dist_train.sh configs/spade/spade_cityscapes.py 8
# (SyncBN across GPUs via sync_bn='torch' in the model base).
# G 93,048,003 / D 5,601,410 parameters.
# VGG19 ImageNet weights come from torchvision; offline, pass a file:
#   --cfg-options model.losses.vgg.pretrained=/path/to/vgg19.pth
_base_ = [
    '../_base_/models/spade.py',
    '../_base_/datasets/cityscapes_512x256.py',
    '../_base_/schedules/pix2pixhd_epoch.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(
    batch_size=2,  # per GPU; x 8 GPUs = official 16
    num_workers=2,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=True, interval=10, max_keep_ckpts=3,
                    save_last=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
