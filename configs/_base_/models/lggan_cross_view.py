# LGGAN cross-view (official cross_view_translation, --norm instance):
# G = LGGANCrossViewGenerator (12,191,258 params: 6 used + 1 unused class
# conv), D_i = D_s = basic PatchGAN in 6, padw 1, IN, biased convs
# (2,767,809 each). One Adam for G, one for D_i + D_s: lr 2e-4, (0.5, 0.999).
model = dict(
    type='LGGANCrossView',
    data_preprocessor=dict(type='SynDataPreprocessor', num_classes=6),
    source_key='source_img',
    semantic_key='target_semantic',
    generator=dict(type='LGGANCrossViewGenerator', in_channels=6,
                   out_channels=3, num_classes=6, ngf=64, n_blocks=9,
                   num_unused_class_convs=1),
    discriminator=dict(
        type='LGGANDualDiscriminator',
        image=dict(type='PatchDiscriminator', in_channels=6, ndf=64,
                   n_layers_D=3, norm='IN', padding=1),
        semantic=dict(type='PatchDiscriminator', in_channels=6, ndf=64,
                      n_layers_D=3, norm='IN', padding=1)),
    losses=dict(
        gan=dict(type='GANLoss', gan_type='vanilla', loss_weight=1.0,
                 loss_name='loss_gan'),
        # official backward_D: sum over the 3 judged outputs of
        # 0.5 * (real + fake_o): weight 0.5, the real term counted 3 times
        gan_disc=dict(type='GANLoss', gan_type='vanilla', loss_weight=0.5,
                      disc_real_weight=3.0, loss_name='loss_gan_disc'),
        l1=dict(type='L1Loss', loss_weight=100.0, loss_name='loss_l1'),
        # Eq. 2: sum over classes of |I_g^l_i - I_g * M_i|_1, lambda 100
        l1_local=dict(type='ClassSpecificL1Loss', loss_weight=100.0,
                      loss_name='loss_l1_local'),
        # one VGG loss per judged output, summed (official)
        vgg=dict(type='VGGPerceptualLoss', loss_weight=10.0,
                 pretrained=True, output_reduction='sum',
                 loss_name='loss_vgg'),
        tv=dict(type='TVLoss', loss_weight=1e-6, reduction='sum',
                loss_name='loss_tv')))

optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=2e-4,
                                      betas=(0.5, 0.999))))
