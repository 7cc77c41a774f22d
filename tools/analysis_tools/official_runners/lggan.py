"""Official LGGAN (Ha0Tang/LGGAN ``semantic_image_synthesis/``) as a
benchmark variant.

``official_argv(cfg, args)`` maps one of our LGGAN configs to the official
``train.py`` command line (a pure function: no official code needed, so it
is unit-tested); ``build(root, cfg, args, device)`` parses that command line
with the official option parser (so every default the official run would
get applies), builds the official ``Pix2PixTrainer`` with random weights and
returns an :class:`OfficialRun` whose ``step`` is one official training
iteration (``run_generator_one_step`` + ``run_discriminator_one_step``, as
the official ``train.py`` loop) or, with ``args.mode == 'infer'``, one
``pix2pix_model(data, mode='inference')`` in eval mode (the official test
script's call).

``root`` is a checkout of the official ``semantic_image_synthesis/`` folder
(its ``models/``, ``options/``, ``trainers/``, ``data/``, ``util/`` at the
top). Nothing of it is copied here. To run it on a machine without a GPU and
without internet, :func:`official_context` makes ``Tensor.cuda`` /
``Module.cuda`` no-ops on the CPU (the official code calls ``.cuda()``
unconditionally) and builds torchvision's VGGs with random weights
(``pretrained=True`` would download); the official files stay untouched.

The SPADE-family helpers (context, batch conversion, parameter counts) are
in :mod:`official_runners.common`.
"""
from typing import List

from .common import (
    build_trainer_run,
    cfg_get,
    check_root,
    checkpoints_dir,
    device_argv,
    loss_weight,
    norm_d_option,
    norm_g_option,
    size_argv,
    ttur_argv,
)

# ---- LGGAN ---------------------------------------------------------------
LGGAN_FILES = ('options/train_options.py', 'models/pix2pix_model.py',
               'models/networks/generator.py',
               'trainers/pix2pix_trainer.py')

NORM_G = {'BN': 'syncbatch', 'SyncBN': 'syncbatch', 'IN': 'instance'}
NORM_D = {'IN': 'instance', 'BN': 'batch', 'SyncBN': 'sync_batch',
          'none': 'none', None: 'none'}


def official_argv(cfg, args) -> List[str]:
    """Our LGGAN config -> the official ``train.py`` options.

    Args:
        cfg: an mmengine Config of ``type='LGGAN'`` (model + optim_wrapper).
        args: benchmark arguments (``hw``, ``batch_size``, ``device``).

    Returns:
        The argv list (without the program name).

    Raises:
        ValueError: a setting the official code cannot express (it hard-codes
            35 classes + the instance edge channel, the local branch, the
            classifier, the weight map and TTUR betas (0, 0.9)).
    """
    m = cfg.model
    g, d = m.generator, m.discriminator
    dp = cfg_get(m, 'data_preprocessor', {})
    losses = cfg_get(m, 'losses', {})
    num_classes = cfg_get(dp, 'num_classes')
    use_inst = bool(cfg_get(dp, 'use_instance_edges', False))
    if num_classes != 35 or not use_inst or cfg_get(g, 'semantic_nc') != 36:
        raise ValueError(
            f'the official LGGAN hard-codes 35 classes + the instance edge '
            f'channel (conv1 in 35+1); this config has num_classes='
            f'{num_classes}, use_instance_edges={use_inst}, semantic_nc='
            f'{cfg_get(g, "semantic_nc")}')
    fixed = dict(local_classes=35, merged_classes=None, use_local=True,
                 local_fusion='conv', use_classifier=True,
                 use_weight_map=True, n_blocks=9, spade_hidden=128)
    for key, want in fixed.items():
        have = cfg_get(g, key, want)
        if isinstance(have, (list, tuple)) and key == 'local_classes':
            have = len(have) if list(have) == list(range(len(have))) else have
        if have != want:
            raise ValueError(f'model.generator.{key}={have!r}: the official '
                             f'LGGAN has no option for it (fixed {want!r})')
    norm_g = norm_g_option(g, NORM_G)
    sub = cfg_get(d, 'discriminator', {})
    if cfg_get(d, 'type') != 'MultiScaleDiscriminator' or \
            cfg_get(sub, 'type', 'PatchDiscriminator') != 'PatchDiscriminator':
        raise ValueError('the official LGGAN D is the SPADE multiscale '
                         'PatchGAN (MultiScaleDiscriminator of '
                         f'PatchDiscriminator), got {cfg_get(d, "type")!r}')
    norm_d = norm_d_option(sub, NORM_D)
    gan = cfg_get(losses, 'gan', {})
    argv = ['--name', 'lggan_benchmark', '--dataset_mode', 'cityscapes',
            '--checkpoints_dir', checkpoints_dir(), '--netG', 'lggan',
            '--label_nc', '35',
            *device_argv(args), *size_argv(args),
            '--ngf', str(cfg_get(g, 'ngf', 64)),
            '--num_upsampling_layers',
            cfg_get(g, 'num_upsampling_layers', 'more'),
            '--norm_G', norm_g,
            '--netD', 'multiscale', '--num_D', str(cfg_get(d, 'num_D', 2)),
            # the official n_layers_D counts the output conv's group too
            '--n_layers_D', str(cfg_get(d, 'n_layers_D', 3) + 1),
            '--ndf', str(cfg_get(d, 'ndf', 64)), '--norm_D', norm_d,
            '--gan_mode', cfg_get(gan, 'gan_type', 'hinge'),
            *loss_weight(losses, 'feat', '--no_ganFeat_loss',
                         '--lambda_feat'),
            *loss_weight(losses, 'vgg', '--no_vgg_loss', '--lambda_vgg'),
            *loss_weight(losses, 'classification', '--no_class_loss',
                         '--lambda_class'),
            *ttur_argv(cfg, betas_fixed=(0.0, 0.9))]
    # lambda_l1 weighs the class-specific L1 and (if on) the image L1 alike
    l1_local, l1 = cfg_get(losses, 'l1_local'), cfg_get(losses, 'l1')
    weights = {repr(float(cfg_get(x, 'loss_weight', 1.0)))
               for x in (l1_local, l1) if x is not None}
    if len(weights) > 1:
        raise ValueError('losses.l1 and losses.l1_local weights differ; the '
                         'official --lambda_l1 weighs both')
    if weights:
        argv += ['--lambda_l1', weights.pop()]
    if l1 is None:
        argv.append('--no_l1_loss')  # as the official train_cityscapes.sh
    if l1_local is None:
        argv.append('--no_l1_local_loss')
    return argv


def build(root: str, cfg, args, device: str):
    """The official LGGAN trainer as an :class:`OfficialRun`.

    Raises:
        FileNotFoundError: ``root`` lacks an official file.
        ValueError: see :func:`official_argv`.
    """
    check_root(root, LGGAN_FILES)
    # conv1 of the official generator is hard-coded to 35 + 1 channels
    return build_trainer_run(root, official_argv(cfg, args), args, device,
                             num_classes=35)
