# pix2pixHD stages 2-3 ("label2city_1024p"): local enhancer (ngf 32) around
# the 512p global generator, at 2048x1024, num_D 3. The inner global
# generator is loaded from the 512p checkpoint and fixed for the first 10
# epochs (official --niter_fix_global 10), then all of G is fine-tuned;
# 50 + 50 epochs (--niter 50 --niter_decay 50).
# G 182,857,059 / D 8,404,803 parameters.
#   python tools/train.py configs/pix2pixhd/pix2pixhd_1024p_cityscapes.py \
#     --cfg-options model.pretrained_global=work_dirs/pix2pixhd_512p_cityscapes/epoch_200.pth
_base_ = ['./pix2pixhd_512p_cityscapes.py']
num_D = 3
niter = 50
niter_decay = 50
niter_fix_global = 10
load_width = 2048  # official --resize_or_crop none on 2048x1024 frames

model = dict(
    pretrained_global='work_dirs/pix2pixhd_512p_cityscapes/epoch_200.pth',
    generator=dict(_delete_=True, type='LocalEnhancer', in_channels=36,
                   out_channels=3, ngf=32, n_downsample_global=4,
                   n_blocks_global=9, n_local_enhancers=1, n_blocks_local=3,
                   norm='IN'),
    discriminator=dict(num_D=num_D),
    # FM averages over the scales: 4 / (n_layers_D + 1) * 1 / num_D * 10.
    losses=dict(feat=dict(average_scales=True)))

train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', width=load_width),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]))
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadLabelMap'),
    dict(type='LoadInstanceMap'),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', width=load_width),
    dict(type='PackSynInputs'),
]))
# Validate on (the first val_num_samples of) the same set.
val_dataloader = test_dataloader

train_cfg = dict(max_epochs=niter + niter_decay)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=True,
         begin=niter, end=niter + niter_decay + 1)]
custom_hooks = [
    dict(type='Pix2PixHDStagedTrainingHook',
         fix_global_epochs=niter_fix_global),
    dict(type='SynthesisVisualizationHook', interval=1000),
]
# The fixed stage switches parameters off with requires_grad.
model_wrapper_cfg = dict(find_unused_parameters=True)
