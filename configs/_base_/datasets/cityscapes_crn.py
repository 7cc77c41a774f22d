# Cityscapes as CRN (CQFIO/PhotographicImageSynthesis) reads it: the label
# map becomes the 19 train classes (labelId -> trainId, cityscapesScripts)
# plus one void channel for every other id (the official 20-channel input:
# one-hot of the palette colours + 1 - sum), and photo and label are
# resized to `crn_scale` (w, h): 512x256 for the 256p stage, 1024x512 and
# 2048x1024 for the fine-tuning stages. No flips, no crops (the official
# feeds the fixed-size frames as they are). Batch 1, as the official.
# data_root holds the official tree or pix2pixHD's flat folders (see
# tools/dataset_converters/cityscapes.py).
dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes'
crn_scale = (512, 256)
# labelId -> trainId; ids without a train class -> 255, the void channel.
crn_label_map = {
    0: 255, 1: 255, 2: 255, 3: 255, 4: 255, 5: 255, 6: 255, 7: 0, 8: 1,
    9: 255, 10: 255, 11: 2, 12: 3, 13: 4, 14: 255, 15: 255, 16: 255, 17: 5,
    18: 255, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12, 26: 13,
    27: 14, 28: 15, 29: 255, 30: 255, 31: 16, 32: 17, 33: 18
}

train_pipeline = [
    # ids after the remap: 19 train classes + 255 (void); checked on load
    dict(type='LoadLabelMap', label_map=crn_label_map, num_classes=19,
         dontcare_label=255),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=crn_scale),
    dict(type='PackSynInputs'),
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
