"""Helpers shared by the metrics: exact distributed reduction, devices."""
from typing import List, Sequence

import torch


def unique_by_index(results: Sequence[dict], key: str = 'sample_idx'
                    ) -> List[dict]:
    """Drop duplicated samples and restore dataset order.

    mmengine's ``DefaultSampler`` pads the last round with repeats of the
    first samples so that every rank gets the same count; ``collect_results``
    only truncates them away when the results arrive in dataset order. Every
    per-sample result here carries its dataset index, so we deduplicate by
    that index instead -- the numbers then equal the single-process ones for
    any process count. Results without an index are kept as they are.
    """
    if not results or any(r.get(key) is None for r in results):
        return list(results)
    seen = {}
    for r in results:
        seen.setdefault(int(r[key]), r)
    return [seen[i] for i in sorted(seen)]


def sample_index(sample) -> int:
    """The dataset index of a data sample (None when unknown)."""
    meta = sample.get('metainfo', sample) if isinstance(sample, dict) \
        else sample.metainfo
    idx = meta.get('sample_idx', None) if isinstance(meta, dict) else None
    return None if idx is None else int(idx)


def get_field(sample, key: str):
    """A data field of a SynDataSample or of its ``to_dict()`` form."""
    if isinstance(sample, dict):
        if key not in sample:
            raise KeyError(f'The data sample has no {key!r} field (fields: '
                           f'{sorted(k for k in sample if k != "metainfo")}).')
        return sample[key]
    if key not in sample:
        raise KeyError(f'The data sample has no {key!r} field.')
    return getattr(sample, key)


def default_device() -> torch.device:
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
