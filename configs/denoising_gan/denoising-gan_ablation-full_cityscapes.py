# Table III row "Ours":
# the full model = denoising-gan_cityscapes.py (noisy input
# std 0.1 + Lp + Lc + car instance map), listed here to complete the table.
_base_ = ['./denoising-gan_cityscapes.py']

