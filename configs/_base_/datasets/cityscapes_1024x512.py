# Cityscapes as pix2pixHD reads it (512p model): labelIds (label_nc 35) +
# 16-bit instance maps + leftImg8bit photos, resize_or_crop "scale_width" to
# 1024 wide (2048x1024 -> 1024x512; labels nearest, photos bicubic), no
# crop, flipped for training. data_root holds either the official tree or
# pix2pixHD's flat folders ({split}_label/_inst/_img: pix2pixHD calls its
# validation frames "test"). Method configs set batch_size (pix2pixHD: 1).
dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes'

train_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', width=1024),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', width=1024),
    dict(type='PackSynInputs'),
]

# Batch size, workers, samplers: ./loaders.py.
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
# Validation on the first val_num_samples test samples (./loaders.py).
val_dataloader = dict(dataset=dict(test_dataloader['dataset'],
                                   indices={{_base_.val_num_samples}}))
# test_evaluator comes from the evaluator base: the papers' protocol
# (paper_protocol_cityscapes.py); the mmseg model-zoo segmenter instead:
# _base_ = ['../evaluators/cityscapes.py'].
_base_ = ['./loaders.py', '../evaluators/paper_protocol_cityscapes.py']
