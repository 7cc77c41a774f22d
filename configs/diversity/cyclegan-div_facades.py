# The unpaired variant the authors released (ZJULearning/diverse_image_
# synthesis, train.py "DivCycleGAN"; configs/diversity/README.md): a CycleGAN
# whose layout -> image generator G_B takes the per-class noise channel and is
# trained with the diversity loss, on CMP Facades 256x256 with unpaired
# layouts and photos (UnpairedDataset). Official settings: U-Net 256 (BN,
# dropout) for G_A (image -> layout) and G_B (layout + noise -> image), 70x70
# PatchGANs D_A / D_B with sigmoid + BCE (= the vanilla GAN loss), image pools
# of 50, L_G = 10 * GAN + alpha (10) * cycle L1 + gamma (10) * L_Div,
# lambda_c = 0.3, the argmax-doubled L1-normalised noise draw, L_Div ramped in
# over the first 100 epochs, Adam 2e-4 (0.5, 0.999), batch 1, 100 epochs +
# 100 of linear decay. Layouts are the 12-class one-hot maps (the official
# feeds the colour layout image); see the README for every difference.
_base_ = [
    '../_base_/models/cyclegan_div.py',
    '../_base_/datasets/facades_256.py',
    '../_base_/schedules/pix2pix_iter.py',
    '../_base_/default_runtime.py',
]
num_classes = 12  # CMP Facades
iters_per_epoch = 400  # facades/train, batch size 1
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    generator=dict(in_channels=num_classes + 1),
    layout_generator=dict(out_channels=num_classes),
    layout_discriminator=dict(in_channels=num_classes),
    losses=dict(diversity=dict(iters_per_epoch=iters_per_epoch)))

# Unpaired: every layout meets a random photo of the training set.
train_dataloader = dict(dataset=dict(
    _delete_=True, type='UnpairedDataset',
    dataset=dict(type='FacadesDataset', data_root='data/facades',
                 split='train', direction='BtoA',
                 pipeline={{_base_.train_pipeline}})))
n_iters = 100 * iters_per_epoch
n_iters_decay = 100 * iters_per_epoch
train_cfg = dict(max_iters=n_iters + n_iters_decay)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=n_iters, end=n_iters + n_iters_decay)]
default_hooks = dict(checkpoint=dict(interval=iters_per_epoch * 20))
custom_hooks = [dict(type='SynthesisVisualizationHook',
                     interval=iters_per_epoch * 5)]
