# 1024p with instance features: stage 2 of pix2pixhd_512p-feat_cityscapes.py
# (its G and E are loaded from that checkpoint). G 182,871,171 /
# D 8,404,803 / E 788,803 parameters.
_base_ = ['./pix2pixhd_1024p_cityscapes.py']
feat_num = 3
model = dict(
    pretrained_global='work_dirs/pix2pixhd_512p-feat_cityscapes/'
    'epoch_200.pth',
    generator=dict(in_channels=35 + 1 + feat_num),
    encoder=dict(type='InstanceFeatureEncoder', in_channels=3,
                 feat_num=feat_num, nef=16, n_downsampling=4,
                 num_classes=35, n_clusters=10))
optim_wrapper = dict(generator=dict(modules=['generator', 'encoder']))
