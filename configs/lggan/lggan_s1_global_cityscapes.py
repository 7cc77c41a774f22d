# LGGAN ablation S1 (paper Table 3): the global generator only (conv encoder
# + SPADE decoder), no local branch, no classification, no weight map.
_base_ = './lggan_cityscapes.py'
model = dict(
    generator=dict(use_local=False, use_classifier=False,
                   use_weight_map=False),
    losses=dict(l1_local=None, classification=None))
