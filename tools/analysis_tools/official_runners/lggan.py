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

The helpers below (context, batch conversion, parameter counts) are shared
with the Lab2Pix-V2 adapter (same SPADE-derived code base).
"""
import contextlib
import os.path as osp
import sys
import tempfile
from typing import Dict, List, Sequence

# Top-level package names of the SPADE-family official code bases.
OFFICIAL_PACKAGES = ('models', 'options', 'trainers', 'data', 'util')


# ---- shared by the SPADE-family adapters ---------------------------------
def _get(cfg, key, default=None):
    """``cfg[key]`` for mmengine ConfigDicts and plain dicts alike."""
    if cfg is None:
        return default
    try:
        return cfg.get(key, default)
    except AttributeError:
        return getattr(cfg, key, default)


def check_root(root: str, needed: Sequence[str]) -> None:
    """Raise FileNotFoundError naming the first missing official file."""
    for rel in needed:
        if not osp.isfile(osp.join(root, rel)):
            raise FileNotFoundError(
                f'--official-root {root!r} has no {rel!r}; pass the folder '
                'of the official code whose train.py imports options/, '
                'models/, trainers/ from its top level')


def size_argv(args) -> List[str]:
    """``--crop_size W --aspect_ratio W/H --batchSize B``: the official
    generators derive their latent size from crop_size / aspect_ratio."""
    h, w = args.hw
    return ['--crop_size', str(w), '--aspect_ratio', repr(w / h),
            '--batchSize', str(args.batch_size)]


def device_argv(args) -> List[str]:
    dev = getattr(args, 'device', None) or 'cpu'
    return ['--gpu_ids', '0' if str(dev).startswith('cuda') else '-1']


def ttur_argv(cfg, betas_fixed=None) -> List[str]:
    """Our two Adam optimisers -> the official ``--lr`` (+ ``--no_TTUR``,
    ``--beta1/2``). The official TTUR gives G lr/2 and D 2*lr.

    Args:
        cfg: the whole config (``optim_wrapper.generator/discriminator``).
        betas_fixed: the betas the official TTUR branch hard-codes (LGGAN:
            (0, 0.9)); None when the official reads ``--beta1/2``.

    Raises:
        ValueError: a setting the official options cannot express.
    """
    ow = _get(cfg, 'optim_wrapper')
    g = _get(_get(ow, 'generator'), 'optimizer')
    d = _get(_get(ow, 'discriminator'), 'optimizer')
    if g is None or d is None:
        raise ValueError('optim_wrapper needs generator.optimizer and '
                         'discriminator.optimizer (Adam) to map to the '
                         'official --lr')
    for name, o in (('generator', g), ('discriminator', d)):
        if _get(o, 'type') != 'Adam':
            raise ValueError(f'optim_wrapper.{name}.optimizer.type is '
                             f'{_get(o, "type")!r}; the official code uses '
                             'Adam')
    g_lr, d_lr = float(_get(g, 'lr')), float(_get(d, 'lr'))
    g_b = tuple(float(b) for b in _get(g, 'betas', (0.9, 0.999)))
    d_b = tuple(float(b) for b in _get(d, 'betas', (0.9, 0.999)))
    if g_b != d_b:
        raise ValueError(f'G betas {g_b} != D betas {d_b}: the official '
                         'code uses one pair for both')
    if abs(d_lr - 4 * g_lr) <= 1e-12 * max(d_lr, 1.0):
        out = ['--lr', repr(2 * g_lr)]
        if betas_fixed is not None:
            if g_b != tuple(float(b) for b in betas_fixed):
                raise ValueError(
                    f'betas {g_b}: the official TTUR branch hard-codes '
                    f'{tuple(betas_fixed)}')
            return out
        return out + ['--beta1', repr(g_b[0]), '--beta2', repr(g_b[1])]
    if g_lr == d_lr:
        return ['--no_TTUR', '--lr', repr(g_lr), '--beta1', repr(g_b[0]),
                '--beta2', repr(g_b[1])]
    raise ValueError(f'G lr {g_lr} / D lr {d_lr}: the official code runs '
                     'either TTUR (D = 4 x G) or one lr for both')


def loss_weight(losses, key, flag, option) -> List[str]:
    """``[option, w]`` when loss ``key`` is configured, else ``[flag]``
    (the official ``--no_*`` switch)."""
    loss = _get(losses, key)
    if loss is None:
        return [flag]
    return [option, repr(float(_get(loss, 'loss_weight', 1.0)))]


def checkpoints_dir() -> str:
    """Where the official option parser writes its opt.txt / opt.pkl."""
    return osp.join(tempfile.gettempdir(), 'mmsemsyn_official_runs')


@contextlib.contextmanager
def official_context(root: str, argv: List[str], device: str):
    """Import and build official code from ``root`` with ``argv``.

    - ``root`` first on ``sys.path`` (it stays there: the official step may
      import lazily); previously imported modules named
      like the official packages (``models``, ``options``, ...) are dropped
      from ``sys.modules`` so the official ones are imported;
    - ``sys.argv`` = ``['train.py'] + argv`` (the official parser reads it);
    - torchvision's ``vgg16``/``vgg19`` ignore ``pretrained`` (random
      weights: nothing is downloaded);
    - on the CPU, ``Tensor.cuda`` and ``Module.cuda`` return their object
      unchanged, for the whole life of the process (the official forward
      passes call ``.cuda()`` too, so this is not undone);
    - ``torch.optim.Adam`` takes the official TTUR branch's hard-coded
      ``betas=(0, 0.9)`` (an int next to a float, which torch >= 2 refuses)
      as ``(0.0, 0.9)``: the same optimiser.
    """
    import torch
    import torchvision

    for name in list(sys.modules):
        if name.split('.')[0] in OFFICIAL_PACKAGES:
            del sys.modules[name]
    saved_argv = sys.argv
    saved_adam = torch.optim.Adam

    class Adam(saved_adam):
        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), **kwargs):
            super().__init__(params, lr=lr,
                             betas=tuple(float(b) for b in betas), **kwargs)

    saved_vgg = {k: getattr(torchvision.models, k)
                 for k in ('vgg16', 'vgg19')}

    def random_vgg(fn):
        def build(pretrained=False, **kwargs):
            kwargs.pop('weights', None)
            return fn(weights=None, **kwargs)
        return build

    if not str(device).startswith('cuda'):
        torch.Tensor.cuda = lambda self, *a, **k: self
        torch.nn.Module.cuda = lambda self, *a, **k: self
    sys.path.insert(0, osp.abspath(root))
    sys.argv = ['train.py'] + list(argv)
    for k, fn in saved_vgg.items():
        setattr(torchvision.models, k, random_vgg(fn))
    torch.optim.Adam = Adam
    try:
        yield
    finally:
        torch.optim.Adam = saved_adam
        sys.argv = saved_argv
        for k, fn in saved_vgg.items():
            setattr(torchvision.models, k, fn)


def official_batch(data: dict, device: str) -> dict:
    """benchmark.py's synthetic batch -> the official loader's dict.

    ``data['inputs']`` holds ``label`` (1, H, W) ids, ``inst`` (1, H, W)
    instance ids and ``img`` (3, H, W) uint8 per sample (lists, as
    ``pseudo_collate`` gives, or stacked). Returns ``label`` (B, 1, H, W)
    int64, ``instance`` (B, 1, H, W) int64, ``image`` (B, 3, H, W) float32
    in [-1, 1] (the official ToTensor + Normalize(0.5, 0.5)), ``path``.
    """
    import torch
    inputs = data['inputs']

    def stack(x):
        return torch.stack(list(x)) if isinstance(x, (list, tuple)) else x

    label = stack(inputs['label']).long()
    inst = stack(inputs['inst']).long()
    img = stack(inputs['img'])
    image = (img.float() / 255.0 - 0.5) / 0.5
    return dict(label=label.to(device), instance=inst.to(device),
                image=image.to(device),
                path=[f'synthetic_{i}' for i in range(label.shape[0])])


def count_params(**nets) -> Dict[str, int]:
    """Parameter counts per network; ``<name>_trainable`` where frozen
    parameters exist (e.g. a VGG branch)."""
    out = {}
    for name, net in nets.items():
        if net is None:
            continue
        params = list(net.parameters())
        out[name] = sum(p.numel() for p in params)
        trainable = sum(p.numel() for p in params if p.requires_grad)
        if trainable != out[name]:
            out[f'{name}_trainable'] = trainable
    return out


def synthetic_batch(args, num_classes: int) -> dict:
    """benchmark.py's ``_batch`` (the same label / instance / image tensors
    our variants get), imported from the script next to this package."""
    import importlib.util
    main = sys.modules.get('__main__')
    if main is not None and hasattr(main, '_batch'):
        return main._batch(args, num_classes)
    path = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                    'benchmark.py')
    spec = importlib.util.spec_from_file_location('_mmsemsyn_benchmark', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod._batch(args, num_classes)


def make_step(trainer, data: dict, mode: str):
    """One official iteration on a fresh (shallow) copy of ``data`` -- the
    official loader hands over a new dict every iteration, and
    ``preprocess_input`` writes into it."""
    import torch
    model = trainer.pix2pix_model

    if mode == 'train':
        def step():
            d = dict(data)
            model.train()
            trainer.run_generator_one_step(d)
            trainer.run_discriminator_one_step(d)
    else:
        def step():
            d = dict(data)
            model.eval()
            with torch.no_grad():
                model(d, mode='inference')
    return step


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
    dp = _get(m, 'data_preprocessor', {})
    losses = _get(m, 'losses', {})
    num_classes = _get(dp, 'num_classes')
    use_inst = bool(_get(dp, 'use_instance_edges', False))
    if num_classes != 35 or not use_inst or _get(g, 'semantic_nc') != 36:
        raise ValueError(
            f'the official LGGAN hard-codes 35 classes + the instance edge '
            f'channel (conv1 in 35+1); this config has num_classes='
            f'{num_classes}, use_instance_edges={use_inst}, semantic_nc='
            f'{_get(g, "semantic_nc")}')
    fixed = dict(local_classes=35, merged_classes=None, use_local=True,
                 local_fusion='conv', use_classifier=True,
                 use_weight_map=True, n_blocks=9, spade_hidden=128)
    for key, want in fixed.items():
        have = _get(g, key, want)
        if isinstance(have, (list, tuple)) and key == 'local_classes':
            have = len(have) if list(have) == list(range(len(have))) else have
        if have != want:
            raise ValueError(f'model.generator.{key}={have!r}: the official '
                             f'LGGAN has no option for it (fixed {want!r})')
    norm = _get(g, 'norm', 'BN')
    if norm not in NORM_G:
        raise ValueError(f'model.generator.norm={norm!r}; the official '
                         f'SPADE norms map from {sorted(NORM_G)}')
    norm_g = ('spectral' if _get(g, 'spectral_norm', True) else '') + \
        f'spade{NORM_G[norm]}3x3'
    sub = _get(d, 'discriminator', {})
    if _get(d, 'type') != 'MultiScaleDiscriminator' or \
            _get(sub, 'type', 'PatchDiscriminator') != 'PatchDiscriminator':
        raise ValueError('the official LGGAN D is the SPADE multiscale '
                         'PatchGAN (MultiScaleDiscriminator of '
                         f'PatchDiscriminator), got {_get(d, "type")!r}')
    d_norm = _get(sub, 'norm', 'IN')
    if d_norm not in NORM_D:
        raise ValueError(f'model.discriminator.discriminator.norm={d_norm!r}'
                         f'; maps from {sorted(k for k in NORM_D if k)}')
    norm_d = ('spectral' if _get(sub, 'spectral_norm', True) else '') + \
        NORM_D[d_norm]
    gan = _get(losses, 'gan', {})
    argv = ['--name', 'lggan_benchmark', '--dataset_mode', 'cityscapes',
            '--checkpoints_dir', checkpoints_dir(), '--netG', 'lggan',
            '--label_nc', '35',
            *device_argv(args), *size_argv(args),
            '--ngf', str(_get(g, 'ngf', 64)),
            '--num_upsampling_layers',
            _get(g, 'num_upsampling_layers', 'more'),
            '--norm_G', norm_g,
            '--netD', 'multiscale', '--num_D', str(_get(d, 'num_D', 2)),
            # the official n_layers_D counts the output conv's group too
            '--n_layers_D', str(_get(d, 'n_layers_D', 3) + 1),
            '--ndf', str(_get(d, 'ndf', 64)), '--norm_D', norm_d,
            '--gan_mode', _get(gan, 'gan_type', 'hinge'),
            *loss_weight(losses, 'feat', '--no_ganFeat_loss',
                         '--lambda_feat'),
            *loss_weight(losses, 'vgg', '--no_vgg_loss', '--lambda_vgg'),
            *loss_weight(losses, 'classification', '--no_class_loss',
                         '--lambda_class'),
            *ttur_argv(cfg, betas_fixed=(0.0, 0.9))]
    # lambda_l1 weighs the class-specific L1 and (if on) the image L1 alike
    l1_local, l1 = _get(losses, 'l1_local'), _get(losses, 'l1')
    weights = {repr(float(_get(x, 'loss_weight', 1.0)))
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
    import io

    import torch

    from . import OfficialRun
    check_root(root, LGGAN_FILES)
    argv = official_argv(cfg, args)
    torch.manual_seed(args.seed)
    # the official parser prints its whole option table
    with official_context(root, argv, device), \
            contextlib.redirect_stdout(io.StringIO()):
        from options.train_options import TrainOptions
        from trainers.pix2pix_trainer import Pix2PixTrainer
        opt = TrainOptions().parse()
        trainer = Pix2PixTrainer(opt)
    model = trainer.pix2pix_model_on_one_gpu
    model.to(device)
    data = official_batch(synthetic_batch(args, 35), device)
    modules = [model.netG, model.netD]
    if hasattr(model, 'criterionVGG'):
        modules.append(model.criterionVGG)
    return OfficialRun(
        step=make_step(trainer, data, args.mode), modules=modules,
        num_params=count_params(G=model.netG, D=model.netD))
