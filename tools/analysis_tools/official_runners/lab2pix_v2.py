"""Official Lab2Pix-V2 (RoseRollZhu/Lab2Pix-V2) as a benchmark variant.

``official_argv(cfg, args)`` maps one of our Lab2Pix-V2 configs to the
official ``train.py`` command line (pure, unit-tested); ``build(root, cfg,
args, device)`` parses it with the official option parser, builds the
official ``Pix2PixTrainer`` with random weights and returns an
:class:`OfficialRun` whose ``step`` is one official training iteration
(``run_generator_one_step`` + ``run_discriminator_one_step``) or, with
``args.mode == 'infer'``, one ``pix2pix_model(data, mode='inference')`` in
eval mode (what the official ``test.py`` calls through ``trainer.inference``).

Running it here, without touching the official files (see
:func:`~.lggan.official_context` for the ``.cuda()`` no-ops on the CPU):

- D's frozen VGG-16 branch and the VGG-19 loss get random weights (the
  official ``pretrained=True`` would download them);
- the official trainer wraps the model in ``DistributedDataParallel`` after
  ``torch.distributed.init_process_group`` (one process per GPU, launched by
  ``torch.distributed.launch``). Here the one process is the whole run, so
  DDP is replaced by the bare module and ``get_rank()`` by 0: with world
  size 1 DDP computes nothing (its gradient all-reduce has one member), and
  our variants run without it too. Its ``SyncBatchNorm`` conversion of G is
  kept (without a process group it runs ``batch_norm``, as ours does);
- its ``torch.cuda.amp`` GradScaler / autocast (``--opt_level O0``: autocast
  off) disable themselves on the CPU, as on a GPU they are no-ops at O0
  apart from the (enabled) loss scaling.
"""
import contextlib
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

LAB2PIX_V2_FILES = ('options/train_options.py', 'models/pix2pix_model.py',
                    'models/networks/generator.py',
                    'models/networks/discriminator.py',
                    'trainers/pix2pix_trainer.py')

# our ForegroundEnhancementMask background_ids -> the official dataset_mode
# (whose background_list pix2pix_model.py hard-codes)
DATASET_MODE = {'cityscapes': 'cityscapes', 'ade20k': 'ade20k',
                'coco': 'coco', 'coco-stuff': 'coco', 'coco_stuff': 'coco'}
NORM_G = {'BN': 'batch', 'SyncBN': 'batch', 'IN': 'instance'}
NORM_D = {'IN': 'instance', 'BN': 'batch', 'none': 'none', None: 'none'}


def official_argv(cfg, args) -> List[str]:
    """Our Lab2Pix-V2 config -> the official ``train.py`` options.

    Args:
        cfg: an mmengine Config of ``type='Lab2PixV2'``.
        args: benchmark arguments (``hw``, ``batch_size``, ``device``).

    Returns:
        The argv list (without the program name).

    Raises:
        ValueError: a setting the official code cannot express (it always
            builds the global encoder, HPD levels 3, 2, 1.. for D_0, D_1,
            .., a V2 D head (pre conv, out conv, ImageNet-normalised VGG
            input) and the foreground mask of a named dataset).
    """
    m = cfg.model
    g, d = m.generator, m.discriminator
    dp = cfg_get(m, 'data_preprocessor', {})
    losses = cfg_get(m, 'losses', {})
    if not cfg_get(g, 'use_global_encoder', True):
        raise ValueError('model.generator.use_global_encoder=False: the '
                         'official LabelComprehensiveGenerator always builds '
                         'its GlobalEncoder')
    for key, want in (('global_channels', 128), ('encoder_channels', 64),
                      ('out_channels', 3)):
        if cfg_get(g, key, want) != want:
            raise ValueError(f'model.generator.{key}={cfg_get(g, key)!r}: the '
                             f'official code hard-codes {want}')
    norm_g = norm_g_option(g, NORM_G)
    levels = tuple(cfg_get(d, 'num_levels', (3, 2)))
    official_levels = tuple(max(1, 3 - n) for n in range(len(levels)))
    if levels != official_levels:
        raise ValueError(f'model.discriminator.num_levels={levels}: the '
                         f'official D_n has max(1, 3 - n) levels, i.e. '
                         f'{official_levels} for {len(levels)} scales')
    sub = cfg_get(d, 'discriminator', {})
    for key, want in (('first_norm', False), ('pre_conv', True),
                      ('out_conv', True), ('vgg_input_range', 'imagenet')):
        if cfg_get(sub, key, want) != want:
            raise ValueError(f'model.discriminator.discriminator.{key}='
                             f'{cfg_get(sub, key)!r}: the official V2 D has '
                             f'{want!r}')
    norm_d = norm_d_option(sub, NORM_D)
    fg = cfg_get(m, 'foreground_mask')
    ids = cfg_get(fg, 'background_ids')
    if fg is None or ids not in DATASET_MODE:
        raise ValueError(
            f'model.foreground_mask={fg!r}: the official code always weighs '
            'the GAN terms with the foreground mask of a named dataset '
            f'(background_ids one of {sorted(DATASET_MODE)})')
    gan = cfg_get(losses, 'gan', {})
    sharp = cfg_get(losses, 'sharp')
    argv = ['--name', 'lab2pix_v2_benchmark',
            '--dataset_mode', DATASET_MODE[ids],
            '--checkpoints_dir', checkpoints_dir(),
            '--netG', 'labelcomprehensive',
            '--label_nc', str(cfg_get(dp, 'num_classes')),
            *device_argv(args), *size_argv(args),
            '--ngf', str(cfg_get(g, 'ngf', 64)),
            '--num_upsampling_layers',
            cfg_get(g, 'num_upsampling_layers', 'more'),
            '--norm_G', norm_g,
            '--netD', 'multiscale', '--netD_subarch', 'hie_per',
            '--num_D', str(len(levels)),
            '--ndf', str(cfg_get(d, 'ndf', 64)), '--norm_D', norm_d,
            '--gan_mode', cfg_get(gan, 'gan_type', 'hinge'),
            '--lambda_foreground', repr(float(cfg_get(fg, 'enhance_rate', 5.0))),
            # the official D step always runs the blurred-real pass; a
            # config without the sharpness loss weighs it 0
            '--lambda_sharp',
            repr(float(cfg_get(sharp, 'loss_weight', 1.0)) if sharp else 0.0),
            *loss_weight(losses, 'feat', '--no_ganFeat_loss',
                         '--lambda_feat'),
            *loss_weight(losses, 'vgg', '--no_vgg_loss', '--lambda_vgg'),
            *ttur_argv(cfg)]
    if not cfg_get(dp, 'use_instance_edges', False):
        argv.append('--no_instance')
    return argv


@contextlib.contextmanager
def _single_process():
    """DistributedDataParallel -> the bare module (``.module`` kept), and
    ``torch.distributed.get_rank()`` -> 0, while the trainer is built."""
    import torch

    class NoDDP(torch.nn.Module):
        def __new__(cls, module, *args, **kwargs):
            # the trainer reads .module; a plain attribute (not a
            # registered submodule, which would be a cycle)
            module.__dict__['module'] = module
            return module

    saved = (torch.nn.parallel.DistributedDataParallel,
             torch.distributed.get_rank)
    torch.nn.parallel.DistributedDataParallel = NoDDP
    torch.distributed.get_rank = lambda *a, **k: 0
    try:
        yield
    finally:
        (torch.nn.parallel.DistributedDataParallel,
         torch.distributed.get_rank) = saved


def build(root: str, cfg, args, device: str):
    """The official Lab2Pix-V2 trainer as an :class:`OfficialRun`.

    Raises:
        FileNotFoundError: ``root`` lacks an official file (or the data
            module of the dataset_mode the config maps to).
        ValueError: see :func:`official_argv`.
    """
    argv = official_argv(cfg, args)
    mode = argv[argv.index('--dataset_mode') + 1]
    check_root(root, LAB2PIX_V2_FILES + (f'data/{mode}_dataset.py',))
    num_classes = int(cfg_get(cfg.model.data_preprocessor, 'num_classes'))
    return build_trainer_run(root, argv, args, device, num_classes,
                             patches=_single_process)
