"""The names of generator outputs and predicted-sample fields, defined once.

A synthesizer's ``forward_generator`` returns a dict keyed by these names
(tensors on the [-1, 1] image scale unless said otherwise); ``predict``
turns ``fake_img`` -- and the intermediate images a method lists in its
``visual_outputs`` -- into uint8 fields of :class:`SynDataSample`. One name
per meaning across methods: LGGAN and LGGAN cross-view, for example, both
return ``global_img`` / ``local_img`` / ``weight_map`` / ``class_images``.
"""
from typing import Dict

# ---- generator outputs (forward_generator) ------------------------------
FAKE_IMG = 'fake_img'
GLOBAL_IMG = 'global_img'
LOCAL_IMG = 'local_img'
WEIGHT_MAP = 'weight_map'
CLASS_IMAGES = 'class_images'
CLASS_MASKS = 'class_masks'
CLASS_LOGITS = 'class_logits'
CLASS_VALID = 'class_valid'
FAKE_SCALES = 'fake_scales'
FAKE_OUTPUTS = 'fake_outputs'
Z = 'z'
MU = 'mu'
LOGVAR = 'logvar'

# ---- predicted-sample fields besides fake_img -----------------------------
FAKE_IMGS = 'fake_imgs'
LOCAL_WEIGHT = 'local_weight'

#: Every generator output name with its meaning (shapes for batch B).
GENERATOR_OUTPUTS: Dict[str, str] = {
    FAKE_IMG: '(B, 3, H, W) the result: the photo every metric judges',
    GLOBAL_IMG: "(B, 3, H, W) LGGAN's image-level (global) generator image",
    LOCAL_IMG: "(B, 3, H, W) LGGAN's class-level (local) image, Eq. 3",
    WEIGHT_MAP: '(B, 2, H, W) softmaxed (local, global) fusion weights '
    '(LGGAN Eq. 6)',
    CLASS_IMAGES: '(B, K, 3, H, W) the K class generators\' images (LGGAN '
    'Eq. 2)',
    CLASS_MASKS: '(B, K, H, W) 0/1 class masks M_k of the class images',
    CLASS_LOGITS: '(B, K, K) class predictions of the K class features '
    '(LGGAN Eq. 5)',
    CLASS_VALID: '(B, K) class k present in sample b',
    FAKE_SCALES: 'list of (B, 3, H/2^i, W/2^i): the output pyramid, finest '
    'first (Lab2Pix-V1); fake_img is its first entry',
    FAKE_OUTPUTS: '(B, n, 3, H, W) the n images of one forward pass (CRN); '
    'fake_img is image 0',
    Z: "(B, z_dim) SPADE's style code from the VAE encoder (sampled from "
    'mu, logvar)',
    MU: "(B, z_dim) mean of SPADE's VAE style code",
    LOGVAR: "(B, z_dim) log-variance of SPADE's VAE style code",
}

#: Fields of a predicted SynDataSample besides the ground truth (uint8 RGB).
SAMPLE_FIELDS: Dict[str, str] = {
    FAKE_IMG: '(3, H, W) the generated photo',
    FAKE_IMGS: '(K, 3, H, W) K samples for one label map from K generator '
    'runs (tools/test.py --num-samples K; LPIPS diversity)',
    FAKE_OUTPUTS: '(n, 3, H, W) all n images of one forward pass (CRN)',
    LOCAL_WEIGHT: "(3, H, W) grey picture of the local weight "
    "weight_map[:, 0] (white = local), for sample grids",
    GLOBAL_IMG: '(3, H, W) as the generator output, for sample grids',
    LOCAL_IMG: '(3, H, W) as the generator output, for sample grids',
}
