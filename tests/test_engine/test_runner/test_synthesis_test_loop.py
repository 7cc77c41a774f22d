from types import SimpleNamespace

import torch

from mmsemsyn.engine.runner.synthesis_test_loop import SynthesisTestLoop
from mmsemsyn.structures import SynDataSample


class NoisyModel:
    """A stochastic 'generator': every call draws new images."""

    def test_step(self, data_batch):
        out = []
        for idx in data_batch['idx']:
            s = SynDataSample(metainfo=dict(sample_idx=idx))
            s.fake_img = torch.randint(0, 256, (3, 4, 4), dtype=torch.uint8)
            out.append(s)
        return out


def _loop(num_samples):
    loop = SynthesisTestLoop.__new__(SynthesisTestLoop)
    loop._runner = SimpleNamespace(model=NoisyModel())
    loop.num_samples, loop.seed = num_samples, 0
    return loop


def test_k_samples_keep_sample_zero_and_rng_stream():
    batch = dict(idx=[4, 5])
    torch.manual_seed(1)
    single = _loop(1)._predict_samples(batch)
    after_single = torch.rand(1)
    torch.manual_seed(1)
    multi = _loop(3)._predict_samples(batch)
    after_multi = torch.rand(1)
    # Sample 0 is what K = 1 gives; the ambient RNG stream is unchanged.
    for s, m in zip(single, multi):
        assert torch.equal(s.fake_img, m.fake_img)
        assert m.fake_imgs.shape == (3, 3, 4, 4)
        assert torch.equal(m.fake_imgs[0], m.fake_img)
        assert not torch.equal(m.fake_imgs[1], m.fake_imgs[2])
    assert torch.equal(after_single, after_multi)
    # Extra samples are reproducible from the seed.
    torch.manual_seed(2)
    again = _loop(3)._predict_samples(batch)
    assert torch.equal(again[0].fake_imgs[1:], multi[0].fake_imgs[1:])
