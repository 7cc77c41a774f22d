"""The random stream of the data pipeline (random crops, flips, unpaired
photo draws): one numpy generator per process, seeded through mmengine.

Why not Python's ``random``, nor numpy's global generator:

- mmengine seeds every process it controls -- the main process with
  ``randomness.seed`` and each data-loader worker with its own
  ``worker_init_fn`` seed -- and torch's ``DataLoader`` seeds its workers
  even without it. ``torch.initial_seed()`` reads that seed back in every
  one of those processes, so a generator seeded from it is reproducible
  under a config's seed and differs between workers, without any global
  state of its own.
- The generator is a numpy ``RandomState`` (MT19937) keyed with the seed's
  32-bit words, least significant first, and the draws below use the
  53-bit floats and the rejection sampling of CPython's ``random`` module
  (3.11). The decisions therefore equal those the transforms made when they
  drew from Python's ``random`` under the same mmengine seed, so the random
  crops and flips of earlier runs (and the step fingerprints of
  ``tools/analysis_tools/step_fingerprint.py``) are unchanged.
- A random transform (or an unpaired dataset drawing from this stream)
  restarts the stream when it is built: a pipeline built after
  ``Runner`` seeds starts from the seed, as Python's re-seeded ``random``
  did, also when several runners live in one process.
"""
import os
from typing import Optional, Sequence

import numpy as np

_STREAM = dict(pid=None, rng=None)


def seed_words(seed: int) -> list:
    """A seed as the 32-bit words (least significant first) that key the
    MT19937 state; ``init_by_array`` with these words gives CPython's
    ``random.seed(seed)`` state."""
    seed = abs(int(seed))
    words = []
    while True:
        words.append(seed & 0xFFFFFFFF)
        seed >>= 32
        if not seed:
            return words


def make_rng(seed: int) -> np.random.RandomState:
    """A generator of its own (e.g. ``UnpairedDataset(seed=...)``)."""
    return np.random.RandomState(seed_words(seed))


def pipeline_rng() -> np.random.RandomState:
    """This process's pipeline generator, created on first use from the
    seed mmengine (or torch's ``DataLoader``) gave this process."""
    import torch
    pid = os.getpid()
    if _STREAM['pid'] != pid:
        _STREAM.update(pid=pid, rng=make_rng(torch.initial_seed()))
    return _STREAM['rng']


def restart_pipeline_rng() -> None:
    """Start the stream again from the process seed at the next draw
    (called when a random transform is built)."""
    _STREAM.update(pid=None, rng=None)


def get_pipeline_rng_state() -> Optional[tuple]:
    """The stream's state (None before its first draw), for
    :func:`set_pipeline_rng_state`."""
    if _STREAM['pid'] != os.getpid():
        return None
    return _STREAM['rng'].get_state()


def set_pipeline_rng_state(state: Optional[tuple]) -> None:
    """Put back a state from :func:`get_pipeline_rng_state`."""
    if state is None:
        restart_pipeline_rng()
    else:
        pipeline_rng().set_state(state)


def uniform(rng: Optional[np.random.RandomState] = None) -> float:
    """A float in [0, 1) (53 random bits)."""
    return float((rng or pipeline_rng()).random_sample())


def randbelow(n: int, rng: Optional[np.random.RandomState] = None) -> int:
    """A uniform integer in ``[0, n)``, ``n >= 1``: the top ``k`` bits of a
    32-bit word, redrawn while ``>= n`` (unbiased; CPython's rule)."""
    if not 1 <= n <= 2**32:
        raise ValueError(f'randbelow needs 1 <= n <= 2**32, got {n}')
    rng = rng or pipeline_rng()
    shift = 32 - int(n).bit_length()
    while True:
        word = int(rng.randint(0, 2**32, dtype=np.uint32))
        value = word >> shift if shift >= 0 else word
        if value < n:
            return value


def randint(low: int, high: int,
            rng: Optional[np.random.RandomState] = None) -> int:
    """A uniform integer in ``[low, high]`` (both ends included)."""
    return low + randbelow(high - low + 1, rng)


def choice(seq: Sequence, rng: Optional[np.random.RandomState] = None):
    """A uniformly drawn element of a non-empty sequence."""
    return seq[randbelow(len(seq), rng)]
