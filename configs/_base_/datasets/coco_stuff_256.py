# COCO-Stuff in SPADE's layout ({split}_img/_label/_inst): 182 classes, 255
# unlabeled -> dontcare (model: num_classes=182, dontcare_label=255), instance
# maps for the edge channel (184 channels in all). Training: resize to
# 286x286 (aspect not kept, as SPADE's resize_and_crop), random 256x256
# crop, flip. Test: resize to 256x256.
dataset_type = 'COCOStuffDataset'
data_root = 'data/coco_stuff'

train_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(286, 286)),
    dict(type='PairedRandomCrop', crop_size=(256, 256)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(256, 256)),
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
# (paper_protocol_coco_stuff.py); the mmseg model-zoo segmenter instead:
# _base_ = ['../evaluators/coco_stuff.py'].
_base_ = ['./loaders.py', '../evaluators/paper_protocol_coco_stuff.py']
