"""Batch → model inputs on the device: images to [-1, 1], labels to one-hot."""
from typing import Optional

import torch
from mmengine.model import BaseDataPreprocessor

from mmsemsyn.datasets.transforms.keys import IMAGE_INPUTS
from mmsemsyn.registry import MODELS
from .class_noise import ClassNoise
from .semantic_noise import SemanticInputNoise
from .thing_instance import ThingInstanceMap


def instance_edge_map(inst: torch.Tensor) -> torch.Tensor:
    """Instance boundaries: 1 where any 4-neighbour has another instance id.

    Args:
        inst: (B, H, W) or (B, 1, H, W) integer instance ids.
    Returns:
        (B, 1, H, W) float map of 0/1.
    """
    if inst.dim() == 3:
        inst = inst.unsqueeze(1)
    edge = torch.zeros_like(inst, dtype=torch.bool)
    horizontal = inst[..., :, 1:] != inst[..., :, :-1]
    vertical = inst[..., 1:, :] != inst[..., :-1, :]
    edge[..., :, 1:] |= horizontal
    edge[..., :, :-1] |= horizontal
    edge[..., 1:, :] |= vertical
    edge[..., :-1, :] |= vertical
    return edge.float()


@MODELS.register_module()
class SynDataPreprocessor(BaseDataPreprocessor):
    """Turns packed samples into the tensors every synthesizer consumes.

    Output ``inputs`` dict:

    - ``semantics``: (B, C, H, W) float, the generator/discriminator label
      input: one-hot over ``num_classes`` (+1 dontcare channel when
      ``dontcare_label`` is set) (+1 instance-edge channel when
      ``use_instance_edges``). ``C == semantic_nc``.
    - ``label``: (B, H, W) int64 ids; dontcare pixels carry ``num_classes``.
    - ``inst``: (B, H, W) int64 instance ids (when the samples have them).
    - ``edges``: (B, 1, H, W) instance boundaries (when ``use_instance_edges``).
    - ``img``: (B, 3, H, W) float RGB in [-1, 1] (when samples have photos),
      and the same for every other photo input the samples carry
      (``IMAGE_INPUTS`` of :mod:`mmsemsyn.datasets.transforms.keys`: the
      cross-view ``source_img`` / ``target_semantic``, ``label_img``).

    Labels are never normalised as images. Label ids are checked where the
    file is read (``LoadLabelMap``: an id outside ``[0, num_classes)`` other
    than ``dontcare_label`` raises an error naming the file), not here: a
    check in every training step reads the batch on the host (issue 14
    item 3) and breaks ``torch.compile``'s graph.

    Args:
        num_classes: number of semantic classes (``label_nc``).
        dontcare_label: raw id of "unlabeled" pixels, mapped to an extra
            channel (SPADE's ``contain_dontcare_label``). None: no such channel.
        use_instance_edges: append the instance-boundary channel.
        class_noise: the diversity loss's per-class noise channel (Yang et
            al., TIP 2019), e.g. ``dict(sampler='uniform',
            eval_noise='random')``; None: off. When on, ``semantics`` gets
            one more (last) channel, ``inputs['class_noise']`` holds the
            (B, C) scalars, and training batches are doubled into
            ``G(l, 0)`` / ``G(l, n)`` pairs -- see
            :class:`~mmsemsyn.models.data_preprocessors.class_noise.ClassNoise`.
        semantic_noise: the denoising GAN's noisy input, Gaussian noise on
            the one-hot channels, e.g. ``dict(std=0.1, test_mode='seeded')``
            (:class:`~mmsemsyn.models.data_preprocessors.semantic_noise.SemanticInputNoise`);
            None: off. When on, ``inputs['semantics_clean']`` keeps the
            noise-free input (what the denoising GAN's D sees).
        thing_instance: the denoising GAN's thing-class instance channel,
            e.g. ``dict(thing_classes=[26])`` (Cityscapes cars), appended
            after the instance-edge channel (:class:`~mmsemsyn.models.
            data_preprocessors.thing_instance.ThingInstanceMap`); from the
            instance map when the samples carry one, else from connected
            components of the layout; numbered in the data pipeline by
            ``ThingInstanceIds`` (no host read in the step) or, without
            it, here from the host batch. None: off.
        check_labels: also check the ids of every batch here, on the host,
            before the device copy (:meth:`check_label`) -- for data that
            does not come through ``LoadLabelMap``'s check. Off by default.
    """

    def __init__(self,
                 num_classes: int,
                 dontcare_label: Optional[int] = None,
                 use_instance_edges: bool = False,
                 class_noise: Optional[dict] = None,
                 semantic_noise: Optional[dict] = None,
                 thing_instance: Optional[dict] = None,
                 check_labels: bool = False,
                 non_blocking: bool = False):
        super().__init__(non_blocking=non_blocking)
        self.num_classes = num_classes
        self.dontcare_label = dontcare_label
        self.use_instance_edges = use_instance_edges
        self.check_labels = check_labels
        self.class_noise = None if class_noise is None else ClassNoise(
            num_classes, **class_noise)
        self.semantic_noise = None if semantic_noise is None else \
            SemanticInputNoise(**semantic_noise)
        self.thing_instance = None if thing_instance is None else \
            ThingInstanceMap(num_classes=num_classes, **thing_instance)

    @property
    def semantic_nc(self) -> int:
        return (self.num_classes + int(self.dontcare_label is not None) +
                int(self.use_instance_edges) +
                int(self.class_noise is not None) +
                int(self.thing_instance is not None))

    @staticmethod
    def normalize_image(img: torch.Tensor) -> torch.Tensor:
        """uint8 [0, 255] → float [-1, 1]."""
        return img.float() / 127.5 - 1.0

    def _stack(self, items):
        if isinstance(items, torch.Tensor):
            return items
        return torch.stack(list(items))

    def check_label(self, label: torch.Tensor, data_samples=None) -> None:
        """Raise ``ValueError`` naming the label file of the first sample
        with an id outside ``[0, num_classes)`` (other than
        ``dontcare_label``); :func:`~mmsemsyn.datasets.transforms.loading.
        check_label_ids` on the host copy of each sample."""
        from mmsemsyn.datasets.transforms.loading import check_label_ids
        for i in range(label.shape[0]):
            name = '<unknown file>'
            if data_samples is not None and i < len(data_samples):
                name = data_samples[i].metainfo.get('label_path', name)
            check_label_ids(label[i].cpu().numpy(), self.num_classes,
                            self.dontcare_label, name)

    def _number_thing_instances(self, data: dict, host_label) -> None:
        """``inputs['thing_inst']``: the numbers the pipeline's
        ``ThingInstanceIds`` packed (checked against ``thing_instance``'s
        options), else numbered here from the host batch -- before the
        device copy, so the host never waits for the device."""
        self.thing_instance.check_source(data.get('data_samples'))
        if data['inputs'].get('thing_inst') is not None:
            return
        label = host_label[:, 0] if host_label.dim() == 4 else host_label
        inst = data['inputs'].get('inst')
        if inst is not None:
            inst = self._stack(inst)
            inst = inst[:, 0] if inst.dim() == 4 else inst
        data['inputs']['thing_inst'] = self.thing_instance.number(label,
                                                                  inst)

    def one_hot(self, label: torch.Tensor) -> torch.Tensor:
        """(B, H, W) ids (dontcare already mapped) → (B, C, H, W) float."""
        channels = self.num_classes + int(self.dontcare_label is not None)
        out = torch.zeros(label.shape[0], channels, *label.shape[1:],
                          device=label.device)
        return out.scatter_(1, label.unsqueeze(1), 1.0)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = dict(data, inputs=dict(data['inputs']))
        host_label = self._stack(data['inputs']['label'])
        if self.check_labels:
            # on the host batch, before it moves to the device: a check of
            # the device copy would make the host wait for the device
            self.check_label(host_label, data.get('data_samples'))
        if self.thing_instance is not None:
            self._number_thing_instances(data, host_label)
        data['inputs']['label'] = host_label
        data = self.cast_data(data)
        raw = data['inputs']
        data_samples = data.get('data_samples')
        inputs = {}

        label = raw['label'].long()
        if label.dim() == 4:
            label = label[:, 0]
        if self.dontcare_label is not None:
            label = label.masked_fill(label == self.dontcare_label,
                                      self.num_classes)
        inputs['label'] = label
        semantics = [self.one_hot(label)]

        if 'inst' in raw and raw['inst'] is not None:
            inst = self._stack(raw['inst']).long()
            if inst.dim() == 4:
                inst = inst[:, 0]
            inputs['inst'] = inst
        if self.use_instance_edges:
            if 'inst' not in inputs:
                raise KeyError(
                    'use_instance_edges=True but the samples carry no '
                    'instance map: add LoadInstanceMap to the pipeline or set '
                    'use_instance_edges=False.')
            inputs['edges'] = instance_edge_map(inputs['inst'])
            semantics.append(inputs['edges'])
        if self.thing_instance is not None:
            semantics.append(self.thing_instance(
                ids=self._stack(raw['thing_inst']).long()))
        if self.semantic_noise is not None:
            inputs['semantics_clean'] = torch.cat(semantics, dim=1)
            semantics[0] = self.semantic_noise(semantics[0], training)
        inputs['semantics'] = torch.cat(semantics, dim=1)

        for key in IMAGE_INPUTS:
            if key in raw and raw[key] is not None:
                inputs[key] = self.normalize_image(self._stack(raw[key]))
        if self.class_noise is not None:
            inputs = self.class_noise(inputs, training)
        return dict(inputs=inputs, data_samples=data_samples)
