# pix2pixHD global generator on an NYU Depth v2 style set (paper: 1200 train
# / 249 test frames at 561x427). Layout (any folder-paired set works):
#   data/nyu/{train,test}_label/*.png  (ids 0..40, 0 = unlabeled -> dontcare)
#   data/nyu/{train,test}_img/*.png
# 40 classes + dontcare, no instance maps. Frames are resized to 560x432,
# the official "none" rounding of 561x427 to multiples of 2^4.
_base_ = ['./pix2pixhd_512p_cityscapes.py']
num_classes = 40
semantic_nc = num_classes + 1
data_root = 'data/nyu'
model = dict(
    data_preprocessor=dict(num_classes=num_classes, dontcare_label=255,
                           use_instance_edges=False),
    generator=dict(in_channels=semantic_nc),
    discriminator=dict(in_channels=semantic_nc + 3))
train_pipeline = [
    dict(type='LoadLabelMap', reduce_zero_label=True),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(560, 432)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap', reduce_zero_label=True),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(560, 432)),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(dataset=dict(
    _delete_=True, type='SynthesisDataset', data_root=data_root,
    data_prefix=dict(label_path='train_label', img_path='train_img'),
    img_suffix='.png', pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(
    _delete_=True, type='SynthesisDataset', data_root=data_root,
    data_prefix=dict(label_path='test_label', img_path='test_img'),
    img_suffix='.png', pipeline=test_pipeline))
# Validate on (the first val_num_samples of) the same set.
val_dataloader = test_dataloader
# No segmenter is trained on this label set: FID + pixel scores only.
test_evaluator = [dict(type='FrechetInceptionDistance', inception_path=None),
                  dict(type='PixelMetrics')]
val_evaluator = [dict(type='FrechetInceptionDistance', inception_path=None)]
