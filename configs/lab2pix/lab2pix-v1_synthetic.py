# CPU demo: Lab2Pix-V1 on the built-in synthetic scenes (6 classes,
# 128x256), unpaired (each label meets a random scene photo), small widths,
# random VGG weights (no download), a tiny mmseg FCN as the per-scale
# cycle-segmentation network. 200 iterations: tens of minutes on 2 CPU cores.
_base_ = [
    '../_base_/models/lab2pix_v1.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 6
tiny_norm = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(semantic_nc=num_classes, init_size=(1, 2),
                   channels=(64, 64, 64, 64, 32, 32, 16, 16)),
    discriminator=dict(ndf=16, discriminator=dict(feat_channels=64,
                                                  vgg_pretrained=None),
                       # random VGG-16 branch (no download): a CPU demo
                       allow_random_perceptual_branch=True),
    segmenter=dict(
        _delete_=True,
        type='EncoderDecoder',
        data_preprocessor=None,
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=16,
                      base_channels=16, num_stages=2, strides=(1, 2),
                      dilations=(1, 1), out_indices=(1, ),
                      norm_cfg=tiny_norm),
        decode_head=dict(type='FCNHead', in_channels=32, in_index=0,
                         channels=16, num_convs=1,
                         num_classes=num_classes, norm_cfg=tiny_norm,
                         loss_decode=dict(type='CrossEntropyLoss')),
        train_cfg=dict(),
        test_cfg=dict(mode='whole')),
    # synthetic classes: everything but cars (5) is background
    foreground_mask=dict(background_ids=[0, 1, 2, 3, 4]),
    losses=dict(sharp=dict(ramp='iter'),
                vgg=dict(pretrained=None),
                consistency=dict(pretrained=None)))
test_dataloader = dict(dataset=dict(img_size=(128, 256)))
# Validate on (the first val_num_samples of) the same set.
val_dataloader = test_dataloader
train_dataloader = dict(
    batch_size=2,
    dataset=dict(_delete_=True, type='UnpairedDataset', seed=0,
                 dataset=dict(type='SyntheticScenesDataset', num_samples=64,
                              img_size=(128, 256), seed=0,
                              pipeline=[dict(type='PairedFlip', prob=0.5),
                                        dict(type='PackSynInputs')])))
# The schedule base's 100 + 100 iterations; validate every 100.
train_cfg = dict(val_interval=100)
default_hooks = dict(
    logger=dict(interval=10),
    # Validation: PSNR on 8 test scenes; keep the best checkpoint.
    checkpoint=dict(interval=100, save_best='pixel/PSNR', rule='greater'))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=50)]
