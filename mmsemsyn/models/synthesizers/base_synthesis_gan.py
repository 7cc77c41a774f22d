"""The GAN training step shared by every method."""
from contextlib import contextmanager
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mmsemsyn.models.pretrained.weights_error import locate_pretrained
from mmsemsyn.registry import MODELS
from mmsemsyn.structures import SynDataSample
from mmsemsyn.structures import outputs as out


def set_requires_grad(module: Optional[nn.Module], flag: bool) -> None:
    """Freeze/unfreeze a network. Under DDP this is what lets D run inside
    the generator step without DDP expecting D's gradients."""
    if module is None:
        return
    for param in module.parameters():
        param.requires_grad_(flag)


class UnusedLossRoleWarning(UserWarning):
    """A configured loss role that the method never looks up, i.e. a loss
    that has no effect on training (e.g. ``losses.perturbed`` on a method
    whose training step does not use a perturbed loss)."""


class LossRoles(nn.ModuleDict):
    """The ``losses`` of a synthesizer: an ``nn.ModuleDict`` that also
    records which roles the method asked for (``losses[role]`` or
    ``role in losses``), so a configured role no code reads can be reported
    instead of being silently ignored."""

    def __init__(self):
        super().__init__()
        self.looked_up = set()

    def __getitem__(self, key: str) -> nn.Module:
        self.looked_up.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self.looked_up.add(key)
        return super().__contains__(key)


@contextmanager
def frozen(module: Optional[nn.Module]):
    """Freeze ``module`` inside the block, then restore every parameter's
    own flag -- parts that were frozen before (e.g. a discriminator's VGG
    branch) stay frozen."""
    params = [] if module is None else [
        p for p in module.parameters() if p.requires_grad]
    for param in params:
        param.requires_grad_(False)
    try:
        # The frozen parameters, for a caller that needs a D graph inside
        # the block (pix2pixHD's shared D(real), see ``unfrozen``).
        yield params
    finally:
        for param in params:
            param.requires_grad_(True)


@contextmanager
def unfrozen(params: Sequence[torch.Tensor]):
    """Inside a :func:`frozen` block: let ``params`` require grad again for
    the duration of this block (then freeze them again)."""
    for param in params:
        param.requires_grad_(True)
    try:
        yield
    finally:
        for param in params:
            param.requires_grad_(False)


def split_batch(pred, sizes: Sequence[int]) -> list:
    """The one splitter of discriminator outputs: cut every tensor of a
    (nested) D output along the batch axis into parts of ``sizes``.

    ``pred`` is a tensor, a list/tuple of outputs (one per scale of a
    multi-scale D, each possibly a list of layer features, as feature
    matching needs) or a dict of such (LGGAN cross-view's two Ds). Returns
    ``len(sizes)`` outputs of the same nesting (lists for lists/tuples),
    part ``i`` holding batch rows ``sum(sizes[:i]) .. sum(sizes[:i+1])``.
    Used after one joint D call on several concatenated image batches.

    Raises:
        ValueError: ``sizes`` does not add up to a tensor's batch size.
    """
    sizes = [int(n) for n in sizes]
    if isinstance(pred, torch.Tensor):
        if sum(sizes) != pred.shape[0]:
            raise ValueError(
                f'split_batch: parts {sizes} do not add up to the batch '
                f'size {pred.shape[0]} of a discriminator output.')
        return list(pred.split(sizes, 0))
    if isinstance(pred, dict):
        parts = {k: split_batch(v, sizes) for k, v in pred.items()}
        return [{k: v[i] for k, v in parts.items()}
                for i in range(len(sizes))]
    parts = [split_batch(p, sizes) for p in pred]
    return [[part[i] for part in parts] for i in range(len(sizes))]


def repeat_batch(condition, times: int):
    """``condition`` (a tensor, a tuple of tensors, or None) stacked
    ``times`` times along the batch axis."""
    if condition is None:
        return None
    if isinstance(condition, torch.Tensor):
        return torch.cat([condition] * times, 0)
    return type(condition)(repeat_batch(c, times) for c in condition)


def to_uint8_image(img: torch.Tensor) -> torch.Tensor:
    """[-1, 1] float RGB → uint8 RGB (clamped, rounded)."""
    return ((img.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(
        torch.uint8)


@MODELS.register_module()
class BaseSynthesisGAN(BaseModel):
    """Base of every label-to-photo GAN.

    A method subclass implements :meth:`forward_generator`,
    :meth:`discriminator_losses` and :meth:`generator_losses`; this class
    runs them in the one training step every method shares: preprocess the
    batch once, run the generator once (with gradients when G is updated
    this step), then update the two networks in ``update_order``, the order
    of the method's official trainer:

    - ``'d_then_g'`` (pix2pix / CycleGAN code, SelectionGAN): D on the
      detached fake, then G -- with D frozen -- against the updated D;
    - ``'g_then_d'`` (pix2pixHD, Lab2Pix-V1): G against the current D, then
      D on the same fake (the official computes both losses from one
      forward pass, then steps G and D);
    - ``'g_then_d_fresh_fake'`` (SPADE, LGGAN, Lab2Pix-V2): G first, then D
      on a new fake drawn from the updated G without gradients.

    **The contract of a method.**

    - ``forward_generator(inputs) -> dict``: the generator outputs, named
      as in :mod:`mmsemsyn.structures.outputs` (one name per meaning):
      ``fake_img`` (B, 3, H, W) always; ``global_img`` / ``local_img`` /
      ``weight_map`` (B, 2, H, W) / ``class_images`` (B, K, 3, H, W) /
      ``class_masks`` / ``class_logits`` / ``class_valid`` (LGGAN, both
      tasks); ``fake_scales`` (Lab2Pix-V1's pyramid, finest first);
      ``fake_outputs`` (B, n, 3, H, W) (CRN's n images); ``z`` / ``mu`` /
      ``logvar`` (SPADE's VAE). Images are on the [-1, 1] scale.
    - ``discriminator_losses(inputs, outputs)`` and
      ``generator_losses(inputs, outputs)`` -> ``{log key: scalar}``, built
      from :meth:`discriminate` (``discriminate(condition, images)``, one
      batch or a list of batches, jointly or separately as
      ``joint_discrimination`` says; a method with other D inputs overrides
      :meth:`discriminator_forward`), :meth:`adversarial_d_losses` (the
      ``loss_d_fake`` / ``loss_d_real`` pair with :attr:`disc_gan_loss`:
      ``gan_disc`` if configured, else ``gan``) and :meth:`loss`.
    - Optionally ``visual_outputs`` (intermediate images shown in sample
      grids; ``weight_map`` adds ``local_weight``) and extra networks built
      after ``super().__init__``.

    **Where a loss weight lives.** Every factor of a loss term is an option
    of its loss module, set in ``configs/_base_/models/<method>.py``:
    ``loss_weight``, reductions over scales (``scale_reduction``) or
    outputs (``VGGPerceptualLoss.output_reduction``), the D real-term factor
    (``GANLoss.disc_real_weight``), the sharpness balance
    (``SharpnessEnhancementLoss.balance``). Ramped weights get the training
    progress from ``LossRampHook`` (``set_progress``), never from global
    state. A synthesizer only adds terms of different outputs (sums), it
    never scales one.

    Args:
        generator / discriminator: network configs.
        losses: ``{role: loss config}``; each loss module carries its weight
            and ``loss_name`` (the log key). A method looks roles up by name,
            and a role that is absent or None is simply not used.
        discriminator_steps: G is updated once every this many D updates.
        generator_steps: G updates per G turn.
        disc_init_steps: iterations of D-only training at the start.
        update_order: see above; None takes the method's
            ``default_update_order`` (its official trainer's order).
        ema: optional moving average of the generator,
            ``dict(momentum=0.999, start_iter=0)`` (:class:`GeneratorEMA`);
            updated after every generator update by ``GeneratorEMAHook``
            (default_runtime.py), used by :meth:`predict` -- validation,
            test, the inferencer -- and saved in checkpoints as
            ``generator_ema.*``.
        compile_networks: ``torch.compile`` the generator, discriminator,
            encoder and loss modules (``nn.Module.compile``, in place, so
            state-dict keys and checkpoints are unchanged): False (default),
            True, or a dict of ``torch.compile`` kwargs (e.g.
            ``dict(mode='max-autotune')``). The training step itself stays
            eager (issue 14 item 6).
        channels_last: store every 4-D weight of the model in
            ``torch.channels_last`` memory format; convolutions then run
            (and output) NHWC. Same numbers up to float rounding.
    """

    UPDATE_ORDERS = ('d_then_g', 'g_then_d', 'g_then_d_fresh_fake')
    default_update_order = 'd_then_g'
    # Intermediate images a method shows next to its result in sample grids
    # (e.g. LGGAN's global and local images); see ``visual_images``.
    visual_outputs: Tuple[str, ...] = ()

    def __init__(self,
                 generator: dict,
                 discriminator: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 losses: Optional[Dict[str, dict]] = None,
                 discriminator_steps: int = 1,
                 generator_steps: int = 1,
                 disc_init_steps: int = 0,
                 update_order: Optional[str] = None,
                 ema: Optional[dict] = None,
                 compile_networks=False,
                 channels_last: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        # Missing pretrained weights name their key (model.<part>.<arg>).
        with locate_pretrained('model.generator'):
            self.generator = MODELS.build(generator)
        with locate_pretrained('model.discriminator'):
            self.discriminator = MODELS.build(discriminator) \
                if discriminator is not None else None
        self.losses = LossRoles()
        for role, cfg in (losses or {}).items():
            if cfg is not None:
                with locate_pretrained(f'model.losses.{role}'):
                    self.losses[role] = MODELS.build(cfg)
        self.discriminator_steps = discriminator_steps
        self.generator_steps = generator_steps
        self.disc_init_steps = disc_init_steps
        update_order = update_order or self.default_update_order
        if update_order not in self.UPDATE_ORDERS:
            raise ValueError(
                f'{type(self).__name__}: update_order={update_order!r} is not '
                f'one of {self.UPDATE_ORDERS}.')
        self.update_order = update_order
        self.generator_ema = None
        if ema is not None:
            self.generator_ema = MODELS.build(
                dict(dict(type='GeneratorEMA'), **ema),
                default_args=dict(model=self.generator))
        if self.has_loss('diversity') and getattr(
                self.data_preprocessor, 'class_noise', None) is None:
            raise ValueError(
                f'{type(self).__name__}: the diversity loss needs the '
                'per-class noise channel: set data_preprocessor.class_noise '
                "(e.g. dict(sampler='uniform')) and give the generator one "
                'more input channel.')
        self.compile_networks = compile_networks
        self.channels_last = channels_last
        # Roles looked up from here on count as used (see train_step).
        self.losses.looked_up.clear()
        self._loss_roles_checked = False

    # Networks that ``compile_networks`` compiles (those a model has).
    compiled_networks: Tuple[str, ...] = ('generator', 'discriminator',
                                          'encoder')

    def init_weights(self):
        """mmengine's init, then the speed switches -- after every
        sub-module exists (a method builds its extra networks after this
        class's constructor) and before the Runner moves/wraps the model."""
        super().init_weights()
        self.apply_speed_switches()

    def apply_speed_switches(self) -> None:
        """Apply ``channels_last`` and ``compile_networks`` (idempotent)."""
        if self.channels_last:
            self.to(memory_format=torch.channels_last)
        if self.compile_networks:
            opts = self.compile_networks if isinstance(
                self.compile_networks, dict) else {}
            nets = [getattr(self, n, None) for n in self.compiled_networks]
            nets += list(self.losses.values())
            for net in nets:
                if isinstance(net, nn.Module) and getattr(
                        net, '_compiled_call_impl', None) is None:
                    net.compile(**opts)

    # ---- what a method defines -------------------------------------------
    def forward_generator(self, inputs: dict) -> Dict[str, torch.Tensor]:
        """Run the generator; return a dict with at least ``fake_img``."""
        raise NotImplementedError

    def discriminator_losses(self, inputs: dict,
                             outputs: dict) -> Dict[str, torch.Tensor]:
        """D losses given the generator outputs (already detached)."""
        raise NotImplementedError

    def generator_losses(self, inputs: dict,
                         outputs: dict) -> Dict[str, torch.Tensor]:
        """G losses; D is frozen while they are computed."""
        raise NotImplementedError

    # ---- discrimination -------------------------------------------------
    # Several image batches judged at once (``discriminate(c, [fake, real])``)
    # go through D as one concatenated batch, split afterwards (True: the
    # official SPADE ``discriminate``), or in one D call each, in order
    # (False: pix2pix). Part of a method's numerics: with batch statistics
    # in D (pix2pix's BatchNorm) a joint batch normalises fake and real
    # together, and with spectral norm every training-mode call runs one
    # power iteration.
    joint_discrimination: bool = False

    def discriminator_forward(self, condition, images: torch.Tensor,
                              **disc_kwargs):
        """One D call: the conditional-GAN input concat(condition, images)
        along channels ((B, C_c + 3, H, W)); ``condition=None`` is an
        unconditional D on the images alone; ``disc_kwargs`` go to D's
        forward. A method whose D takes its inputs otherwise (LGGAN
        cross-view's two Ds) overrides this."""
        if condition is None:
            return self.discriminator(images, **disc_kwargs)
        return self.discriminator(torch.cat([condition, images], 1),
                                  **disc_kwargs)

    def discriminate(self, condition, images, **disc_kwargs):
        """D's prediction(s) for ``images`` conditioned on ``condition``.

        Args:
            condition: (B, C_c, H, W) what D is conditioned on (usually
                ``inputs['semantics']``), or None (unconditional D).
            images: a (B, 3, H, W) batch in [-1, 1] -- returns D's output
                for it -- or a list of such batches (e.g. ``[fake, real]``)
                -- returns one D output per batch, in order, computed
                jointly or separately as ``joint_discrimination`` says.
            disc_kwargs: optional keyword arguments of the discriminator's
                forward, given to every D call -- with joint discrimination
                the one call on the concatenated batch (Lab2Pix-V2's
                ``perceptual_tail``: the real rows' precomputed features).
                Without them D is called with its input alone.
        Returns:
            D's output (a tensor, or per-scale lists of layer features) or
            a list of them.
        """
        if isinstance(images, torch.Tensor):
            return self.discriminator_forward(condition, images,
                                              **disc_kwargs)
        images = list(images)
        if not self.joint_discrimination:
            return [self.discriminator_forward(condition, img, **disc_kwargs)
                    for img in images]
        pred = self.discriminator_forward(
            repeat_batch(condition, len(images)), torch.cat(images, 0),
            **disc_kwargs)
        return split_batch(pred, [img.shape[0] for img in images])

    @property
    def disc_gan_loss(self) -> nn.Module:
        """The GAN loss of the D step: role ``gan_disc`` if configured (a
        method whose D term has its own weight, e.g. pix2pix's 0.5), else
        ``gan``."""
        if self.has_loss('gan_disc'):
            return self.losses['gan_disc']
        return self.losses['gan']

    def adversarial_d_losses(self, pred_fake, pred_real,
                             weight: Optional[torch.Tensor] = None
                             ) -> Dict[str, torch.Tensor]:
        """``loss_d_fake`` / ``loss_d_real``: :attr:`disc_gan_loss` on D's
        fake and real predictions, with an optional per-pixel ``weight``
        (B, 1, H, W) (Lab2Pix's foreground mask)."""
        gan = self.disc_gan_loss
        extra = {} if weight is None else dict(weight=weight)
        return dict(loss_d_fake=gan(pred_fake, False, is_disc=True, **extra),
                    loss_d_real=gan(pred_real, True, is_disc=True, **extra))

    # ---- helpers for methods -------------------------------------------
    def has_loss(self, role: str) -> bool:
        return role in self.losses

    def loss(self, role: str, *args, **kwargs) -> Dict[str, torch.Tensor]:
        """Evaluate the loss of ``role``; returns ``{loss_name: value}``."""
        module = self.losses[role]
        return {module.loss_name: module(*args, **kwargs)}

    def noise_pair_losses(self, inputs: dict, outputs: dict) -> dict:
        """The diversity loss (role ``diversity``, Eq. 7 of Yang et al.) on
        a batch that the preprocessor's ``class_noise`` doubled: rows
        ``[:B]`` are G(l, 0), rows ``[B:]`` G(l, n), from one generator call.
        Any method gets it; {} without such a batch or loss."""
        pairs = inputs.get('noise_pair_size')
        if pairs is None or not self.has_loss('diversity'):
            return {}
        fake = outputs['fake_img']
        return self.loss('diversity', fake[:pairs], fake[pairs:],
                         inputs['label'][pairs:],
                         inputs['class_noise'][pairs:])

    @staticmethod
    def detach_outputs(outputs: dict) -> dict:
        """The generator outputs without their graph (tensors and lists of
        tensors, e.g. Lab2Pix-V1's ``fake_scales``), for the D step."""
        def detach(v):
            if isinstance(v, torch.Tensor):
                return v.detach()
            if isinstance(v, (list, tuple)) and all(
                    isinstance(t, torch.Tensor) for t in v):
                return type(v)(t.detach() for t in v)
            return v
        return {k: detach(v) for k, v in outputs.items()}

    # ---- the training step -------------------------------------------
    def _generator_turn(self, curr_iter: int) -> bool:
        if curr_iter < self.disc_init_steps:
            return False
        return (curr_iter + 1) % self.discriminator_steps == 0

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        curr_iter = MessageHub.get_current_instance().get_info('iter', 0)
        data = self.data_preprocessor(data, True)
        inputs = data['inputs']
        gen_ow = optim_wrapper['generator']
        update_g = self._generator_turn(curr_iter)

        with gen_ow.optim_context(self.generator), \
                torch.set_grad_enabled(update_g):
            outputs = self.forward_generator(inputs)

        log_vars = {}
        if self.update_order == 'd_then_g' or not update_g:
            log_vars.update(self._discriminator_step(inputs, outputs,
                                                     optim_wrapper))
            if update_g:
                log_vars.update(self._generator_step(inputs, outputs,
                                                     gen_ow)[0])
                self.check_loss_roles()
            return log_vars
        g_log, outputs = self._generator_step(inputs, outputs, gen_ow)
        log_vars.update(g_log)
        if self.discriminator is None:
            self.check_loss_roles()
            return log_vars
        if self.update_order == 'g_then_d_fresh_fake':
            with gen_ow.optim_context(self.generator), torch.no_grad():
                outputs = self.forward_generator(inputs)
        log_vars.update(self._discriminator_step(inputs, outputs,
                                                 optim_wrapper))
        self.check_loss_roles()
        return log_vars

    def check_loss_roles(self) -> None:
        """Warn once (:class:`UnusedLossRoleWarning`) about configured loss
        roles the method never looked up during its first training step
        with a G and a D update: such a loss has no effect, e.g. a
        ``PerturbedLoss`` added to plain pix2pix, whose step reads only
        ``gan``, ``gan_disc`` and ``l1``. Roles a method checks with
        :meth:`has_loss` but skips for the data at hand count as used."""
        if self._loss_roles_checked:
            return
        self._loss_roles_checked = True
        unused = sorted(set(self.losses.keys()) - self.losses.looked_up)
        if unused:
            import warnings
            warnings.warn(
                f'{type(self).__name__} never uses the loss role(s) '
                f'{unused} of model.losses: those losses have no effect on '
                'training. Remove them, or use a method whose training step '
                'reads them (see the loss roles in its docstring).',
                UnusedLossRoleWarning)

    def _discriminator_step(self, inputs: dict, outputs: dict,
                            optim_wrapper: OptimWrapperDict) -> dict:
        """One D update on the detached generator outputs."""
        if self.discriminator is None:
            return {}
        disc_ow = optim_wrapper['discriminator']
        with disc_ow.optim_context(self.discriminator):
            d_losses = self.discriminator_losses(
                inputs, self.detach_outputs(outputs))
            d_loss, d_log = self.parse_losses(d_losses)
        disc_ow.update_params(d_loss)
        d_log['loss_disc'] = d_log.pop('loss')
        return d_log

    def _generator_step(self, inputs: dict, outputs: dict,
                        gen_ow) -> Tuple[dict, dict]:
        """``generator_steps`` G updates with D frozen (its gradients are
        neither computed nor expected by DDP). Returns the log and the
        outputs of the last G step (what 'g_then_d' shows D)."""
        with frozen(self.discriminator) as self._frozen_disc_params:
            for step in range(self.generator_steps):
                with gen_ow.optim_context(self.generator):
                    if step > 0:
                        outputs = self.forward_generator(inputs)
                    g_losses = self.generator_losses(inputs, outputs)
                    g_losses.update(self.noise_pair_losses(inputs, outputs))
                    g_loss, g_log = self.parse_losses(g_losses)
                gen_ow.update_params(g_loss)
        g_log['loss_gen'] = g_log.pop('loss')
        return g_log, outputs

    # ---- generator EMA ----------------------------------------------
    def update_ema(self, curr_iter: int) -> None:
        """Average the generator into ``generator_ema`` after training
        iteration ``curr_iter`` -- only on iterations that updated G (see
        ``discriminator_steps`` / ``disc_init_steps``)."""
        if self.generator_ema is None or not self._generator_turn(curr_iter):
            return
        generator = self.generator
        if is_model_wrapper(generator):
            generator = generator.module
        self.generator_ema.update(generator, curr_iter)

    @contextmanager
    def ema_generator_in_use(self):
        """Inside the block ``self.generator`` is the averaged copy (when
        the model has one), so every method's ``forward_generator`` runs
        the EMA weights unchanged."""
        if self.generator_ema is None:
            yield
            return
        regular = self._modules['generator']
        self._modules['generator'] = self.generator_ema.module
        try:
            yield
        finally:
            self._modules['generator'] = regular

    @torch.no_grad()
    def recompute_ema_batch_norm(self, batches) -> int:
        """BatchNorm statistics of the EMA generator from ``batches``
        (data-loader batches, preprocessed here), under a forked torch RNG
        so the training stream is untouched. Returns the batch count."""
        if self.generator_ema is None:
            return 0

        def forward(batch):
            data = self.data_preprocessor(batch, False)
            with self.ema_generator_in_use():
                self.forward_generator(data['inputs'])

        devices = [torch.cuda.current_device()] \
            if torch.cuda.is_available() and torch.cuda.is_initialized() \
            else []
        with torch.random.fork_rng(devices=devices):
            return self.generator_ema.recompute_batch_norm(forward, batches)

    # ---- inference: one path for val, test, the inferencer, files ----
    def forward(self,
                inputs: dict,
                data_samples: Optional[Sequence[SynDataSample]] = None,
                mode: str = 'predict'):
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.forward_generator(inputs)['fake_img']
        raise ValueError(
            f'{type(self).__name__} trains through train_step; forward mode '
            f'{mode!r} is not supported (use "predict" or "tensor").')

    def visual_images(self, outputs: dict) -> Dict[str, torch.Tensor]:
        """Intermediate (B, 3, H, W) images in [-1, 1] to attach to every
        predicted sample, in display order: the ``visual_outputs``, then --
        for a generator with a ``weight_map`` (LGGAN, Eq. 6) -- the local
        weight ``weight_map[:, 0]`` as grey (``local_weight``, white =
        local), as the paper's figures."""
        visuals = {k: outputs[k] for k in self.visual_outputs
                   if isinstance(outputs.get(k), torch.Tensor)}
        weight_map = outputs.get(out.WEIGHT_MAP)
        if isinstance(weight_map, torch.Tensor):
            visuals[out.LOCAL_WEIGHT] = (weight_map[:, :1] * 2 - 1).expand(
                -1, 3, -1, -1)
        return visuals

    @torch.no_grad()
    def predict(self, inputs: dict,
                data_samples: Optional[Sequence[SynDataSample]] = None
                ) -> List[SynDataSample]:
        """One sample per input with ``fake_img`` (uint8 RGB) and, for
        methods with intermediate images, those fields too; their names are
        listed in the sample's ``visual_keys`` metainfo (sample grids).
        With ``ema`` the averaged generator produces them."""
        with self.ema_generator_in_use():
            outputs = self.forward_generator(inputs)
        fake = to_uint8_image(outputs['fake_img']).cpu()
        visuals = {k: to_uint8_image(v).cpu()
                   for k, v in self.visual_images(outputs).items()}
        results = []
        for i in range(fake.shape[0]):
            if data_samples is not None:
                sample = data_samples[i].clone_meta()
            else:
                sample = SynDataSample()
            sample.fake_img = fake[i]
            if visuals:
                for key, value in visuals.items():
                    sample.set_field(value[i], key)
                sample.set_metainfo(dict(visual_keys=tuple(visuals)))
            results.append(sample)
        return results
