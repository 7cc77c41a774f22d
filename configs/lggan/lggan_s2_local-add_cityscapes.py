# LGGAN ablation S2 (paper Table 3): S1 + the local class-specific branch,
# class images summed (Eq. 3); global and local fused by their average
# (no weight map), no classification loss.
_base_ = './lggan_cityscapes.py'
model = dict(
    generator=dict(local_fusion='add', use_classifier=False,
                   use_weight_map=False),
    losses=dict(classification=None))
