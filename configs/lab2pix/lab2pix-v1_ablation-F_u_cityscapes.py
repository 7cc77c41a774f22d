# Table 1, row F_u: E_u + foreground enhancement masks (FE, T = 2).
_base_ = ['./lab2pix-v1_cityscapes.py']
model = dict(losses=dict(sharp=None))
