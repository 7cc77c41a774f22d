# Lab2Pix-V1 sketch -> photo on edges2shoes: the edges2handbags setup
# (MUNIT layout, two-class sketch labels, 256x256, batch 4, 10 epochs) on
# another data root.
_base_ = ['./lab2pix-v1_edges2handbags.py']
data_root = 'data/edges2shoes'
train_dataloader = dict(dataset=dict(img_dir=data_root + '/trainB',
                                     dataset=dict(data_root=data_root)))
test_dataloader = dict(dataset=dict(data_root=data_root))
