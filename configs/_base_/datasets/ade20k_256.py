# ADE20K (ADEChallengeData2016) as SPADE reads it: 150 classes, 0 ("other")
# -> dontcare (LoadLabelMap applies the dataset's reduce_zero_label: 0 -> 255
# = dontcare_label, k -> k - 1; model: num_classes=150, dontcare_label=255,
# 151 channels), no instance maps. Training: resize to 286x286 (aspect not
# kept, as SPADE's resize_and_crop), random 256x256 crop, flip. Test: resize
# to 256x256 (SPADE's test load_size 256).
dataset_type = 'ADE20KDataset'
data_root = 'data/ADEChallengeData2016'

train_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(286, 286)),
    dict(type='PairedRandomCrop', crop_size=(256, 256)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(256, 256)),
    dict(type='PackSynInputs'),
]

# Batch size, workers, samplers: ./loaders.py.
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='training',
                 pipeline=train_pipeline))
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root,
                 split='validation', pipeline=test_pipeline))
# Validation on the first val_num_samples test samples (./loaders.py).
val_dataloader = dict(dataset=dict(test_dataloader['dataset'],
                                   indices={{_base_.val_num_samples}}))
# test_evaluator comes from the evaluator base: the papers' protocol
# (paper_protocol_ade20k.py); the mmseg model-zoo segmenter instead:
# _base_ = ['../evaluators/ade20k.py'].
_base_ = ['./loaders.py', '../evaluators/paper_protocol_ade20k.py']
