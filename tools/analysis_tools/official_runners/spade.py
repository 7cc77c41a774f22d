"""Official SPADE (NVlabs/SPADE) as a benchmark variant.

``official_argv(cfg, args)`` maps one of our ``SPADEGAN`` configs to the
official ``train.py`` command line (a pure function, unit-tested without the
official code); ``build(root, cfg, args, device)`` parses it with the
official ``TrainOptions`` (so every official default applies), builds the
official ``Pix2PixTrainer`` on random weights and returns an
:class:`~official_runners.OfficialRun` whose ``step`` is one iteration of
the official ``train.py`` loop (``run_generator_one_step`` +
``run_discriminator_one_step``, ``D_steps_per_G`` 1) or, with
``args.mode == 'infer'``, ``pix2pix_model(data, mode='inference')`` in eval
mode under ``no_grad`` (the official ``test.py`` call).

``root`` is a checkout of NVlabs/SPADE with
``models/networks/sync_batchnorm`` cloned in (as its README says). The
official code is used unchanged; the shared SPADE-family context
(:func:`official_runners.common.official_context`) makes ``.cuda()`` a no-op
on the CPU and builds the VGG with random weights (nothing downloaded, as our
variants). Inference is built with ``TrainOptions`` too: the official
``TestOptions`` path loads a checkpoint, and the generator forward is the
same.
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

SPADE_FILES = ('options/train_options.py', 'models/pix2pix_model.py',
               'models/networks/generator.py',
               'models/networks/sync_batchnorm/__init__.py',
               'trainers/pix2pix_trainer.py')

# our SPADE norm -> the param-free norm of the official 'spade<norm>3x3'
NORM_G = {'BN': 'syncbatch', 'SyncBN': 'syncbatch', 'IN': 'instance'}
# our D / encoder norm -> the official get_nonspade_norm_layer name
NORM_D = {'IN': 'instance', 'BN': 'batch', 'SyncBN': 'sync_batch',
          'none': 'none', None: 'none'}
# our GANLoss gan_type -> the official --gan_mode
GAN_MODE = {'hinge': 'hinge', 'lsgan': 'ls', 'vanilla': 'original',
            'wgan': 'w'}


def label_argv(cfg) -> List[str]:
    """``--label_nc N`` (+ ``--contain_dontcare_label``,
    ``--no_instance``) from the data preprocessor and the generator's
    ``semantic_nc`` (= classes + dontcare + instance edge).

    Raises:
        ValueError: ``semantic_nc`` does not add up.
    """
    m = cfg.model
    dp = cfg_get(m, 'data_preprocessor', {})
    num_classes = cfg_get(dp, 'num_classes')
    use_inst = bool(cfg_get(dp, 'use_instance_edges', False))
    dontcare = cfg_get(dp, 'dontcare_label') is not None
    semantic_nc = cfg_get(m.generator, 'semantic_nc',
                       cfg_get(m.generator, 'in_channels'))
    want = num_classes + int(dontcare) + int(use_inst)
    if semantic_nc != want:
        raise ValueError(
            f'model.generator semantic_nc={semantic_nc} but num_classes '
            f'{num_classes} + dontcare {int(dontcare)} + instance edge '
            f'{int(use_inst)} = {want}: the official code derives it so')
    argv = ['--label_nc', str(num_classes)]
    if dontcare:
        argv.append('--contain_dontcare_label')
    if not use_inst:
        argv.append('--no_instance')
    return argv


def official_argv(cfg, args) -> List[str]:
    """Our SPADEGAN config -> the official SPADE ``train.py`` options.

    Args:
        cfg: an mmengine Config of ``type='SPADEGAN'`` (model +
            optim_wrapper).
        args: benchmark arguments (``hw``, ``batch_size``, ``device``).

    Returns:
        The argv list (without the program name).

    Raises:
        ValueError: a setting the official options cannot express (named).
    """
    m = cfg.model
    g, d = m.generator, m.discriminator
    losses = cfg_get(m, 'losses', {})
    if cfg_get(g, 'type') != 'SPADEGenerator':
        raise ValueError(f'model.generator.type={cfg_get(g, "type")!r}; the '
                         'official SPADE adapter maps SPADEGenerator')
    if cfg_get(g, 'spade_hidden', 128) != 128:
        raise ValueError(f'model.generator.spade_hidden='
                         f'{cfg_get(g, "spade_hidden")}: the official SPADE '
                         'hard-codes 128')
    norm_g = norm_g_option(g, NORM_G)
    sub = cfg_get(d, 'discriminator', {})
    if cfg_get(d, 'type') != 'MultiScaleDiscriminator' or \
            cfg_get(sub, 'type', 'PatchDiscriminator') != 'PatchDiscriminator':
        raise ValueError('the official SPADE D is a multiscale PatchGAN '
                         '(MultiScaleDiscriminator of PatchDiscriminator), '
                         f'got {cfg_get(d, "type")!r}')
    if cfg_get(sub, 'padding', 2) != 2:
        raise ValueError(f'model.discriminator.discriminator.padding='
                         f'{cfg_get(sub, "padding")}: the official D pads 2')
    norm_d = norm_d_option(sub, NORM_D)
    gan_type = cfg_get(cfg_get(losses, 'gan', {}), 'gan_type', 'hinge')
    if gan_type not in GAN_MODE:
        raise ValueError(f'model.losses.gan.gan_type={gan_type!r}; maps '
                         f'from {sorted(GAN_MODE)}')
    h, w = args.hw
    argv = ['--name', 'spade_benchmark', '--dataset_mode', 'cityscapes',
            '--checkpoints_dir', checkpoints_dir(), '--netG', 'spade',
            *label_argv(cfg), *device_argv(args), *size_argv(args),
            '--load_size', str(w),
            '--ngf', str(cfg_get(g, 'ngf', 64)),
            '--num_upsampling_layers',
            cfg_get(g, 'num_upsampling_layers', 'normal'),
            '--norm_G', norm_g,
            '--netD', 'multiscale', '--num_D', str(cfg_get(d, 'num_D', 2)),
            # the official n_layers_D counts the stride-1 conv group too
            '--n_layers_D', str(cfg_get(d, 'n_layers_D', 3) + 1),
            '--ndf', str(cfg_get(d, 'ndf', 64)), '--norm_D', norm_d,
            '--gan_mode', GAN_MODE[gan_type],
            *loss_weight(losses, 'feat', '--no_ganFeat_loss',
                         '--lambda_feat'),
            *loss_weight(losses, 'vgg', '--no_vgg_loss', '--lambda_vgg'),
            *ttur_argv(cfg)]
    enc = cfg_get(m, 'encoder')
    if enc is not None:
        # the official ConvEncoder's width is --ngf (there is no --nef use)
        if cfg_get(enc, 'nef', cfg_get(g, 'ngf', 64)) != cfg_get(g, 'ngf', 64):
            raise ValueError(f'model.encoder.nef={cfg_get(enc, "nef")} != '
                             f'ngf {cfg_get(g, "ngf", 64)}: the official '
                             'encoder width is ngf')
        argv += ['--use_vae', '--z_dim', str(cfg_get(g, 'z_dim', 256))]
        kld = cfg_get(losses, 'kld')
        if kld is not None:
            argv += ['--lambda_kld', repr(float(cfg_get(kld, 'loss_weight')))]
    elif cfg_get(g, 'head', 'seg') != 'seg':
        raise ValueError(f'model.generator.head={cfg_get(g, "head")!r} without '
                         'an encoder: the official G starts from the '
                         "downsampled label map ('seg') unless --use_vae")
    return argv


def build(root: str, cfg, args, device: str):
    """The official SPADE trainer as an :class:`OfficialRun`.

    Raises:
        FileNotFoundError: ``root`` lacks an official SPADE file.
        ValueError: see :func:`official_argv`.
    """
    check_root(root, SPADE_FILES)
    argv = official_argv(cfg, args)
    num_classes = cfg_get(cfg_get(cfg.model, 'data_preprocessor', {}),
                          'num_classes')
    return build_trainer_run(root, argv, args, device, num_classes)
