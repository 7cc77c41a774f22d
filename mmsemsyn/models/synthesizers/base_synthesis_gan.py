"""The GAN training step shared by every method."""
from contextlib import contextmanager
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from mmsemsyn.registry import MODELS
from mmsemsyn.structures import SynDataSample


def set_requires_grad(module: Optional[nn.Module], flag: bool) -> None:
    """Freeze/unfreeze a network. Under DDP this is what lets D run inside
    the generator step without DDP expecting D's gradients."""
    if module is None:
        return
    for param in module.parameters():
        param.requires_grad_(flag)


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
        yield
    finally:
        for param in params:
            param.requires_grad_(True)


def to_uint8_image(img: torch.Tensor) -> torch.Tensor:
    """[-1, 1] float RGB → uint8 RGB (clamped, rounded)."""
    return ((img.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(
        torch.uint8)


@MODELS.register_module()
class BaseSynthesisGAN(BaseModel):
    """Base of every label-to-photo GAN.

    A method subclass implements :meth:`forward_generator`,
    :meth:`discriminator_losses` and :meth:`generator_losses`; this class
    runs them in the one training step every method shares:

    1. preprocess the batch once;
    2. run the generator once (with gradients when G is updated this step);
    3. update D on the detached fake (inside its optim context);
    4. freeze D, update G on the same fake against the updated D, unfreeze.

    Args:
        generator / discriminator: network configs.
        losses: ``{role: loss config}``; each loss module carries its weight
            and ``loss_name`` (the log key). A method looks roles up by name,
            and a role that is absent or None is simply not used.
        discriminator_steps: G is updated once every this many D updates.
        generator_steps: G updates per G turn.
        disc_init_steps: iterations of D-only training at the start.
    """

    def __init__(self,
                 generator: dict,
                 discriminator: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 losses: Optional[Dict[str, dict]] = None,
                 discriminator_steps: int = 1,
                 generator_steps: int = 1,
                 disc_init_steps: int = 0,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.generator = MODELS.build(generator)
        self.discriminator = MODELS.build(discriminator) \
            if discriminator is not None else None
        self.losses = nn.ModuleDict({
            role: MODELS.build(cfg)
            for role, cfg in (losses or {}).items() if cfg is not None
        })
        self.discriminator_steps = discriminator_steps
        self.generator_steps = generator_steps
        self.disc_init_steps = disc_init_steps

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

    # ---- helpers for methods -------------------------------------------
    def has_loss(self, role: str) -> bool:
        return role in self.losses

    def loss(self, role: str, *args, **kwargs) -> Dict[str, torch.Tensor]:
        """Evaluate the loss of ``role``; returns ``{loss_name: value}``."""
        module = self.losses[role]
        return {module.loss_name: module(*args, **kwargs)}

    @staticmethod
    def detach_outputs(outputs: dict) -> dict:
        return {
            k: v.detach() if isinstance(v, torch.Tensor) else v
            for k, v in outputs.items()
        }

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
        log_vars = {}

        with gen_ow.optim_context(self.generator), \
                torch.set_grad_enabled(update_g):
            outputs = self.forward_generator(inputs)

        if self.discriminator is not None:
            disc_ow = optim_wrapper['discriminator']
            with disc_ow.optim_context(self.discriminator):
                d_losses = self.discriminator_losses(
                    inputs, self.detach_outputs(outputs))
                d_loss, d_log = self.parse_losses(d_losses)
            disc_ow.update_params(d_loss)
            log_vars.update(d_log)
            log_vars['loss_disc'] = log_vars.pop('loss')

        if update_g:
            with frozen(self.discriminator):
                for step in range(self.generator_steps):
                    with gen_ow.optim_context(self.generator):
                        if step > 0:
                            outputs = self.forward_generator(inputs)
                        g_losses = self.generator_losses(inputs, outputs)
                        g_loss, g_log = self.parse_losses(g_losses)
                    gen_ow.update_params(g_loss)
            log_vars.update(g_log)
            log_vars['loss_gen'] = log_vars.pop('loss')
        return log_vars

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

    @torch.no_grad()
    def predict(self, inputs: dict,
                data_samples: Optional[Sequence[SynDataSample]] = None
                ) -> List[SynDataSample]:
        fake = self.forward_generator(inputs)['fake_img']
        fake = to_uint8_image(fake).cpu()
        results = []
        for i in range(fake.shape[0]):
            if data_samples is not None:
                sample = data_samples[i].clone_meta()
            else:
                sample = SynDataSample()
            sample.fake_img = fake[i]
            results.append(sample)
        return results
