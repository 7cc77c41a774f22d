# Dayton (256x256 panels), aerial -> ground, as LGGAN/SelectionGAN ship it:
# <data_root>/{train,test}/*.png, each file six panels [Ia|Ig|Sa|Sg|La|Lg].
# Download: LGGAN cross_view_translation/datasets/download_lggan_dataset.sh
# dayton_lggan. Train: load 286 (photos bicubic, labels nearest), random
# crop 256, no flip (--no_flip), batch 4.
dataset_type = 'DaytonDataset'
data_root = 'data/dayton_lggan'
# LoadCrossViewPanels also stores the aerial photo (source_img: G and D_i
# condition) and the ground colour semantic map (target_semantic: G and D_s
# condition); every transform moves them with the target photo (the sample
# keys of mmsemsyn/datasets/transforms/keys.py).

train_pipeline = [
    dict(type='LoadCrossViewPanels', direction='a2g', label_match='exact'),
    dict(type='PairedResize', scale=(286, 286)),
    dict(type='PairedRandomCrop', crop_size=(256, 256)),
    dict(type='PackSynInputs'),
]
# Deterministic evaluation at the native 256x256. (The official test script
# also loads 286 and takes a *random* 256 crop.)
test_pipeline = [
    dict(type='LoadCrossViewPanels', direction='a2g', label_match='exact'),
    dict(type='PairedResize', scale=(256, 256)),
    dict(type='PackSynInputs'),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='train'),
                 pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='test'),
                 pipeline=test_pipeline, test_mode=True))
# Validation during training (every train_cfg.val_interval): the first
# val_num_samples test samples -- a fixed subset, so scores compare across
# checkpoints (FID on a subset reads higher than on the full set; report
# tools/test.py numbers). Set val_dataloader.dataset.indices to change it.
val_num_samples = 500
val_dataloader = dict(test_dataloader, dataset=dict(
    test_dataloader['dataset'], indices=val_num_samples))
# test_evaluator comes from the evaluator base (cross_view.py).
_base_ = ['../evaluators/cross_view.py']
