# Table 1, row A_u: "SPADE w/ L4": one output (no progressive generation),
# no LSCA, SPADE's 2-scale PatchGAN D, the cycle segmentation loss (and
# the V1 VGG loss); no consistency loss, no HPD, no mask, no sharpness.
_base_ = ['./lab2pix-v1_cityscapes.py']
model = dict(
    generator=dict(num_outputs=1, use_lsca=False),
    discriminator=dict(
        _delete_=True,
        type='MultiScaleDiscriminator',
        in_channels=3,
        ndf=64,
        n_layers_D=3,
        num_D=2,
        discriminator=dict(type='PatchDiscriminator', norm='IN', padding=2,
                           spectral_norm=True)),
    foreground_mask=None,
    losses=dict(
        gan=dict(scale_reduction='mean'),
        gan_disc=dict(scale_reduction='mean'),
        sharp=None,
        consistency=None))
