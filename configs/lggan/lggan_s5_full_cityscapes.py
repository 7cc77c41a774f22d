# LGGAN ablation S5 (paper Table 3) = the full model: S4 + the pixel-level
# weight-map fusion (Eq. 6-7). Identical to lggan_cityscapes.py.
_base_ = './lggan_cityscapes.py'
