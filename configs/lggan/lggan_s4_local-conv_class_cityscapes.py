# LGGAN ablation S4 (paper Table 3): S3 + the classification-based
# discriminative feature learning (Eq. 5); average global/local fusion.
_base_ = './lggan_cityscapes.py'
model = dict(generator=dict(local_fusion='conv', use_classifier=True,
                            use_weight_map=False))
