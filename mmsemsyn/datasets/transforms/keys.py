"""The one definition of the keys a sample's maps and photos live under.

A loading transform stores each array under one of these ``results`` keys;
the geometric transforms move every one of them that a sample holds (the
same window, the same flip), resizing maps nearest-neighbour and photos with
the method's interpolation; :class:`PackSynInputs` packs each into
``inputs[<input name>]``; the data preprocessor normalises every photo
input to [-1, 1] and turns the label into one-hot channels. A new kind of
image (e.g. a style photo) is added here once, not on every transform.
"""
from typing import Dict, Optional, Sequence, Tuple

# Id maps -> packed input name. Never interpolated: nearest-neighbour only,
# so ids stay ids.
MAP_KEYS: Dict[str, str] = {
    'gt_label': 'label',  # semantic label ids (H, W)
    'gt_inst': 'inst',  # instance ids (H, W), e.g. Cityscapes 26001
    # the denoising GAN's numbered thing instances (ThingInstanceIds)
    'gt_thing_inst': 'thing_inst',
}
# Photos (uint8 RGB (H, W, 3)) -> packed input name. Resized with the
# transform's interpolation (bicubic, as the official codes).
IMAGE_KEYS: Dict[str, str] = {
    'gt_img': 'img',  # the target photo
    'source_img': 'source_img',  # cross-view: the other view's photo
    'target_semantic': 'target_semantic',  # cross-view: colour semantic map
    'label_img': 'label_img',  # pix2pix: the colour label as an image
}
SAMPLE_KEYS: Dict[str, str] = {**MAP_KEYS, **IMAGE_KEYS}
# The packed photo inputs the data preprocessor normalises.
IMAGE_INPUTS: Tuple[str, ...] = tuple(IMAGE_KEYS.values())


def present_keys(results: dict,
                 keys: Optional[Sequence[str]] = None) -> Tuple[str, ...]:
    """The keys a transform acts on: ``keys`` (each must be a defined key)
    or, when None, every defined key the sample holds -- maps first, then
    photos, in the order above (the order ``inputs`` are packed in).

    Raises:
        KeyError: a key of ``keys`` is not defined here (names the fix).
    """
    if keys is None:
        return tuple(k for k in SAMPLE_KEYS if k in results)
    unknown = [k for k in keys if k not in SAMPLE_KEYS]
    if unknown:
        raise KeyError(
            f'Unknown sample key(s) {unknown}: the transforms know '
            f'{sorted(SAMPLE_KEYS)}. Add a new kind of map or photo to '
            'MAP_KEYS / IMAGE_KEYS in mmsemsyn/datasets/transforms/keys.py.')
    return tuple(k for k in keys if k in results)


def check_keys_arg(keys: Optional[Sequence[str]]) -> Optional[tuple]:
    """Validate a transform's ``keys`` argument when it is built."""
    if keys is None:
        return None
    if isinstance(keys, str):
        keys = (keys, )
    present_keys({}, keys)
    return tuple(keys)
