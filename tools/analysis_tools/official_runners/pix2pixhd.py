"""Official pix2pixHD (NVIDIA/pix2pixHD) as a benchmark variant.

``official_argv(cfg, args)`` maps one of our ``Pix2PixHD`` configs to the
official ``train.py`` command line (a pure function, unit-tested without the
official code); ``build(root, cfg, args, device)`` parses it with the
official ``TrainOptions``, builds the model with the official
``models.models.create_model`` on random weights and returns an
:class:`~official_runners.OfficialRun` whose ``step`` is the body of the
official ``train.py`` loop: ``model(label, inst, image, feat, infer=False)``,
the per-device loss means, ``loss_D = (D_fake + D_real) * 0.5``, ``loss_G =
G_GAN + G_GAN_Feat + G_VGG``, then G's and D's zero_grad / backward / step.
With ``args.mode == 'infer'`` it is ``model.inference(label, inst, image)``
(the official ``test.py`` call), in eval mode under ``torch.no_grad()``: the
official ``inference`` only enters ``no_grad`` on torch 0.4, so on a recent
torch the official ``test.py`` also records an autograd graph; timing the
forward alone compares the generators, not that leftover. A feature config
(``--instance_feat``) infers with the encoded real image
(``use_encoded_image``; the cluster file of the official test path does not
exist for random weights).

The official code is used unchanged. It calls ``.cuda()``,
``torch.cuda.FloatTensor`` and ``torch.cuda.ByteTensor`` unconditionally; on
the CPU, :func:`cpu_tensor_types` points the two tensor types at their CPU
versions and the shared context (:func:`official_runners.common.
official_context`) makes ``.cuda()`` a no-op and builds the VGG with random
weights (nothing downloaded, as our variants), for the life of the worker
process. Inference is built with ``TrainOptions`` too: the official
``TestOptions`` path loads a checkpoint.
"""
from typing import List

from .common import (
    cfg_get,
    check_root,
    checkpoints_dir,
    count_params,
    device_argv,
    official_context,
    synthetic_batch,
)

PIX2PIXHD_FILES = ('options/train_options.py', 'models/models.py',
                   'models/pix2pixHD_model.py', 'models/networks.py')

NORM = {'IN': 'instance', 'BN': 'batch'}


def _optim_argv(cfg) -> List[str]:
    """``--lr`` and ``--beta1`` (the official uses one Adam setting for G and
    D, beta2 fixed at 0.999).

    Raises:
        ValueError: G and D optimisers differ, or beta2 != 0.999.
    """
    ow = cfg_get(cfg, 'optim_wrapper')
    g = cfg_get(cfg_get(ow, 'generator'), 'optimizer')
    d = cfg_get(cfg_get(ow, 'discriminator'), 'optimizer')
    if g is None or d is None:
        raise ValueError('optim_wrapper needs generator.optimizer and '
                         'discriminator.optimizer (Adam)')
    sets = []
    for name, o in (('generator', g), ('discriminator', d)):
        if cfg_get(o, 'type') != 'Adam':
            raise ValueError(f'optim_wrapper.{name}.optimizer.type is '
                             f'{cfg_get(o, "type")!r}; the official code uses '
                             'Adam')
        betas = tuple(float(b) for b in cfg_get(o, 'betas', (0.9, 0.999)))
        sets.append((float(cfg_get(o, 'lr')), betas))
    if sets[0] != sets[1]:
        raise ValueError(f'G (lr, betas) {sets[0]} != D {sets[1]}: the '
                         'official pix2pixHD uses one --lr / --beta1 for both')
    lr, (beta1, beta2) = sets[0]
    if beta2 != 0.999:
        raise ValueError(f'beta2 {beta2}: the official pix2pixHD fixes 0.999')
    return ['--lr', repr(lr), '--beta1', repr(beta1)]


def official_argv(cfg, args) -> List[str]:
    """Our Pix2PixHD config -> the official pix2pixHD ``train.py`` options.

    Args:
        cfg: an mmengine Config of ``type='Pix2PixHD'`` (model +
            optim_wrapper).
        args: benchmark arguments (``hw``, ``batch_size``, ``device``).

    Returns:
        The argv list (without the program name).

    Raises:
        ValueError: a setting the official options cannot express (named).
    """
    m = cfg.model
    g, d = m.generator, m.discriminator
    dp = cfg_get(m, 'data_preprocessor', {})
    losses = cfg_get(m, 'losses', {})
    num_classes = cfg_get(dp, 'num_classes')
    dontcare = cfg_get(dp, 'dontcare_label') is not None
    use_inst = bool(cfg_get(dp, 'use_instance_edges', False))
    enc = cfg_get(m, 'encoder')
    feat_num = cfg_get(enc, 'feat_num', 0) if enc is not None else 0
    # the official has no dontcare option: its label_nc counts that channel
    label_nc = num_classes + int(dontcare)
    in_ch = cfg_get(g, 'in_channels')
    if in_ch != label_nc + int(use_inst) + feat_num:
        raise ValueError(
            f'model.generator.in_channels={in_ch} but classes {num_classes} '
            f'+ dontcare {int(dontcare)} + instance edge {int(use_inst)} + '
            f'features {feat_num} = {label_nc + int(use_inst) + feat_num}')
    norm = cfg_get(g, 'norm', 'IN')
    sub = cfg_get(d, 'discriminator', {})
    if norm not in NORM or cfg_get(sub, 'norm', 'IN') != norm:
        raise ValueError(f'model.generator.norm={norm!r}, discriminator norm='
                         f'{cfg_get(sub, "norm", "IN")!r}: the official --norm '
                         f'is one of {sorted(NORM)} for both')
    if cfg_get(d, 'type') != 'MultiScaleDiscriminator' or \
            cfg_get(sub, 'type', 'PatchDiscriminator') != 'PatchDiscriminator' \
            or cfg_get(sub, 'spectral_norm', False) or \
            cfg_get(sub, 'padding', 2) != 2:
        raise ValueError('the official pix2pixHD D is a multiscale PatchGAN '
                         'without spectral norm, padding 2')
    h, w = args.hw
    argv = ['--name', 'pix2pixhd_benchmark', '--checkpoints_dir',
            checkpoints_dir(), '--label_nc', str(label_nc),
            *device_argv(args), '--batchSize', str(args.batch_size),
            '--loadSize', str(w), '--fineSize', str(w),
            '--norm', NORM[norm], '--ngf', str(cfg_get(g, 'ngf', 64))]
    if not use_inst:
        argv.append('--no_instance')
    gtype = cfg_get(g, 'type')
    if gtype == 'GlobalGenerator':
        argv += ['--netG', 'global',
                 '--n_downsample_global', str(cfg_get(g, 'n_downsampling', 3)),
                 '--n_blocks_global', str(cfg_get(g, 'n_blocks', 9))]
    elif gtype == 'LocalEnhancer':
        argv += ['--netG', 'local',
                 '--n_downsample_global',
                 str(cfg_get(g, 'n_downsample_global', 3)),
                 '--n_blocks_global', str(cfg_get(g, 'n_blocks_global', 9)),
                 '--n_local_enhancers', str(cfg_get(g, 'n_local_enhancers', 1)),
                 '--n_blocks_local', str(cfg_get(g, 'n_blocks_local', 3))]
    else:
        raise ValueError(f'model.generator.type={gtype!r}; the official '
                         'pix2pixHD has GlobalGenerator and LocalEnhancer')
    if enc is not None:
        argv += ['--instance_feat', '--feat_num', str(feat_num),
                 '--nef', str(cfg_get(enc, 'nef', 16)),
                 '--n_downsample_E', str(cfg_get(enc, 'n_downsampling', 4))]
    argv += ['--num_D', str(cfg_get(d, 'num_D', 2)),
             '--n_layers_D', str(cfg_get(d, 'n_layers_D', 3)),
             '--ndf', str(cfg_get(d, 'ndf', 64))]
    gan_type = cfg_get(cfg_get(losses, 'gan', {}), 'gan_type', 'lsgan')
    if gan_type == 'vanilla':
        argv.append('--no_lsgan')
    elif gan_type != 'lsgan':
        raise ValueError(f'model.losses.gan.gan_type={gan_type!r}: the '
                         "official has lsgan and vanilla (--no_lsgan)")
    feat, vgg = cfg_get(losses, 'feat'), cfg_get(losses, 'vgg')
    weights = {float(cfg_get(x, 'loss_weight', 1.0))
               for x in (feat, vgg) if x is not None}
    if len(weights) > 1:
        raise ValueError('losses.feat and losses.vgg weights differ; the '
                         'official --lambda_feat weighs both')
    if weights:
        argv += ['--lambda_feat', repr(weights.pop())]
    if feat is None:
        argv.append('--no_ganFeat_loss')
    if vgg is None:
        argv.append('--no_vgg_loss')
    return argv + _optim_argv(cfg)


def cpu_tensor_types(device: str) -> None:
    """On the CPU: ``torch.cuda.FloatTensor`` / ``ByteTensor`` (called by the
    official ``encode_input`` / ``get_edges`` every step) -> the CPU types."""
    import torch
    if not str(device).startswith('cuda'):
        torch.cuda.FloatTensor = torch.FloatTensor
        torch.cuda.ByteTensor = torch.ByteTensor


def official_data(data: dict, device: str) -> dict:
    """benchmark.py's synthetic batch -> the official AlignedDataset dict:
    ``label`` (B, 1, H, W) float ids (ToTensor * 255), ``inst`` (B, 1, H, W)
    int32 instance ids (ToTensor of a mode-'I' PNG), ``image`` (B, 3, H, W)
    in [-1, 1], ``feat`` (B,) zeros (the collated 0 of a loader without
    precomputed feature maps)."""
    import torch
    inputs = data['inputs']

    def stack(x):
        return torch.stack(list(x)) if isinstance(x, (list, tuple)) else x

    label = stack(inputs['label']).float()
    inst = stack(inputs['inst']).int()
    image = (stack(inputs['img']).float() / 255.0 - 0.5) / 0.5
    return dict(label=label.to(device), inst=inst.to(device),
                image=image.to(device),
                feat=torch.zeros(label.shape[0], dtype=torch.long))


def build(root: str, cfg, args, device: str):
    """The official pix2pixHD model as an :class:`OfficialRun`.

    Raises:
        FileNotFoundError: ``root`` lacks an official pix2pixHD file.
        ValueError: see :func:`official_argv`.
    """
    import torch

    from . import OfficialRun
    check_root(root, PIX2PIXHD_FILES)
    argv = official_argv(cfg, args)
    torch.manual_seed(args.seed)
    cpu_tensor_types(device)
    with official_context(root, argv, device):
        from models.models import create_model
        from options.train_options import TrainOptions
        opt = TrainOptions().parse()
        model = create_model(opt)
    inner = getattr(model, 'module', model)  # DataParallel on a GPU
    inner.to(device)
    opt.use_encoded_image = True  # infer of a feature model (see above)
    num_classes = cfg_get(cfg_get(cfg.model, 'data_preprocessor', {}),
                       'num_classes')
    data = official_data(synthetic_batch(args, num_classes), device)
    from torch.autograd import Variable

    if args.mode == 'train':
        optimizer_G, optimizer_D = inner.optimizer_G, inner.optimizer_D

        def step():
            # the body of the official train.py loop (infer=False: no fake
            # image is returned on a non-display iteration)
            model.train()
            losses, generated = model(
                Variable(data['label']), Variable(data['inst']),
                Variable(data['image']), Variable(data['feat']), infer=False)
            losses = [torch.mean(x) if not isinstance(x, int) else x
                      for x in losses]
            loss_dict = dict(zip(inner.loss_names, losses))
            loss_D = (loss_dict['D_fake'] + loss_dict['D_real']) * 0.5
            loss_G = loss_dict['G_GAN'] + loss_dict.get('G_GAN_Feat', 0) + \
                loss_dict.get('G_VGG', 0)
            optimizer_G.zero_grad()
            loss_G.backward()
            optimizer_G.step()
            optimizer_D.zero_grad()
            loss_D.backward()
            optimizer_D.step()
    else:
        def step():
            inner.eval()
            with torch.no_grad():
                inner.inference(data['label'], data['inst'], data['image'])

    nets = dict(G=inner.netG, D=inner.netD, E=getattr(inner, 'netE', None))
    return OfficialRun(step=step,
                       modules=[n for n in nets.values() if n is not None],
                       num_params=count_params(**nets))
