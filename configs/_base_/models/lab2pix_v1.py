# Lab2Pix-V1 (unpaired), the official RoseRollZhu/Lab2Pix-V1 defaults for
# Cityscapes labelIds (35 classes, no instance maps, 512x256):
# G 101,035,532 params; D1/D2/D3 27,942,019 / 15,342,722 / 2,743,425
# trainable (+ frozen VGG16 pool3..pool5 branches).
# GroupNorm, not BN: the official batch size is 1 and mmseg's ICNet pools
# to 1x1 in its pyramid module, where BatchNorm cannot train on one sample
# (same parameter count as BN).
icnet_norm = dict(type='GN', num_groups=16, requires_grad=True)
model = dict(
    type='Lab2PixV1',
    data_preprocessor=dict(type='SynDataPreprocessor', num_classes=35),
    generator=dict(
        type='Lab2PixV1Generator',
        semantic_nc=35,
        task='semantic',
        noise_dim=128,
        init_size=(2, 4),
        channels=(1024, 1024, 1024, 1024, 512, 256, 128, 64),
        num_outputs=3,
        use_lsca=True,
        use_global_encoder=False),
    # One HPD per output scale (finest first): 3, 2, 1 levels; image only.
    discriminator=dict(
        type='HierarchicalPerceptualDiscriminators',
        in_channels=3,
        ndf=64,
        num_levels=(3, 2, 1),
        discriminator=dict(
            type='HierarchicalPerceptualDiscriminator',
            norm='IN',
            spectral_norm=False,
            first_norm=True,
            pre_conv=False,
            out_conv=False,
            vgg_pretrained=True,
            vgg_input_range='[-1,1]',
            init_type='normal')),
    # One ICNet per scale, trained from scratch with the generator (the
    # official hand-written ICNet has 6,837,353 params; this is mmseg's
    # ICNet-R18 without auxiliary heads). Images enter as [-1, 1], as the
    # official netS.
    segmenter=dict(
        type='EncoderDecoder',
        data_preprocessor=None,
        backbone=dict(
            type='ICNet',
            backbone_cfg=dict(
                type='ResNetV1c', in_channels=3, depth=18, num_stages=4,
                out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4),
                strides=(1, 2, 1, 1), norm_cfg=icnet_norm, norm_eval=False,
                style='pytorch', contract_dilation=True),
            in_channels=3,
            layer_channels=(128, 512),
            light_branch_middle_channels=32,
            psp_out_channels=512,
            out_channels=(64, 256, 256),
            norm_cfg=icnet_norm,
            align_corners=False),
        neck=dict(type='ICNeck', in_channels=(64, 256, 256),
                  out_channels=128, norm_cfg=icnet_norm,
                  align_corners=False),
        decode_head=dict(
            type='FCNHead', in_channels=128, channels=128, num_convs=1,
            in_index=2, dropout_ratio=0, num_classes=35, norm_cfg=icnet_norm,
            concat_input=False, align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                             loss_weight=1.0)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole')),
    # EnhanceRate T = 2 and the V1 background list.
    foreground_mask=dict(type='ForegroundEnhancementMask',
                         background_ids='cityscapes_v1', enhance_rate=2.0),
    label_input='ids',
    num_inference_noise=10,
    losses=dict(
        # vanilla GAN, level weights 1, 1/2, 1/4 normalised, summed over
        # the three scales
        gan=dict(type='HierarchicalGANLoss', gan_type='vanilla',
                 scale_reduction='sum', loss_name='loss_gan'),
        # D loss = (fake + sharp + (1 + lambda_2) real) * 0.5
        gan_disc=dict(type='HierarchicalGANLoss', gan_type='vanilla',
                      scale_reduction='sum', loss_weight=0.5,
                      loss_name='loss_d'),
        # lambda_2 ramped 0 -> 1 by epoch (LossRampHook); balance='real':
        # the real term x (1 + lambda_2), as the official train.py
        sharp=dict(type='SharpnessEnhancementLoss', loss_weight=1.0,
                   blur='avgpool', ramp='epoch', balance='real',
                   loss_name='loss_d_sharp'),
        cycle_seg=dict(type='CycleSegmentationLoss', loss_weight=10.0,
                       criterion='ce', loss_name='loss_cycle_seg'),
        # official VGGLoss: VGG19 relu1_1..5_1, MSE, these weights,
        # lambda_feat 1, against the (unpaired) real at each scale
        vgg=dict(type='VGGPerceptualLoss', loss_weight=1.0, criterion='mse',
                 layer_weights=(1 / 8, 1 / 4, 1 / 2, 1 / 16, 1 / 32),
                 loss_name='loss_vgg'),
        consistency=dict(type='ImageConsistencyLoss', loss_weight=5e-6,
                         loss_name='loss_consistency')))

# Adam(2e-4, (0.5, 0.999)) for G (+ the segmenters, as the official
# optimizer_G) and for the three Ds.
optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)),
                   modules=['generator', 'segmenters']),
    discriminator=dict(optimizer=dict(type='Adam', lr=2e-4,
                                      betas=(0.5, 0.999))))
