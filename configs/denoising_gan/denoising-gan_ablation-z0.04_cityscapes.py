# Table III row "Z0.04": noisy input std 0.04 only (no Lp, Lc or instance map).
_base_ = ['./denoising-gan_cityscapes.py']
model = dict(
    data_preprocessor=dict(semantic_noise=dict(std=0.04), thing_instance=None),
    generator=dict(in_channels=35), discriminator=dict(in_channels=35 + 3),
    losses=dict(perturbed=None, perturbed_disc=None, cascade=None))
