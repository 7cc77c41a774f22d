# LGGAN cross-view translation, CVUSA 256x256, aerial -> ground
# (official train_cvusa.sh: as Dayton but niter 15 + niter_decay 15).
# CVUSA panels are JPGs: the grey label panels carry compression noise
# (12% of pixels are off their class value, almost all by 1..5), so grey values
# are matched to the nearest class value (10..60). The official code matches
# exactly and leaves those pixels in no class; to reproduce that, set
# label_match='exact', unmatched_label=255 and the preprocessor's
# dontcare_label=255.
_base_ = ['./lggan_dayton-a2g.py']

dataset_type = 'CVUSADataset'
data_root = 'data/cvusa_lggan'
load_panels = dict(type='LoadCrossViewPanels', direction='a2g',
                   label_match='nearest')
train_pipeline = [
    load_panels,
    dict(type='PairedResize', scale=(286, 286)),
    dict(type='PairedRandomCrop', crop_size=(256, 256)),
    dict(type='PackSynInputs'),
]
test_pipeline = [
    load_panels,
    dict(type='PairedResize', scale=(256, 256)),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root,
                                     pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root,
                                    pipeline=test_pipeline))
# Validate on (the first val_num_samples of) the same set.
val_dataloader = test_dataloader

n_epochs = 15
n_epochs_decay = 15
train_cfg = dict(max_epochs=n_epochs + n_epochs_decay)
_decay = dict(type='LinearLR', start_factor=n_epochs_decay /
              (n_epochs_decay + 1), end_factor=0.0, by_epoch=True,
              begin=n_epochs - 1, end=n_epochs + n_epochs_decay)
param_scheduler = [_decay]
