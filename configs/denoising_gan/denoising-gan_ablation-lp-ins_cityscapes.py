# Table III row "Lp + Ins.":
# perturbed loss + car instance map (clean input, no Lc).
_base_ = ['./denoising-gan_cityscapes.py']
model = dict(
    data_preprocessor=dict(semantic_noise=None),
    losses=dict(cascade=None))
