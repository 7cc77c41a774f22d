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

train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
# Validation during training (every train_cfg.val_interval): the first
# val_num_samples test samples -- a fixed subset, so scores compare across
# checkpoints (FID on a subset reads higher than on the full set; report
# tools/test.py numbers). Set val_dataloader.dataset.indices to change it.
val_num_samples = 500
val_dataloader = dict(test_dataloader, dataset=dict(
    test_dataloader['dataset'], indices=val_num_samples))
# test_evaluator comes from the evaluator base: the papers' protocol
# (paper_protocol_cityscapes.py); the mmseg model-zoo segmenter instead:
# _base_ = ['../evaluators/cityscapes.py'].
_base_ = ['../evaluators/paper_protocol_cityscapes.py']
