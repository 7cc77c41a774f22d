# pix2pixHD global generator (G1, "--netG global", 512p stage) with the
# 2-scale PatchGAN D, for Cityscapes ids (label_nc 35 + instance edge = 36
# channels, no dontcare channel). Official defaults (NVIDIA/pix2pixHD):
# ngf 64, n_downsample_global 4, 9 residual blocks, IN, LSGAN, lambda_feat 10
# for both FM and VGG, D loss halved, Adam(2e-4, (0.5, 0.999)).
# Parameter counts: G 182,546,755, D 5,603,202.
num_classes = 35
semantic_nc = num_classes + 1  # + instance-edge channel
n_layers_D = 3
num_D = 2
model = dict(
    type='Pix2PixHD',
    data_preprocessor=dict(type='SynDataPreprocessor',
                           num_classes=num_classes, dontcare_label=None,
                           use_instance_edges=True),
    generator=dict(type='GlobalGenerator', in_channels=semantic_nc,
                   out_channels=3, ngf=64, n_downsampling=4, n_blocks=9,
                   norm='IN'),
    discriminator=dict(
        type='MultiScaleDiscriminator',
        in_channels=semantic_nc + 3,
        ndf=64,
        n_layers_D=n_layers_D,
        num_D=num_D,
        # official forward: the last-registered scale judges full resolution
        registration='coarsest_first',
        discriminator=dict(type='PatchDiscriminator', norm='IN', padding=2,
                           bias=True)),
    losses=dict(
        # GAN terms are summed over the D scales (official GANLoss).
        gan=dict(type='GANLoss', gan_type='lsgan', loss_weight=1.0,
                 scale_reduction='sum', loss_name='loss_gan'),
        gan_disc=dict(type='GANLoss', gan_type='lsgan', loss_weight=0.5,
                      scale_reduction='sum', loss_name='loss_gan_disc'),
        # 4 / (n_layers_D + 1) per layer, 1 / num_D per scale, lambda_feat.
        feat=dict(type='FeatureMatchingLoss', loss_weight=10.0,
                  layer_weight=4.0 / (n_layers_D + 1), average_scales=True,
                  loss_name='loss_feat'),
        # lambda_feat is reused for the VGG term (no separate lambda_vgg).
        vgg=dict(type='VGGPerceptualLoss', loss_weight=10.0,
                 pretrained=True, loss_name='loss_vgg')))

optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=2e-4,
                                      betas=(0.5, 0.999))))
