# Cross-method demo: SPADE + the diversity loss on the built-in synthetic
# scenes (64x64, small widths). The per-class noise channel is one more
# channel of SPADE's label input (semantic_nc = 6 classes + instance edge +
# noise = 8), so every SPADE normalisation layer and the D see it; the loss
# and the doubled G(l, 0) / G(l, n) batch are the same as for pix2pix.
_base_ = ['../spade/spade_synthetic.py']
num_classes = 6
semantic_nc = num_classes + 1 + 1  # + instance edges + class noise
model = dict(
    data_preprocessor=dict(
        num_classes=num_classes,
        class_noise=dict(sampler='uniform', eval_noise='random')),
    generator=dict(semantic_nc=semantic_nc),
    discriminator=dict(in_channels=semantic_nc + 3),
    losses=dict(diversity=dict(type='DiversityLoss', margin=0.3,
                               loss_weight=10.0, loss_name='loss_div')))
