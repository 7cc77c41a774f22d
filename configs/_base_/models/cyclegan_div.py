# The diversity CycleGAN (ZJULearning/diverse_image_synthesis, train.py
# "DivCycleGAN"): G_B layout + noise -> image and G_A image -> layout, both
# U-Net 256 (BN, dropout); PatchGANs D_B (images) and D_A (layouts) with
# sigmoid + BCE (= the vanilla GAN loss with logits); image pools of 50;
# L_G = 10 * GAN + alpha (10) * cycle L1 + gamma (10) * L_Div (lambda_c 0.3,
# ramped in over 100 epochs), the argmax-doubled L1-normalised noise draw;
# Adam 2e-4 (0.5, 0.999) over G_A + G_B and over D_A + D_B.
# configs/diversity/README.md lists the differences from the official code.
num_classes = 12  # CMP Facades
ngf = 64
ndf = 64
num_downs = 8  # U-Net 256
iters_per_epoch = 400  # for the L_Div ramp (datasets override it)
unet = dict(type='UnetGenerator', num_downs=num_downs, ngf=ngf, norm='BN',
            use_dropout=True)
patch_d = dict(type='PatchDiscriminator', ndf=ndf, n_layers_D=3,
               norm='BN', padding=1)
model = dict(
    type='DiversityCycleGAN',
    data_preprocessor=dict(
        type='SynDataPreprocessor', num_classes=num_classes,
        class_noise=dict(sampler='argmax_doubled_l1', eval_noise='random')),
    generator=dict(unet, in_channels=num_classes + 1, out_channels=3),
    layout_generator=dict(unet, in_channels=3, out_channels=num_classes),
    discriminator=dict(patch_d, in_channels=3),
    layout_discriminator=dict(patch_d, in_channels=num_classes),
    pool_size=50,
    layout_gan=False,  # the official G_A GAN term gives G_A no gradient
    losses=dict(
        gan=dict(type='GANLoss', gan_type='vanilla', loss_weight=10.0,
                 loss_name='loss_gan'),
        gan_disc=dict(type='GANLoss', gan_type='vanilla', loss_weight=0.5,
                      loss_name='loss_gan_disc'),
        cycle=dict(type='L1Loss', loss_weight=10.0, loss_name='loss_cycle'),
        diversity=dict(type='DiversityLoss', margin=0.3, loss_weight=10.0,
                       ramp_epochs=100, iters_per_epoch=iters_per_epoch,
                       loss_name='loss_div')))
optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)),
                   modules=['generator', 'layout_generator']),
    discriminator=dict(optimizer=dict(type='Adam', lr=2e-4,
                                      betas=(0.5, 0.999)),
                       modules=['discriminator', 'layout_discriminator']))

