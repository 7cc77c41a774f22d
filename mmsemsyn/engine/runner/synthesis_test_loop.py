"""Test loop: K generated samples per label map, optional PNG export."""
import os
import os.path as osp
import shutil
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.dist import barrier, is_main_process
from mmengine.runner import TestLoop

from mmsemsyn.registry import LOOPS


def _sample_name(sample, fallback: int) -> str:
    """The input's stem without its role suffix (``00000_label`` ->
    ``00000``): the role is the folder (``fake/``, ``real/``, ``label/``)."""
    from mmsemsyn.utils import sample_stem
    meta = sample.metainfo
    for key in ('label_path', 'img_path'):
        path = meta.get(key)
        if path:
            return sample_stem(path)
    idx = meta.get('sample_idx', fallback)
    return f'{int(idx):06d}'


class IdenticalSamplesWarning(UserWarning):
    """``--num-samples K`` gave K identical samples per label map."""


@LOOPS.register_module()
class SynthesisTestLoop(TestLoop):
    """``TestLoop`` that can draw several samples per input and save PNGs.

    Args:
        num_samples: K generator runs per batch (different noise / styles,
            for the LPIPS diversity score). Sample k runs under the seed
            ``seed + 1000003 * k + first sample index of the batch`` so that
            results are reproducible; sample 0 runs under the ambient RNG
            state, i.e. exactly as with K = 1. Each output keeps ``fake_img``
            (sample 0) and gets ``fake_imgs`` (K, 3, H, W) uint8, which
            ``LPIPSDiversity`` compares and ``SegmentationScore`` scores
            in full (its ``score_samples``). A model whose
            predictions carry ``fake_outputs`` (n images of one forward
            pass: CRN) gives its first K of them instead (K <= n).
        save_dir: write ``fake/``, ``real/``, ``label/``, ``label_color/`` (and
            ``fake_samples/`` for K > 1) PNGs there. They are written into
            ``<save_dir>.tmp`` and moved into place only when the whole
            test set is done, so a failed run leaves no partial folder.
        seed: base seed of samples 1..K-1.
        progress: a bar over the batches (generation and every metric's
            feature extraction -- Inception for FID, the segmenter) on
            stderr of the main process; None: only when stderr is a
            terminal (``MMSEMSYN_PROGRESS=1`` forces it).
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 num_samples: int = 1, save_dir: Optional[str] = None,
                 seed: int = 0, progress: Optional[bool] = None):
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        self.progress = progress
        if num_samples < 1:
            raise ValueError(f'num_samples must be >= 1, got {num_samples}')
        self.num_samples = num_samples
        self.save_dir = save_dir
        self.seed = seed
        self.palette = (self.dataloader.dataset.metainfo or {}).get(
            'palette') if hasattr(self.dataloader.dataset, 'metainfo') \
            else None

    @property
    def tmp_dir(self) -> str:
        return self.save_dir.rstrip('/') + '.tmp'

    def run(self) -> dict:
        from mmsemsyn.progress import Progress
        # One bar on the main process: batches of this rank's shard.
        self._bar = Progress(len(self.dataloader),
                             self.progress if is_main_process() else False)
        if self.save_dir and is_main_process():
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            os.makedirs(self.tmp_dir)
        barrier()
        try:
            metrics = super().run()
            self._bar.close()
        except BaseException:
            if self.save_dir and is_main_process():
                shutil.rmtree(self.tmp_dir, ignore_errors=True)
            raise
        barrier()
        if self.save_dir and is_main_process():
            if osp.exists(self.save_dir):
                shutil.rmtree(self.save_dir)
            os.replace(self.tmp_dir, self.save_dir)
        return metrics

    def _predict_samples(self, data_batch) -> list:
        model = self.runner.model
        outputs = model.test_step(data_batch)
        if self.num_samples == 1:
            return outputs
        if 'fake_outputs' in outputs[0]:
            return self._take_outputs(outputs)
        first = outputs[0].metainfo.get('sample_idx', 0) or 0
        extra = [torch.stack([o.fake_img for o in outputs])]
        devices = [torch.cuda.current_device()] if \
            torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=devices):
            for k in range(1, self.num_samples):
                torch.manual_seed(self.seed + 1000003 * k + int(first))
                more = model.test_step(data_batch)
                extra.append(torch.stack([o.fake_img for o in more]))
        stacked = torch.stack(extra, 1)  # (B, K, 3, H, W)
        self._check_samples_differ(stacked)
        for out, imgs in zip(outputs, stacked):
            out.fake_imgs = imgs
        return outputs

    def _check_samples_differ(self, stacked: torch.Tensor) -> None:
        """Warn once (:class:`IdenticalSamplesWarning`, first batch only)
        when the K samples (B, K, 3, H, W) are all equal: the model draws no
        noise at test time, so K-sample scores silently equal K = 1 and the
        LPIPS diversity is 0."""
        if getattr(self, '_samples_checked', False):
            return
        self._samples_checked = True
        if all(torch.equal(stacked[:, 0], stacked[:, k])
               for k in range(1, stacked.shape[1])):
            import warnings
            warnings.warn(
                f'--num-samples {self.num_samples}: the {self.num_samples} '
                'samples of the first batch are identical -- this model '
                'draws no noise at test time (e.g. the denoising GAN\'s '
                "semantic_noise.test_mode='seeded' or 'none', or a generator "
                'without a noise input), so the diversity score is 0 and '
                'the K-sample scores equal one sample\'s. For stochastic '
                'samples use the model\'s test-time noise option (e.g. '
                '--cfg-options model.data_preprocessor.semantic_noise.'
                'test_mode=random).', IdenticalSamplesWarning)

    def _take_outputs(self, outputs: list) -> list:
        """Multi-output generators (CRN, n images per forward pass): the K
        samples are the first K of the ``fake_outputs`` of one pass."""
        n = outputs[0].fake_outputs.shape[0]
        if self.num_samples > n:
            raise ValueError(
                f'--num-samples {self.num_samples} asks for more samples than '
                f'the {n} images the generator makes per label map '
                f'(num_outputs={n}); use --num-samples <= {n}.')
        for out in outputs:
            out.fake_imgs = out.fake_outputs[:self.num_samples]
        return outputs

    @torch.no_grad()
    def run_iter(self, idx, data_batch: Sequence[dict]) -> None:
        from mmengine.runner.amp import autocast
        self.runner.call_hook('before_test_iter', batch_idx=idx,
                              data_batch=data_batch)
        with autocast(enabled=self.fp16):
            outputs = self._predict_samples(data_batch)
        if self.save_dir:
            self._save(outputs, idx)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook('after_test_iter', batch_idx=idx,
                              data_batch=data_batch, outputs=outputs)
        bar = getattr(self, '_bar', None)
        if bar is not None:
            bar.update()

    def _save(self, outputs, batch_idx: int) -> None:
        from mmsemsyn.fileio import write_image
        from mmsemsyn.visualization.colorize import (
            colorize_label,
            to_hwc_uint8,
        )

        def write(sub, name, array):
            # Padded duplicates of the distributed sampler may write the
            # same file from two ranks: the writer renames atomically.
            write_image(array, osp.join(self.tmp_dir, sub, name + '.png'))

        for i, out in enumerate(outputs):
            name = _sample_name(out, batch_idx * len(outputs) + i)
            write('fake', name, to_hwc_uint8(out.fake_img))
            if 'gt_img' in out:
                write('real', name, to_hwc_uint8(out.gt_img))
            if 'gt_label' in out:
                write('label_color', name,
                      colorize_label(out.gt_label, self.palette))
                # The ids themselves (8-bit, or 16-bit past 255), so the
                # label maps can be fed to tools/infer.py or other tools.
                ids = out.gt_label[0].cpu().numpy()
                ids = ids.astype(np.uint8 if ids.max() < 256 else np.uint16)
                write('label', name, ids)
            if 'fake_imgs' in out:
                for k, img in enumerate(out.fake_imgs):
                    write('fake_samples', f'{name}_{k}', to_hwc_uint8(img))
