# Table 1, row E_u: D_u + hierarchical perceptual discriminators (HPD).
_base_ = ['./lab2pix-v1_cityscapes.py']
model = dict(foreground_mask=None, losses=dict(sharp=None))
