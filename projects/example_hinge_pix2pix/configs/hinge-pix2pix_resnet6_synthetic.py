# pix2pix on the synthetic scenes with the project's ResNet generator and a
# hinge GAN loss in place of the U-Net and the vanilla loss.
# The base comes from the installed mmsemsyn (mim-style reference; works
# from any folder, as for a project in its own repository).
_base_ = ['mmsemsyn::pix2pix/pix2pix_synthetic.py']

# Run from the repository root (tools/train.py puts it on sys.path).
custom_imports = dict(
    imports=['projects.example_hinge_pix2pix.models'],
    allow_failed_imports=False)

num_classes = 6
model = dict(
    generator=dict(_delete_=True, type='ExampleResnetGenerator',
                   in_channels=num_classes, out_channels=3, ngf=16,
                   n_blocks=6, norm='IN'),
    losses=dict(
        gan=dict(gan_type='hinge'),
        gan_disc=dict(gan_type='hinge')))
