# Cross-method use of the denoising GAN's parts through config alone:
# plain pix2pix (U-Net + PatchGAN, GAN + L1) with the noisy input (Gaussian
# std 0.1 on the one-hot layout, §III-C) and the car instance channel, on
# the built-in synthetic scenes. No denoising-GAN code is involved: both are
# data-preprocessor options. pix2pix's D sees the same (noisy) input as G.
_base_ = ['../pix2pix/pix2pix_synthetic.py']
num_classes = 6
car = 5
thing_instance = dict(thing_classes=[car])
model = dict(
    data_preprocessor=dict(semantic_noise=dict(std=0.1),
                           thing_instance=thing_instance),
    generator=dict(in_channels=num_classes + 1),
    discriminator=dict(in_channels=num_classes + 1 + 3))
# the car instances numbered by the dataloader workers, after the flip
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='PairedFlip', prob=0.5),
    dict(type='ThingInstanceIds', **thing_instance),
    dict(type='PackSynInputs'),
]))
