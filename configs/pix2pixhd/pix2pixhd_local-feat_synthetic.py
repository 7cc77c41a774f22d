# CPU demo: stages 2-3 with instance features, from
# pix2pixhd_global-feat_synthetic.py's checkpoint (G and E are loaded).
_base_ = ['./pix2pixhd_local_synthetic.py']
feat_num = 3
model = dict(
    pretrained_global='work_dirs/pix2pixhd_global-feat_synthetic/'
    'epoch_8.pth',
    generator=dict(in_channels=6 + 1 + feat_num),
    encoder=dict(type='InstanceFeatureEncoder', in_channels=3,
                 feat_num=feat_num, nef=8, n_downsampling=4,
                 num_classes=6, n_clusters=10))
optim_wrapper = dict(generator=dict(modules=['generator', 'encoder']))
