# Table 2, row B_s: A_s + hierarchical perceptual discriminators (HPD).
_base_ = ['./lab2pix-v2_cityscapes-512x256.py']
model = dict(generator=dict(use_global_encoder=False),
             foreground_mask=None, losses=dict(sharp=None))
