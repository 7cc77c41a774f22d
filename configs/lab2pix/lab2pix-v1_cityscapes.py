# Lab2Pix-V1 on Cityscapes, unpaired: each labelIds map (35 classes, no
# instance maps) meets a random photo; 512x256 (official scale_width 512),
# flip; batch 1; 50 epochs + 50 of linear lr decay; lambda_2 ramped 0 -> 1
# once per epoch (official --linear_sharp). This is the official code's
# model (ablation row G_u structure; the paper's H_u adds DG-Norm's global
# code: lab2pix-v1_ablation-H_u_cityscapes.py).
_base_ = [
    '../_base_/models/lab2pix_v1.py',
    '../_base_/evaluators/paper_protocol_cityscapes.py',
    '../_base_/schedules/pix2pixhd_epoch_50-50.py',
    '../_base_/default_runtime.py',
]
data_root = 'data/cityscapes'
train_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(512, 256)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(512, 256)),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='UnpairedDataset',
        dataset=dict(type='CityscapesDataset', data_root=data_root,
                     split='train', with_instances=False,
                     pipeline=train_pipeline)))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CityscapesDataset', data_root=data_root, split='val',
                 with_instances=False, pipeline=test_pipeline))
# Validation: the first 500 val images (all of Cityscapes val), FID +
# segmentation score; best checkpoint by FID (default_runtime.py).
val_dataloader = dict(test_dataloader, dataset=dict(
    test_dataloader['dataset'], indices=500))

custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
