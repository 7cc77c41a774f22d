# Table 2, row A_s: SPADE (its generator = ours without the global encoder,
# 93,048,003 params; its 2-scale SN PatchGAN D), hinge + FM + VGG; no HPD,
# no mask, no sharpness.
_base_ = ['./lab2pix-v2_cityscapes-512x256.py']
model = dict(
    generator=dict(use_global_encoder=False),
    discriminator=dict(
        _delete_=True,
        type='MultiScaleDiscriminator',
        in_channels=36 + 3,
        ndf=64,
        n_layers_D=3,
        num_D=2,
        discriminator=dict(type='PatchDiscriminator', norm='IN', padding=2,
                           spectral_norm=True)),
    foreground_mask=None,
    losses=dict(sharp=None))
