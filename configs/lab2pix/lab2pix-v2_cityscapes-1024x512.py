# Lab2Pix-V2 on Cityscapes 1024x512 ('most': one more GenResBlk, the output
# judged by the two HPDs; paper: batch 8).
_base_ = ['./lab2pix-v2_cityscapes-512x256.py']
model = dict(generator=dict(num_upsampling_layers='most'))
train_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(1024, 512)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(1024, 512)),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# Validate on (the first val_num_samples of) the same set.
val_dataloader = test_dataloader
