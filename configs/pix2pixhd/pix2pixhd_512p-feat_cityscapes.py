# pix2pixHD 512p with instance-level feature embedding (Sec. 3.4): the
# encoder E (feat_num 3, nef 16) is trained with G in G's optimizer; its
# instance-pooled features are appended to G's input (36 + 3 channels).
# G 182,556,163 / D 5,603,202 / E 788,803 parameters. After training, run
# tools/analysis_tools/pix2pixhd_cluster_features.py for the styles.
_base_ = ['./pix2pixhd_512p_cityscapes.py']
feat_num = 3
model = dict(
    generator=dict(in_channels=35 + 1 + feat_num),
    encoder=dict(type='InstanceFeatureEncoder', in_channels=3,
                 feat_num=feat_num, nef=16, n_downsampling=4,
                 num_classes=35, n_clusters=10))
optim_wrapper = dict(generator=dict(modules=['generator', 'encoder']))
