# Table III row "Lp":
# the perturbed loss only (clean input, no Lc, no instance map).
_base_ = ['./denoising-gan_cityscapes.py']
model = dict(
    data_preprocessor=dict(semantic_noise=None, thing_instance=None),
    generator=dict(in_channels=35), discriminator=dict(in_channels=35 + 3),
    losses=dict(cascade=None))
