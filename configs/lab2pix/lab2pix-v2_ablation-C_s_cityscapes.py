# Table 2, row C_s: B_s + foreground enhancement masks (FE, T = 5).
_base_ = ['./lab2pix-v2_cityscapes-512x256.py']
model = dict(generator=dict(use_global_encoder=False),
             losses=dict(sharp=None))
