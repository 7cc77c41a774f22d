# CRN + the diversity loss on Cityscapes 256x512, the paper's Cityscapes model
# (Yang et al., TIP 2019, §III-B and §IV): the official CRN 256p network
# (configs/crn/crn_256p_cityscapes.py: 19 train classes + void, refinement
# modules 4x8 -> 256x512, mask-weighted VGG-19 content loss, Adam 1e-4,
# batch 1) with ONE output image instead of the 9 of the hindsight loss --
# "the output channel can be set to 1" since the noise gives the diversity
# -- plus one input channel for the per-class noise; beta = 10, lambda_c =
# 0.3, uniform noise, and 100 epochs instead of CRN's 200 (§IV).
_base_ = ['../crn/crn_256p_cityscapes.py']
num_classes = 19
model = dict(
    data_preprocessor=dict(
        class_noise=dict(sampler='uniform', eval_noise='random')),
    # 19 classes + void + class noise
    generator=dict(in_channels=num_classes + 1 + 1, num_outputs=1),
    losses=dict(diversity=dict(type='DiversityLoss', margin=0.3,
                               loss_weight=10.0, loss_name='loss_div')))
train_cfg = dict(max_epochs=100)
