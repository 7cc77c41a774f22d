"""A visualizer that draws label | generated [| intermediates] | real grids."""
from typing import Optional, Sequence

import numpy as np
from mmengine.visualization import Visualizer

from mmsemsyn.registry import VISUALIZERS
from .colorize import colorize_label, make_grid, to_hwc_uint8


@VISUALIZERS.register_module()
class SynthesisVisualizer(Visualizer):
    """Draws one row per sample: colourised label | fake | the method's
    intermediate images (``visual_keys``, e.g. LGGAN's global image, local
    image and weight map) | real."""

    def sample_grid(self, samples: Sequence, palette: Optional[Sequence] = None
                    ) -> np.ndarray:
        rows = []
        for s in samples:
            row = [colorize_label(s.gt_label, palette)]
            row.append(to_hwc_uint8(s.fake_img))
            for key in s.metainfo.get('visual_keys', ()):
                row.append(to_hwc_uint8(s.get(key)))
            if 'gt_img' in s:
                row.append(to_hwc_uint8(s.gt_img))
            rows.append(row)
        return make_grid(rows)

    def add_samples(self, name: str, samples: Sequence, step: int = 0,
                    palette: Optional[Sequence] = None) -> np.ndarray:
        grid = self.sample_grid(samples, palette)
        self.add_image(name, grid, step=step)
        return grid
