# Cityscapes as SPADE / LGGAN / Lab2Pix-V2 read it: labelIds (label_nc 35, no
# dontcare) + 16-bit instance maps (edge channel) + leftImg8bit photos, all
# resized to a fixed 512x256 (SPADE preprocess_mode "fixed", load_size 512,
# aspect 2; labels nearest, photos bicubic) and flipped for training.
# data_root holds either the official tree (gtFine/, leftImg8bit/) or
# pix2pixHD's flat folders ({split}_label/_inst/_img); see
# tools/dataset_converters/cityscapes.py. Method configs set batch_size.
dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes'

train_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(512, 256)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(512, 256)),
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
