# The example method on the built-in synthetic scenes (64x64, CPU demo).
# Channel counts are not written here: resolve_channels fills
# generator.semantic_nc and discriminator.in_channels from the data
# (6 classes + instance edges) when tools/train.py builds the Runner.
_base_ = [
    'mmsemsyn::_base_/datasets/synthetic_scenes.py',
    'mmsemsyn::_base_/schedules/pix2pix_iter.py',
    'mmsemsyn::_base_/default_runtime.py',
]
custom_imports = dict(imports=['projects.example_coarse_to_fine.models'],
                      allow_failed_imports=False)

model = dict(
    type='ExampleCoarseToFineGAN',
    data_preprocessor=dict(type='SynDataPreprocessor', num_classes=6,
                           use_instance_edges=True),
    generator=dict(type='ExampleCoarseToFineGenerator', ngf=32, n_blocks=3),
    discriminator=dict(
        type='MultiScaleDiscriminator', ndf=32, n_layers_D=3, num_D=2,
        discriminator=dict(type='PatchDiscriminator', norm='IN', padding=2,
                           spectral_norm=True)),
    # Every weight of every term lives here, nowhere else.
    losses=dict(
        gan=dict(type='GANLoss', gan_type='hinge', scale_reduction='mean',
                 loss_name='loss_gan'),
        feat=dict(type='FeatureMatchingLoss', loss_weight=10.0,
                  loss_name='loss_feat'),
        l1=dict(type='L1Loss', loss_weight=10.0, loss_name='loss_l1'),
        coarse=dict(type='L1Loss', loss_weight=10.0,
                    loss_name='loss_coarse')))
optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=2e-4,
                                      betas=(0.5, 0.999))))

img_size = (64, 64)
train_dataloader = dict(batch_size=2, dataset=dict(img_size=img_size))
test_dataloader = dict(dataset=dict(img_size=img_size))
val_dataloader = dict(dataset=dict(img_size=img_size))
default_hooks = dict(
    checkpoint=dict(save_best='pixel/PSNR', rule='greater'))
