# CPU demo of stages 2-3: a local enhancer (ngf 4, so the inner global
# generator has the global demo's ngf 8) at 128x128 around the global
# generator trained by pix2pixhd_global_synthetic.py at 64x64; the global
# generator is fixed for the first `niter_fix_global` epochs, then all of
# G is fine-tuned. Run the global config first:
#   python tools/train.py configs/pix2pixhd/pix2pixhd_global_synthetic.py
#   python tools/train.py configs/pix2pixhd/pix2pixhd_local_synthetic.py
_base_ = ['./pix2pixhd_global_synthetic.py']
img_size = (128, 128)
niter = 5
niter_decay = 5
niter_fix_global = 3
model = dict(
    pretrained_global='work_dirs/pix2pixhd_global_synthetic/epoch_20.pth',
    generator=dict(_delete_=True, type='LocalEnhancer', in_channels=6 + 1,
                   out_channels=3, ngf=4, n_downsample_global=4,
                   n_blocks_global=9, n_local_enhancers=1, n_blocks_local=3,
                   norm='IN'),
    discriminator=dict(num_D=3))
train_dataloader = dict(dataset=dict(img_size=img_size))
test_dataloader = dict(dataset=dict(img_size=img_size))
# Validate on (the first val_num_samples of) the same set.
val_dataloader = test_dataloader
train_cfg = dict(max_epochs=niter + niter_decay)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=True,
         begin=niter, end=niter + niter_decay + 1)]
default_hooks = dict(checkpoint=dict(interval=1))
custom_hooks = [
    dict(type='Pix2PixHDStagedTrainingHook',
         fix_global_epochs=niter_fix_global),
    dict(type='SynthesisVisualizationHook', interval=40),
]
model_wrapper_cfg = dict(find_unused_parameters=True)
