# CRN (Chen & Koltun, ICCV 2017; official CQFIO/PhotographicImageSynthesis
# demo_256p.py): the 256x512 network with 9 outputs, 20-channel input (19
# Cityscapes train classes + void), no GAN: the mask-weighted VGG-19
# content loss with the hindsight minimum over the 9 images.
# Adam lr 1e-4 (TF defaults betas (0.9, 0.999), eps 1e-8), batch 1.
num_classes = 19
model = dict(
    type='CRN',
    data_preprocessor=dict(type='SynDataPreprocessor',
                           num_classes=num_classes, dontcare_label=255),
    generator=dict(type='CRNGenerator', in_channels=num_classes + 1,
                   channels=None, num_modules=7, num_outputs=9),
    losses=dict(
        content=dict(type='CRNContentLoss',
                     # lambda_l of demo_256p.py ("collected at 100th epoch")
                     layer_weights=(1.0, 1 / 1.6, 1 / 2.3, 1 / 1.8, 1 / 2.8,
                                    10 / 0.8),
                     mask_weighted=True, min_weight=0.999, mean_weight=0.001,
                     # torchvision's ImageNet VGG-19 with its own input
                     # normalisation and the official average pooling; a
                     # local file: pretrained='/path/vgg19.pth'.
                     pretrained=True, input_range='imagenet', pooling='avg',
                     loss_name='loss_content')))

optim_wrapper = dict(
    constructor='SynOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999),
                                  eps=1e-8)))
