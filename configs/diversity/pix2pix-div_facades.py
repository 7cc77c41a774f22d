# pix2pix + the diversity loss on CMP Facades 256x256 (Yang et al., TIP 2019,
# §IV: "the other settings follow the original papers"; beta = 0.1 for
# pix2pix, lambda_c = 0.3 for every class, Eq. 7-8). The base is the official
# pix2pix setup of configs/pix2pix/pix2pix_facades.py (U-Net 256, 70x70
# PatchGAN, vanilla GAN + L1 x100, Adam 2e-4, batch 1, 100 + 100 epochs).
# Minimal change of the paper: one more input channel for the per-class noise
# (n^c ~ U(-1, 1) painted onto class c); G(l, 0) and G(l, n) run as one batch
# of two (its Appendix B). The D is the conditional pix2pix D, so it sees the
# whole G input, noise channel included.
_base_ = ['../pix2pix/pix2pix_facades.py']
num_classes = 12  # CMP Facades
model = dict(
    data_preprocessor=dict(
        num_classes=num_classes,
        class_noise=dict(sampler='uniform', eval_noise='random')),
    generator=dict(in_channels=num_classes + 1),
    discriminator=dict(in_channels=num_classes + 1 + 3),
    losses=dict(diversity=dict(type='DiversityLoss', margin=0.3,
                               loss_weight=0.1, loss_name='loss_div')))
