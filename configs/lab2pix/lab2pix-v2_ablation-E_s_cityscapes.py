# Table 2, row E_s: D_s + the global encoder and DG-Norm = Lab2Pix-V2.
_base_ = ['./lab2pix-v2_cityscapes-512x256.py']
