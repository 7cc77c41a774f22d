"""Writes sample grids (label | generated | real) during training."""
import contextlib
import os.path as osp
import random
from typing import Optional

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmsemsyn.datasets.transforms.randomness import (
    get_pipeline_rng_state,
    set_pipeline_rng_state,
)
from mmsemsyn.fileio import write_image
from mmsemsyn.registry import HOOKS


@contextlib.contextmanager
def preserve_rng_state():
    """Run a block without advancing Python/NumPy/torch(CPU) random state
    nor the data pipeline's stream (random crops/flips)."""
    py_state, np_state = random.getstate(), np.random.get_state()
    torch_state = torch.get_rng_state()
    pipeline_state = get_pipeline_rng_state()
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        torch.set_rng_state(torch_state)
        set_pipeline_rng_state(pipeline_state)


@HOOKS.register_module()
class SynthesisVisualizationHook(Hook):
    """Every ``interval`` iterations (and after the last), generate images
    for a fixed set of training samples and write the grid to
    ``<work_dir>/vis/iter_<n>.png`` and to the visualizer's backends.

    A fixed set (the first ``num_samples`` of the dataset, drawn through its
    pipeline once) makes the grids comparable across iterations.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 1000, num_samples: int = 4,
                 out_dir: Optional[str] = None):
        self.interval = interval
        self.num_samples = num_samples
        self.out_dir = out_dir
        self._batch = None

    def _fixed_batch(self, runner):
        if self._batch is None:
            dataset = runner.train_dataloader.dataset
            n = min(self.num_samples, len(dataset))
            # Random transforms (flips) of these samples must not consume
            # the training stream, or a resumed run would diverge.
            with preserve_rng_state():
                self._batch = pseudo_collate([dataset[i] for i in range(n)])
        return self._batch

    def _write(self, runner, step: int):
        if runner.rank != 0:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        was_training = model.training
        model.eval()
        with torch.no_grad():
            samples = model.val_step(self._fixed_batch(runner))
        model.train(was_training)
        palette = runner.train_dataloader.dataset.metainfo.get('palette')
        grid = runner.visualizer.add_samples('samples', samples, step=step,
                                             palette=palette)
        out_dir = self.out_dir or osp.join(runner.work_dir, 'vis')
        write_image(grid, osp.join(out_dir, f'iter_{step:07d}.png'))

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        step = runner.iter + 1
        if self.every_n_train_iters(runner, self.interval) or \
                step == runner.max_iters:
            self._write(runner, step)
