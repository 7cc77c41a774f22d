# Lab2Pix-V2 on Cityscapes 512x256 (35 classes + instance edges), batch 20
# over 4 GPUs in the official README (bs 5 per GPU here x 4), 100 epochs +
# 100 of linear decay (paper: 200 epochs). Ablation row E_s.
_base_ = [
    '../_base_/models/lab2pix_v2.py',
    '../_base_/datasets/cityscapes_512x256.py',
    '../_base_/schedules/pix2pixhd_epoch.py',
    '../_base_/default_runtime.py',
]
# Epochs need a sampler that ends (the dataset base's InfiniteSampler
# never ends an epoch, so the by-epoch decay would never start).
train_dataloader = dict(
    batch_size=5,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]
