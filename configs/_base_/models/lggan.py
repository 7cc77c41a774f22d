# LGGAN for semantic image synthesis (Ha0Tang/LGGAN
# semantic_image_synthesis, Cityscapes defaults: 35 classes + instance edge
# channel = semantic_nc 36, 'more' upsampling, one class generator per
# label channel). The SPADE discriminator and losses, applied to the fused,
# global and local outputs; + class-specific L1 (Eq. 2) + classification
# (Eq. 5). G 110,790,695 (official 111,123,495 minus its unused SPADE fc),
# D 5,601,410 parameters.
model = dict(
    type='LGGAN',
    data_preprocessor=dict(type='SynDataPreprocessor', num_classes=35,
                           use_instance_edges=True),
    generator=dict(
        type='LGGANGenerator',
        semantic_nc=36,
        local_classes=35,       # channels 0..34 (not the edge channel)
        merged_classes=None,
        ngf=64,
        num_upsampling_layers='more',
        norm='BN',              # SyncBN under DDP (sync_bn='torch')
        spectral_norm=True,
        use_local=True,
        local_fusion='conv',    # Eq. 4 ('add' = Eq. 3)
        use_classifier=True,
        use_weight_map=True,
        class_conv_impl='auto'),  # see ClassSpecificLocalGenerator
    discriminator=dict(
        type='MultiScaleDiscriminator',
        in_channels=36 + 3,
        ndf=64,
        n_layers_D=3,
        num_D=2,
        discriminator=dict(type='PatchDiscriminator', norm='IN', padding=2,
                           spectral_norm=True)),
    adversarial_outputs=('fake_img', 'global_img', 'local_img'),
    losses=dict(
        gan=dict(type='GANLoss', gan_type='hinge', scale_reduction='mean',
                 loss_name='loss_gan'),
        feat=dict(type='FeatureMatchingLoss', loss_weight=10.0,
                  layer_weight=1.0, average_scales=True,
                  loss_name='loss_feat'),
        vgg=dict(type='VGGPerceptualLoss', loss_weight=10.0,
                 loss_name='loss_vgg'),
        # lambda_l1 = 1; fix_class27_mask=False reproduces the official
        # code, which uses class 26's mask for class 27
        l1_local=dict(type='ClassSpecificL1Loss', loss_weight=1.0,
                      fix_class27_mask=True, loss_name='loss_l1_local'),
        # lambda_class = 1
        classification=dict(type='ClassPresenceCrossEntropyLoss',
                            loss_weight=1.0, loss_name='loss_class')))

# TTUR with betas (0, 0.9) hard-coded in the official LGGAN optimiser.
optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.0, 0.9))),
    discriminator=dict(optimizer=dict(type='Adam', lr=4e-4,
                                      betas=(0.0, 0.9))))
sync_bn = 'torch'
