# CRN 1024x2048 fine-tuning stage (official demo_1024p.py): a 9th module
# (32 channels); loads the 512p checkpoint (its output conv does not fit
# and is skipped), trains only the 512 and 1024 modules and the output conv
# ("due to memory limitation", frozen_stages=7) for 5 epochs.
# 98,674,531 parameters.
#   python tools/train.py configs/crn/crn_1024p_cityscapes.py \
#       --load-from work_dirs/crn_512p_cityscapes/epoch_20.pth
_base_ = ['./crn_512p_cityscapes.py']
crn_scale = (2048, 1024)
train_pipeline = [
    dict(type='LoadLabelMap', label_map={{_base_.crn_label_map}},
         num_classes=19, dontcare_label=255),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=crn_scale),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(generator=dict(num_modules=9, frozen_stages=7))
train_cfg = dict(max_epochs=5)
# test_evaluator: inherited (DRN-D-105 at 1024x2048 = the generated size).
