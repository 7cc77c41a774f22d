# pix2pix "cityscapes" (photo|colour-label AB images, 256x256 each, in
# {train,val}/): label -> photo (--direction BtoA). Colour labels are decoded
# to Cityscapes label ids (35 channels) with the official palette; ids that
# share a colour decode to the lowest one. No instance maps. Training:
# resize 286x286, random 256x256 crop, flip. Test: resize to 256x256 (the
# FCN-score protocol evaluates at 256x256).
dataset_type = 'CityscapesABDataset'
data_root = 'data/cityscapes_pix2pix'

train_pipeline = [
    dict(type='LoadLabelMap', color_palette=True),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(286, 286)),
    dict(type='PairedRandomCrop', crop_size=(256, 256)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    dict(type='LoadLabelMap', color_palette=True),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(256, 256)),
    dict(type='PackSynInputs'),
]

# Batch size, workers, samplers: ./loaders.py.
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 direction='BtoA', pipeline=train_pipeline))
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 direction='BtoA', pipeline=test_pipeline))
# Validation on the first val_num_samples test samples (./loaders.py).
val_dataloader = dict(dataset=dict(test_dataloader['dataset'],
                                   indices={{_base_.val_num_samples}}))
# test_evaluator comes from the evaluator base (fid_pixel.py).
_base_ = ['./loaders.py', '../evaluators/fid_pixel.py']
