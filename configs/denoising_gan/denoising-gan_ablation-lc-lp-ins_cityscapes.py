# Table III row "Lc + Lp + Ins.": both losses + car instance map, clean input
# ("Ours" adds the std-0.1 noisy input to this).
_base_ = ['./denoising-gan_cityscapes.py']
model = dict(data_preprocessor=dict(semantic_noise=None))
