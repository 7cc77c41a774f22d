# The denoising GAN (arXiv 1801.03252), Eq. 7:
#   cGAN (pix2pix's vanilla GAN, 70x70 PatchGAN) + 100 L1 + 1 Lp + 1 Lc,
# noisy input (Gaussian, std 0.1) and the thing-instance channel as
# data-preprocessor options. Method configs set num_classes, the thing
# classes and the matching in_channels.
model = dict(
    type='DenoisingGAN',
    disc_input='clean',
    data_preprocessor=dict(
        type='SynDataPreprocessor',
        num_classes=35,
        semantic_noise=dict(std=0.1, test_mode='seeded', seed=0)),
    generator=dict(type='DenoisingGANGenerator', in_channels=35,
                   out_channels=3, ngf=64, n_blocks=9, norm='BN'),
    discriminator=dict(type='PatchDiscriminator', in_channels=35 + 3,
                       ndf=64, n_layers_D=3, norm='BN',
                       padding=1),
    losses=dict(
        gan=dict(type='GANLoss', gan_type='vanilla', loss_weight=1.0,
                 loss_name='loss_gan'),
        # pix2pix halves D's loss ((fake + real) * 0.5); Lp's D term too.
        gan_disc=dict(type='GANLoss', gan_type='vanilla', loss_weight=0.5,
                      loss_name='loss_gan_disc'),
        l1=dict(type='L1Loss', loss_weight=100.0, loss_name='loss_l1'),
        perturbed=dict(type='PerturbedLoss', loss_weight=1.0,
                       loss_name='loss_perturbed'),
        perturbed_disc=dict(type='PerturbedLoss', loss_weight=0.5,
                            loss_name='loss_perturbed_disc'),
        cascade=dict(type='CascadeLayerLoss', loss_weight=1.0,
                     layer_weights=(1.0, 1.0, 1.0, 1.0, 1.0),
                     pretrained=True, loss_name='loss_cascade')))

optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=2e-4,
                                      betas=(0.5, 0.999))))
