"""Helpers the official-code adapters share (SPADE, LGGAN, Lab2Pix-V2 and,
in part, pix2pixHD): option-value lookup, the official command line's size,
device, optimiser (TTUR) and loss-weight options, the run context that lets
the official code run on a machine without a GPU or internet (``.cuda()``
no-ops on the CPU, torchvision VGGs with random weights), the conversion of
benchmark.py's synthetic batch to the official data dict, parameter counts
and the official training / inference iteration.
"""
import contextlib
import os.path as osp
import sys
import tempfile
from typing import Dict, List, Sequence

# Top-level package names of the SPADE-family official code bases.
OFFICIAL_PACKAGES = ('models', 'options', 'trainers', 'data', 'util')


# ---- shared by the SPADE-family adapters ---------------------------------
def cfg_get(cfg, key, default=None):
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
    ow = cfg_get(cfg, 'optim_wrapper')
    g = cfg_get(cfg_get(ow, 'generator'), 'optimizer')
    d = cfg_get(cfg_get(ow, 'discriminator'), 'optimizer')
    if g is None or d is None:
        raise ValueError('optim_wrapper needs generator.optimizer and '
                         'discriminator.optimizer (Adam) to map to the '
                         'official --lr')
    for name, o in (('generator', g), ('discriminator', d)):
        if cfg_get(o, 'type') != 'Adam':
            raise ValueError(f'optim_wrapper.{name}.optimizer.type is '
                             f'{cfg_get(o, "type")!r}; the official code uses '
                             'Adam')
    g_lr, d_lr = float(cfg_get(g, 'lr')), float(cfg_get(d, 'lr'))
    g_b = tuple(float(b) for b in cfg_get(g, 'betas', (0.9, 0.999)))
    d_b = tuple(float(b) for b in cfg_get(d, 'betas', (0.9, 0.999)))
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
    loss = cfg_get(losses, key)
    if loss is None:
        return [flag]
    return [option, repr(float(cfg_get(loss, 'loss_weight', 1.0)))]


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


def build_trainer_run(root: str, argv: List[str], args, device: str,
                      num_classes: int, patches=contextlib.nullcontext):
    """The official ``Pix2PixTrainer`` of a SPADE-derived code base (SPADE,
    LGGAN, Lab2Pix-V2) as an :class:`OfficialRun`: ``argv`` parsed by the
    official ``TrainOptions`` (its option table printout swallowed), the
    trainer built on random weights under :func:`official_context` and
    ``patches()`` (an extra context, e.g. a single-process DDP stand-in),
    the synthetic batch of ``num_classes`` ids, ``step`` from
    :func:`make_step`, parameter counts of G, D and (SPADE-VAE) E.
    """
    import io

    import torch

    from . import OfficialRun
    torch.manual_seed(args.seed)
    with official_context(root, argv, device), patches(), \
            contextlib.redirect_stdout(io.StringIO()):
        from options.train_options import TrainOptions
        from trainers.pix2pix_trainer import Pix2PixTrainer
        opt = TrainOptions().parse()
        trainer = Pix2PixTrainer(opt)
    model = trainer.pix2pix_model_on_one_gpu
    model.to(device)
    data = official_batch(synthetic_batch(args, num_classes), device)
    nets = dict(G=model.netG, D=model.netD,
                E=getattr(model, 'netE', None))
    modules = [n for n in nets.values() if n is not None]
    if hasattr(model, 'criterionVGG'):
        modules.append(model.criterionVGG)
    return OfficialRun(step=make_step(trainer, data, args.mode),
                       modules=modules, num_params=count_params(**nets))


def norm_g_option(g, norms: Dict) -> str:
    """The official ``--norm_G`` of a SPADE-derived generator config
    (``[spectral]spade<norm>3x3``); ``norms`` maps our norm names to the
    code base's. Raises ValueError naming the key for an unmapped norm."""
    norm = cfg_get(g, 'norm', 'BN')
    if norm not in norms:
        raise ValueError(f'model.generator.norm={norm!r}; maps from '
                         f'{sorted(norms)}')
    return ('spectral' if cfg_get(g, 'spectral_norm', True) else '') + \
        f'spade{norms[norm]}3x3'


def norm_d_option(sub, norms: Dict) -> str:
    """The official ``--norm_D`` (``[spectral]<norm>``) of the per-scale
    discriminator config ``sub``. Raises ValueError naming the key."""
    d_norm = cfg_get(sub, 'norm', 'IN')
    if d_norm not in norms:
        raise ValueError(f'model.discriminator.discriminator.norm='
                         f'{d_norm!r}; maps from '
                         f'{sorted(k for k in norms if k)}')
    return ('spectral' if cfg_get(sub, 'spectral_norm', True) else '') + \
        norms[d_norm]
