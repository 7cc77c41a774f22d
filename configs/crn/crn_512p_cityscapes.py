# CRN 512x1024 fine-tuning stage (official demo_512p.py): one output image,
# an 8th module (128 channels) at 512x1024; every module of the 256p model
# is loaded from its checkpoint (its 27-channel output conv does not fit
# and is skipped, as the official restores only the g_4..g_256 modules),
# then 20 epochs with the 512p layer weights. 98,622,851 parameters.
#   python tools/train.py configs/crn/crn_512p_cityscapes.py \
#       --load-from work_dirs/crn_256p_cityscapes/epoch_200.pth
# The official trains this stage on MATLAB "vivid" tone-mapped photos
# (optional_preprocessing/ of its repository); we use the plain photos.
_base_ = ['./crn_256p_cityscapes.py']
crn_scale = (1024, 512)
train_pipeline = [
    dict(type='LoadLabelMap', label_map={{_base_.crn_label_map}},
         num_classes=19, dontcare_label=255),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=crn_scale),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(
    generator=dict(num_modules=8, num_outputs=1),
    # demo_512p.py: lambda 1, 1/2.6, 1/4.8, 1/3.7, 1/5.6, 10/1.5 on the
    # plain (unmasked) mean errors -- with one output this equals the
    # mask-weighted form, whose masks sum to 1 at every pixel.
    losses=dict(content=dict(
        layer_weights=(1.0, 1 / 2.6, 1 / 4.8, 1 / 3.7, 1 / 5.6, 10 / 1.5),
        mask_weighted=False)))
train_cfg = dict(max_epochs=20)
