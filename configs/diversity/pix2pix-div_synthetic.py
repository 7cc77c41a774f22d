# CPU demo: pix2pix + the diversity loss (Yang et al., TIP 2019) on the
# built-in synthetic scenes (6 classes, 128x128), small widths. The
# per-class noise channel is the 7th input channel of G (and, with the
# layout, of the conditional D); each step runs G(l, 0) and G(l, n) as one
# doubled batch. See configs/diversity/README.md for every choice.
_base_ = ['../pix2pix/pix2pix_synthetic.py']
num_classes = 6
model = dict(
    data_preprocessor=dict(
        num_classes=num_classes,
        class_noise=dict(sampler='uniform', eval_noise='random')),
    generator=dict(in_channels=num_classes + 1),
    discriminator=dict(in_channels=num_classes + 1 + 3),
    # beta = 10 (the official code's --gamma) instead of the paper's 0.1 for
    # pix2pix: a 1000-iteration demo must show the noise linking that the
    # paper reaches with 0.1 after 200 epochs (README: the measured ratio).
    losses=dict(diversity=dict(type='DiversityLoss', margin=0.3,
                               loss_weight=10.0, loss_name='loss_div')))
