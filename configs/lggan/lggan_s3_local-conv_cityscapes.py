# LGGAN ablation S3 (paper Table 3): S1 + the local branch fused by
# concat + conv (Eq. 4); average global/local fusion, no classification.
_base_ = './lggan_cityscapes.py'
model = dict(
    generator=dict(local_fusion='conv', use_classifier=False,
                   use_weight_map=False),
    losses=dict(classification=None))
