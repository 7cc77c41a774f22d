# CPU demo: CRN + the diversity loss on the built-in synthetic scenes
# (64x64, small widths): configs/crn/crn_synthetic.py with one output image
# and the per-class noise channel (beta = 10, the paper's CRN value).
_base_ = ['../crn/crn_synthetic.py']
num_classes = 6
model = dict(
    data_preprocessor=dict(
        class_noise=dict(sampler='uniform', eval_noise='random')),
    generator=dict(in_channels=num_classes + 1, num_outputs=1),
    losses=dict(diversity=dict(type='DiversityLoss', margin=0.3,
                               loss_weight=10.0, loss_name='loss_div')))
