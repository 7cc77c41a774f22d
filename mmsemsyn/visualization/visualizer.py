"""A visualizer that draws label | generated [| intermediates] | real grids."""
from typing import Optional, Sequence

import numpy as np
from mmengine.visualization import Visualizer

from mmsemsyn.registry import VISUALIZERS
from .colorize import colorize_label, make_grid, to_hwc_uint8


def column_title(key: str) -> str:
    """A sample field's column title: ``global_img`` -> ``global``,
    ``local_weight`` -> ``local weight``."""
    for suffix in ('_img', '_image'):
        if key.endswith(suffix):
            key = key[:-len(suffix)]
    return key.replace('_', ' ')


@VISUALIZERS.register_module()
class SynthesisVisualizer(Visualizer):
    """Draws one row per sample: colourised label | fake | the method's
    intermediate images (``visual_keys``, e.g. LGGAN's global image, local
    image and weight map) | real, under a band of column titles (label |
    generated | global | local | local weight | real)."""

    def sample_grid(self, samples: Sequence, palette: Optional[Sequence] = None
                    ) -> np.ndarray:
        rows, titles = [], []
        for s in samples:
            row = [colorize_label(s.gt_label, palette)]
            names = ['label', 'generated']
            row.append(to_hwc_uint8(s.fake_img))
            for key in s.metainfo.get('visual_keys', ()):
                row.append(to_hwc_uint8(s.get(key)))
                names.append(column_title(key))
            if 'gt_img' in s:
                row.append(to_hwc_uint8(s.gt_img))
                names.append('real')
            rows.append(row)
            titles = names if len(names) > len(titles) else titles
        return make_grid(rows, titles=titles)

    def add_samples(self, name: str, samples: Sequence, step: int = 0,
                    palette: Optional[Sequence] = None) -> np.ndarray:
        grid = self.sample_grid(samples, palette)
        self.add_image(name, grid, step=step)
        return grid
