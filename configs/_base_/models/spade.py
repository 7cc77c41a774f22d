# SPADE / GauGAN (NVlabs/SPADE defaults, Cityscapes: 35 classes + instance
# edge channel = semantic_nc 36, 'more' upsampling). Override
# num_classes / semantic_nc / in_channels per dataset.
model = dict(
    type='SPADEGAN',
    data_preprocessor=dict(type='SynDataPreprocessor', num_classes=35,
                           use_instance_edges=True),
    generator=dict(
        type='SPADEGenerator',
        semantic_nc=36,
        ngf=64,
        num_upsampling_layers='more',
        head='seg',
        # 'spectralspadesyncbatch3x3': param-free BN, made SyncBN under DDP
        # by sync_bn='torch' below (plain BN on one process, like the
        # official SyncBN on one GPU).
        norm='BN',
        spectral_norm=True),
    # 2 scales of the n_layers_D=4 SPADE PatchGAN (= our n_layers_D=3,
    # pix2pixHD's count): SN + IN middle convs, padw 2, plain first/last conv.
    discriminator=dict(
        type='MultiScaleDiscriminator',
        in_channels=36 + 3,
        ndf=64,
        n_layers_D=3,
        num_D=2,
        discriminator=dict(type='PatchDiscriminator', norm='IN', padding=2,
                           spectral_norm=True)),
    losses=dict(
        gan=dict(type='GANLoss', gan_type='hinge', scale_reduction='mean',
                 loss_name='loss_gan'),
        # lambda_feat / num_D, no 4/(n+1) factor
        feat=dict(type='FeatureMatchingLoss', loss_weight=10.0,
                  layer_weight=1.0, average_scales=True,
                  loss_name='loss_feat'),
        vgg=dict(type='VGGPerceptualLoss', loss_weight=10.0,
                 loss_name='loss_vgg')))

# TTUR (official default): G lr/2, D lr*2 with lr 2e-4, Adam(0, 0.9).
optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.0, 0.9))),
    discriminator=dict(optimizer=dict(type='Adam', lr=4e-4,
                                      betas=(0.0, 0.9))))
sync_bn = 'torch'
