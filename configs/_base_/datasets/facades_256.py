# pix2pix "facades" (CMP Facades base set as photo|label AB JPEGs in
# {train,val,test}/): label -> photo (pix2pix --direction BtoA). The colour
# labels are decoded to the 12 CMP ids with the dataset palette (nearest
# colour, JPEG noise). Training: resize 286x286, random 256x256 crop, flip
# (pix2pix resize_and_crop). Test: resize to 256x256 (pix2pix would crop a
# random 256 window of the 286 resize at test time too; a fixed resize makes
# the test set deterministic). pix2pix: batch size 1.
dataset_type = 'FacadesDataset'
data_root = 'data/facades'

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

# Loaders: ./loaders.py (batch 1, 4 workers; validation on the first
# val_num_samples test samples).
train_dataloader = dict(dataset=dict(
    type=dataset_type, data_root=data_root, split='train', direction='BtoA',
    pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(
    type=dataset_type, data_root=data_root, split='test', direction='BtoA',
    pipeline=test_pipeline))
val_dataloader = dict(dataset=dict(test_dataloader['dataset'],
                                   indices={{_base_.val_num_samples}}))
# test_evaluator comes from the evaluator base (fid_pixel.py).
_base_ = ['./loaders.py', '../evaluators/fid_pixel.py']
