# Table III row "Lc + Ins.":
# cascade layer loss + car instance map (clean input, no Lp).
_base_ = ['./denoising-gan_cityscapes.py']
model = dict(
    data_preprocessor=dict(semantic_noise=None),
    losses=dict(perturbed=None, perturbed_disc=None))
