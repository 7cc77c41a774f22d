"""pix2pixHD (Wang et al., "High-Resolution Image Synthesis and Semantic
Manipulation with Conditional GANs", CVPR 2018).

Objective (Eq. 4 + Sec. 3.3): min_G [ sum_k L_GAN(G, D_k)
+ lambda * sum_k L_FM(G, D_k) ] + lambda * L_VGG, with multi-scale D_k
(Eq. 3), LSGAN losses and lambda = 10. As in the official code:

- the GAN terms are *summed* over the scales (``GANLoss`` with
  ``scale_reduction='sum'``); the D loss is ``0.5 * (fake + real)``;
- L_FM (Eq. 4) is weighted ``4 / (n_layers + 1) * 1 / num_D * lambda``;
- L_VGG reuses lambda (= 10), layer weights 1/32 .. 1, inputs in [-1, 1];
- D sees concat(one-hot + instance edges, image) -- never the instance
  features, which only G receives (Sec. 3.4).

Loss roles: ``gan`` (G), ``gan_disc`` (D, weight 0.5), ``feat`` (FM),
``vgg`` (perceptual); a role left out is not used (``--no_ganFeat_loss``,
``--no_vgg_loss``).
"""
import os.path as osp
from typing import Optional

import torch

from mmsemsyn.registry import MODELS
from .base_synthesis_gan import unfrozen
from .pix2pix import Pix2Pix


def _detach_nested(pred):
    """Detach every tensor of a (multi-scale, multi-layer) D output."""
    if isinstance(pred, torch.Tensor):
        return pred.detach()
    return type(pred)(_detach_nested(p) for p in pred)


@MODELS.register_module()
class Pix2PixHD(Pix2Pix):
    """pix2pixHD synthesizer.

    Args:
        encoder: optional ``InstanceFeatureEncoder`` config (Sec. 3.4). Its
            ``feat_num`` channels are appended to G's input; it is trained
            in G's optimizer (``modules=['generator', 'encoder']``).
        pretrained_global: checkpoint of a trained *global* pix2pixHD model
            (an mmsemsyn checkpoint with ``generator.model.*`` keys, or the
            official ``latest_net_G.pth``); its generator is loaded into the
            inner global generator of a ``LocalEnhancer`` (and its encoder,
            if both have one). Loaded by ``init_weights`` (which the
            Runner calls before it loads/resumes a checkpoint, so a resumed
            run's own weights win); building the model for inference or a
            parameter count does not need the file.
        test_features: where G's instance features come from in ``predict``:
            'auto' (cluster centres when the encoder has them, else the
            encoded real photo), 'cluster' or 'encode'.
        share_real_prediction: run D on the real image once per training
            step (default; issue 14 item 2): in the official order (G, then
            D on the same fake) D does not change between the G loss's
            feature matching and the D loss, so one D(real) with D's graph
            serves both (detached for feature matching). The official code
            makes the same three D calls (fake for D, real, fake for G);
            False runs D(real) twice (once without grad for feature
            matching), the previous behaviour -- equal values either way.
    """

    # The official steps G, then D on the same fake (one forward pass).
    default_update_order = 'g_then_d'

    def __init__(self, generator: dict, discriminator: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 losses: Optional[dict] = None,
                 encoder: Optional[dict] = None,
                 pretrained_global: Optional[str] = None,
                 test_features: str = 'auto',
                 share_real_prediction: bool = True, **kwargs):
        super().__init__(generator=generator, discriminator=discriminator,
                         data_preprocessor=data_preprocessor, losses=losses,
                         **kwargs)
        self.encoder = MODELS.build(encoder) if encoder is not None \
            else None
        if test_features not in ('auto', 'cluster', 'encode'):
            raise ValueError(f'test_features must be auto, cluster or '
                             f'encode, got {test_features!r}')
        self.test_features = test_features
        self.share_real_prediction = share_real_prediction
        self.pretrained_global = pretrained_global
        self._check_channels()
        if pretrained_global is not None and not hasattr(
                self.generator, 'enhancer_prefixes'):
            raise TypeError(
                'pretrained_global loads a global generator into the inner '
                'G1 of a LocalEnhancer, but this model\'s generator is '
                f'{type(self.generator).__name__}; use load_from instead.')

    def _check_channels(self):
        semantic_nc = getattr(self.data_preprocessor, 'semantic_nc', None)
        in_channels = getattr(self.generator, 'in_channels', None)
        if semantic_nc is None or in_channels is None:
            return
        feat = self.encoder.feat_num if self.encoder is not None else 0
        if semantic_nc + feat != in_channels:
            raise ValueError(
                f'generator.in_channels={in_channels} but the data '
                f'preprocessor gives {semantic_nc} label channels + {feat} '
                f'instance-feature channels = {semantic_nc + feat}; set '
                f'generator.in_channels={semantic_nc + feat}.')

    # ---- weights ---------------------------------------------------------
    def init_weights(self):
        super().init_weights()
        if self.pretrained_global is not None:
            self.load_pretrained_global(self.pretrained_global)

    def load_pretrained_global(self, path: str) -> None:
        """Copy a global model's G1 into this LocalEnhancer (the official
        ``--load_pretrain`` of the 1024p stage)."""
        from mmengine.runner import CheckpointLoader
        if not hasattr(self.generator, 'enhancer_prefixes'):
            raise TypeError(
                'pretrained_global loads a global generator into the inner '
                'G1 of a LocalEnhancer, but this model\'s generator is '
                f'{type(self.generator).__name__}; use load_from instead.')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'pretrained_global checkpoint {path!r} does not exist; '
                'train the global (512p) config first and pass its '
                'checkpoint.')
        ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        # An mmsemsyn checkpoint prefixes G's keys; the official
        # latest_net_G.pth is G's own state dict.
        prefix = 'generator.' if any(
            k.startswith('generator.') for k in state) else ''
        source = {k[len(prefix):]: v for k, v in state.items()
                  if k.startswith(prefix)}
        if not any(k.startswith('model.') for k in source) or any(
                k.startswith('model1_') for k in source):
            raise ValueError(
                f'{path!r} is not a pix2pixHD *global* generator checkpoint '
                '(expected generator.model.<i>.* keys and no model1_* '
                'enhancer keys).')
        target = {k: v for k, v in self.generator.state_dict().items()
                  if k.startswith('model.')}
        mismatched = [
            f'{k}: {tuple(source[k].shape)} vs {tuple(v.shape)}'
            if k in source else f'{k}: missing'
            for k, v in target.items()
            if k not in source or source[k].shape != v.shape
        ]
        if mismatched:
            raise ValueError(
                f'{path!r} does not match this LocalEnhancer\'s inner global '
                f'generator ({len(mismatched)} tensors differ, e.g. '
                f'{mismatched[:3]}). The global model must have the same '
                'label channels, ngf = local ngf * 2**n_local_enhancers, '
                'n_downsample_global and n_blocks_global.')
        with torch.no_grad():
            params = self.generator.state_dict()
            for k in target:
                params[k].copy_(source[k])
        if self.encoder is not None:
            enc = {k[len('encoder.'):]: v for k, v in state.items()
                   if k.startswith('encoder.')}
            if enc:
                self.encoder.load_state_dict(enc, strict=True)

    # ---- G -----------------------------------------------------------
    def instance_features(self, inputs: dict) -> Optional[torch.Tensor]:
        """E's feature map: encoded from the real photo while training (and
        for 'encode'), sampled from the cluster centres at test time."""
        if self.encoder is None:
            return None
        if 'inst' not in inputs:
            raise KeyError('pix2pixHD instance features need instance maps: '
                           'add LoadInstanceMap to the pipeline.')
        mode = self.test_features
        if self.training or mode == 'encode' or (
                mode == 'auto' and not self.encoder.has_clusters):
            if 'img' not in inputs:
                raise KeyError(
                    'The instance-feature encoder needs the real photo to '
                    'encode; without one, cluster the features first (tools/'
                    'analysis_tools/pix2pixhd_cluster_features.py) and set '
                    'model.encoder.cluster_file.')
            return self.encoder(inputs['img'], inputs['inst'])
        generator = None
        if inputs.get('style_seed') is not None:
            generator = torch.Generator().manual_seed(
                int(inputs['style_seed']))
        return self.encoder.sample_features(
            inputs['inst'], inputs.get('style_indices'), generator).to(
                inputs['semantics'])

    def forward_generator(self, inputs: dict) -> dict:
        x = inputs['semantics']
        feats = self.instance_features(inputs)
        if feats is not None:
            x = torch.cat([x, feats], 1)
        return dict(fake_img=self.generator(x))

    # ---- D and losses -------------------------------------------------
    # D sees concat(label (+ edges), image) and its loss is pix2pix's
    # (separate fake/real passes, ``gan_disc`` weighted 0.5).
    _REAL_PRED = '_shared_d_real_pred'

    def _shares_real_prediction(self) -> bool:
        # Only while training in the official order: G's losses, then the
        # D step on the *same* D weights (nothing updates D in between).
        return (self.share_real_prediction and self.training
                and self.update_order == 'g_then_d'
                and self.discriminator is not None
                and torch.is_grad_enabled())

    def real_prediction_for_feature_matching(self, inputs: dict):
        """D(real) for the G step's feature matching. When the D step
        follows on the same D (see ``share_real_prediction``), it is
        computed once here *with* D's graph and kept in ``inputs`` for
        :meth:`discriminator_losses`; feature matching gets it detached."""
        if not self._shares_real_prediction():
            with torch.no_grad():
                return self.discriminate(inputs['semantics'], inputs['img'])
        if self._REAL_PRED not in inputs:
            # D is frozen during the G step; its graph is for the D loss.
            with unfrozen(getattr(self, '_frozen_disc_params', ())):
                inputs[self._REAL_PRED] = self.discriminate(
                    inputs['semantics'], inputs['img'])
        return _detach_nested(inputs[self._REAL_PRED])

    def discriminator_losses(self, inputs, outputs):
        pred_real = inputs.pop(self._REAL_PRED, None)
        if pred_real is None:
            return super().discriminator_losses(inputs, outputs)
        return self.adversarial_d_losses(
            self.discriminate(inputs['semantics'], outputs['fake_img']),
            pred_real)

    def generator_losses(self, inputs, outputs):
        fake = outputs['fake_img']
        real = inputs['img']
        pred_fake = self.discriminate(inputs['semantics'], fake)
        losses = self.loss('gan', pred_fake, True)
        if self.has_loss('feat'):
            pred_real = self.real_prediction_for_feature_matching(inputs)
            losses.update(self.loss('feat', pred_fake, pred_real))
        if self.has_loss('vgg'):
            losses.update(self.loss('vgg', fake, real))
        return losses
