# Table 2, row D_s: C_s + the sharpness enhancement loss L2 (lambda_2 = 1).
_base_ = ['./lab2pix-v2_cityscapes-512x256.py']
model = dict(generator=dict(use_global_encoder=False))
