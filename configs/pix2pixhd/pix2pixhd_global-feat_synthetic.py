# CPU demo: global stage with the instance-feature encoder (Sec. 3.4) on the
# synthetic scenes (things: buildings, trees, cars with instance ids).
# 2000 distinct scenes, because each car's paint is random: a layout does not
# tell G the colour, so G must learn to read it from E's features -- which is
# what makes the K-means styles differ. With a few dozen scenes G memorises
# the photos and ignores E. 8 epochs = 4000 iterations, a few minutes on 2 CPU
# cores; then cluster and pick styles (configs/pix2pixhd/README.md).
_base_ = ['./pix2pixhd_global_synthetic.py']
feat_num = 3
model = dict(
    generator=dict(in_channels=6 + 1 + feat_num),
    encoder=dict(type='InstanceFeatureEncoder', in_channels=3,
                 feat_num=feat_num, nef=8, n_downsampling=4,
                 num_classes=6, n_clusters=10))
optim_wrapper = dict(generator=dict(modules=['generator', 'encoder']))

train_dataloader = dict(dataset=dict(num_samples=2000))
niter = 4
niter_decay = 4
train_cfg = dict(max_epochs=niter + niter_decay)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=True,
         begin=niter, end=niter + niter_decay + 1)]
default_hooks = dict(logger=dict(interval=100),
                     checkpoint=dict(interval=4, by_epoch=True, save_last=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=500)]
