# Table 1, row D_u: C_u + the image consistency loss L3.
_base_ = ['./lab2pix-v1_cityscapes.py']
model = dict(
    discriminator=dict(
        _delete_=True,
        type='HierarchicalPerceptualDiscriminators',
        num_levels=(1, 1, 1),
        pass_levels=False,
        in_channels=3,
        ndf=64,
        discriminator=dict(type='PatchDiscriminator', n_layers_D=3, norm='IN',
                           padding=2, spectral_norm=True,
                           return_features=True)),
    foreground_mask=None,
    losses=dict(sharp=None))
