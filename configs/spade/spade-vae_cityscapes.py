# SPADE with the VAE style encoder (--use_vae) on Cityscapes: the
# generator starts from Linear(z 256 -> 16ngf x 4 x 8) instead of the
# downsampled label map; the encoder (6 SN-IN convs on the photo resized to
# 256x256, nef = ngf = 64) is trained in the generator's optimizer; KLD
# weight 0.05. G 101,136,579 / E 10,463,424 / D 5,601,410 parameters.
_base_ = './spade_cityscapes.py'
model = dict(
    generator=dict(head='vae', crop_size=512, aspect_ratio=2.0, z_dim=256),
    encoder=dict(type='SPADEVAEEncoder', nef=64, z_dim=256, crop_size=512),
    losses=dict(kld=dict(type='KLDLoss', loss_weight=0.05,
                         loss_name='loss_kld')))
optim_wrapper = dict(generator=dict(modules=['generator', 'encoder']))
