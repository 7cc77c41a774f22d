# pix2pix: U-Net 256 generator, 70x70 PatchGAN, vanilla GAN + lambda_L1 100.
model = dict(
    type='Pix2Pix',
    data_preprocessor=dict(type='SynDataPreprocessor',
                           num_classes=35),
    generator=dict(type='UnetGenerator', in_channels=35,
                   out_channels=3, num_downs=8, ngf=64, norm='BN',
                   use_dropout=True),
    discriminator=dict(type='PatchDiscriminator', in_channels=35 + 3,
                       ndf=64, n_layers_D=3, norm='BN',
                       padding=1),
    losses=dict(
        gan=dict(type='GANLoss', gan_type='vanilla', loss_weight=1.0,
                 loss_name='loss_gan'),
        gan_disc=dict(type='GANLoss', gan_type='vanilla', loss_weight=0.5,
                      loss_name='loss_gan_disc'),
        l1=dict(type='L1Loss', loss_weight=100.0, loss_name='loss_l1')))

optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=2e-4,
                                      betas=(0.5, 0.999))))
