# Lab2Pix-V1 sketch -> photo on edges2handbags, unpaired (MUNIT layout:
# trainA = edges, trainB = photos). Sketches are two-class label maps
# (stroke / blank) fed to the sketch label encoder of Fig. 3 as one
# channel in [-1, 1]; the cycle segmentation regresses that channel
# (official MSE on tanh); no foreground mask. 256x256, batch 4, 10 epochs,
# lambda_2 = 1 constant, lr 2e-4 (paper Sec. 5.2).
_base_ = ['./lab2pix-v1_cityscapes.py']
data_root = 'data/edges2handbags'
model = dict(
    data_preprocessor=dict(num_classes=2),
    generator=dict(semantic_nc=1, task='sketch', init_size=(2, 2)),
    segmenter=dict(decode_head=dict(num_classes=1)),
    foreground_mask=None,
    label_input='sketch',
    losses=dict(sharp=dict(ramp=None),
                cycle_seg=dict(criterion='mse_tanh')))
sketch_train_pipeline = [
    dict(type='LoadSketchLabel', threshold=128),
    dict(type='LoadSynImage'),
    dict(type='PairedResize', scale=(256, 256)),
    dict(type='PairedFlip', prob=0.5),
    dict(type='PackSynInputs'),
]
sketch_test_pipeline = [
    dict(type='LoadSketchLabel', threshold=128),
    dict(type='PairedResize', scale=(256, 256)),
    dict(type='PackSynInputs'),
]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        _delete_=True,
        type='UnpairedDataset',
        img_dir=data_root + '/trainB',
        img_suffix='.jpg',
        dataset=dict(type='SynthesisDataset', data_root=data_root,
                     data_prefix=dict(label_path='trainA'),
                     label_suffix='.jpg', require_img=False,
                     pipeline=sketch_train_pipeline)))
test_dataloader = dict(
    dataset=dict(_delete_=True, type='SynthesisDataset', data_root=data_root,
                 data_prefix=dict(label_path='testA'), label_suffix='.jpg',
                 require_img=False, pipeline=sketch_test_pipeline))
test_evaluator = []
# No photos in the test split (sketches only): nothing to validate against.
val_dataloader = None
val_cfg = None
val_evaluator = None
niter = 10
niter_decay = 0
train_cfg = dict(max_epochs=niter + niter_decay)
param_scheduler = None
