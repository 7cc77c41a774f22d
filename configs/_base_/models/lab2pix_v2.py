# Lab2Pix-V2 (paired), the official RoseRollZhu/Lab2Pix-V2 defaults for
# Cityscapes (35 classes + instance edge = 36 channels, 'more', 512x256):
# G 105,827,075 params (global encoder 12,779,072); D 85,717,637 of which
# 63,367,685 trainable (two HPDs, 3 and 2 levels, frozen VGG16 22,349,952).
model = dict(
    type='Lab2PixV2',
    data_preprocessor=dict(type='SynDataPreprocessor', num_classes=35,
                           use_instance_edges=True),
    generator=dict(
        type='Lab2PixV2Generator',
        semantic_nc=36,
        ngf=64,
        # the latent size follows the data (512x256 / 2**6 = 8x4, the
        # official crop_size 512, aspect_ratio 2): no size repeated here
        num_upsampling_layers='more',
        # 'spectralspadebatch3x3' (BN, SyncBN under DDP via sync_bn)
        norm='BN',
        spectral_norm=True,
        use_global_encoder=True),
    discriminator=dict(
        type='HierarchicalPerceptualDiscriminators',
        in_channels=36 + 3,
        ndf=64,
        num_levels=(3, 2),
        discriminator=dict(
            type='HierarchicalPerceptualDiscriminator',
            norm='IN',
            spectral_norm=True,
            first_norm=False,
            pre_conv=True,
            out_conv=True,
            vgg_pretrained=True,
            vgg_input_range='imagenet')),
    # T = 5, the V2 Cityscapes background list; per-sample (bug fixed)
    foreground_mask=dict(type='ForegroundEnhancementMask',
                         background_ids='cityscapes', enhance_rate=5.0),
    losses=dict(
        # hinge; level weights as the official GANLoss (cumulative
        # normalisation, see HierarchicalGANLoss), mean over the 2 Ds
        gan=dict(type='HierarchicalGANLoss', gan_type='hinge',
                 scale_reduction='mean', level_normalization='cumulative',
                 loss_name='loss_gan'),
        gan_disc=dict(type='HierarchicalGANLoss', gan_type='hinge',
                      scale_reduction='mean',
                      level_normalization='cumulative', loss_name='loss_d'),
        # balance='average': D's fake and real terms averaged with their
        # sharpness counterparts, / (1 + lambda_2) (official V2)
        sharp=dict(type='SharpnessEnhancementLoss', loss_weight=1.0,
                   blur='nearest', ramp=None, balance='average',
                   loss_name='loss_d_sharp'),
        feat=dict(type='FeatureMatchingLoss', loss_weight=10.0,
                  layer_weight=1.0, average_scales=True,
                  loss_name='loss_feat'),
        vgg=dict(type='VGGPerceptualLoss', loss_weight=10.0,
                 loss_name='loss_vgg')))

# TTUR: G 1e-4, D 4e-4, Adam(0, 0.9)
optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.0, 0.9))),
    discriminator=dict(optimizer=dict(type='Adam', lr=4e-4,
                                      betas=(0.0, 0.9))))
sync_bn = 'torch'
