# CPU demo: global stage with the instance-feature encoder (Sec. 3.4) on the
# synthetic scenes (things: buildings, trees, cars with instance ids).
_base_ = ['./pix2pixhd_global_synthetic.py']
feat_num = 3
model = dict(
    generator=dict(in_channels=6 + 1 + feat_num),
    encoder=dict(type='InstanceFeatureEncoder', in_channels=3,
                 feat_num=feat_num, nef=8, n_downsampling=4,
                 num_classes=6, n_clusters=10))
optim_wrapper = dict(generator=dict(modules=['generator', 'encoder']))
