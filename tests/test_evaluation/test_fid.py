import pytest
import torch
from PIL import Image

from mmsemsyn.evaluation.metrics.fid import FrechetInceptionDistance


def _images(n, seed, h=40, w=56):
    g = torch.Generator().manual_seed(seed)
    base = torch.randint(0, 256, (1, 3, h, w), generator=g)
    noise = torch.randint(-60, 60, (n, 3, h, w), generator=g)
    return (base + noise).clamp(0, 255).to(torch.uint8)


def _samples(fake, real, start=0):
    return [dict(fake_img=f, gt_img=r, sample_idx=start + i)
            for i, (f, r) in enumerate(zip(fake, real))]


def _save(imgs, folder):
    folder.mkdir()
    for i, img in enumerate(imgs):
        Image.fromarray(img.permute(1, 2, 0).numpy()).save(
            folder / f'{i:03d}.png')
    return str(folder)


@pytest.fixture(scope='module')
def metric():
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='RANDOM'):
        return FrechetInceptionDistance(allow_random=True, dims=64)


def test_fid_equals_pytorch_fid_on_png_folders(metric, tmp_path, monkeypatch):
    import pytorch_fid.fid_score as fid_score
    fake, real = _images(6, 1), _images(6, 2)
    metric.process(None, _samples(fake[:4], real[:4]))
    metric.process(None, _samples(fake[4:], real[4:], 4)[::-1])
    ours = metric.evaluate(6)['FID/fid']
    fake_dir, real_dir = _save(fake, tmp_path / 'fake'), _save(
        real, tmp_path / 'real')
    # pytorch-fid's own pipeline (PIL -> ToTensor -> net), same weights.
    mu1, s1 = fid_score.calculate_activation_statistics(
        sorted(str(p) for p in (tmp_path / 'fake').glob('*.png')),
        metric.inception, batch_size=3, dims=64)
    mu2, s2 = fid_score.calculate_activation_statistics(
        sorted(str(p) for p in (tmp_path / 'real').glob('*.png')),
        metric.inception, batch_size=3, dims=64)
    ref = fid_score.calculate_frechet_distance(mu1, s1, mu2, s2)
    assert ref > 1e-3  # the images do differ
    assert abs(ours - ref) < 1e-3
    # The command-line entry point (folder paths), Inception patched in.
    class SameInception:
        BLOCK_INDEX_BY_DIM = fid_score.InceptionV3.BLOCK_INDEX_BY_DIM

        def __new__(cls, *args, **kwargs):
            return metric.inception

    monkeypatch.setattr(fid_score, 'InceptionV3', SameInception)
    ref2 = fid_score.calculate_fid_given_paths([fake_dir, real_dir], 4,
                                               'cpu', 64, num_workers=0)
    assert abs(ours - ref2) < 1e-3


def test_fid_dedupes_padded_samples_and_caches(metric, tmp_path):
    fake, real = _images(5, 3), _images(5, 4)
    samples = _samples(fake, real)
    metric.real_stats_dir = str(tmp_path / 'cache')
    metric.process(None, samples)
    single = metric.evaluate(5)['FID/fid']
    cached = list((tmp_path / 'cache').glob('*.npz'))
    assert len(cached) == 1
    # Two "ranks" (interleaved, last one padded with a repeat of sample 0)
    # as mmengine's DefaultSampler hands them out.
    results = []
    for part in (samples[0::2], samples[1::2] + samples[:1]):
        metric.process(None, part)
        results += metric.results
        metric.results = []
    assert metric.compute_metrics(results[::-1])['fid'] == pytest.approx(
        single, abs=1e-9)
    # The cache is found again and gives the same value.
    metric.process(None, samples)
    assert metric.evaluate(5)['FID/fid'] == pytest.approx(single, abs=1e-9)
    assert len(list((tmp_path / 'cache').glob('*'))) == 1
    metric.real_stats_dir = None


def test_fid_real_features_computed_once_per_image(metric, monkeypatch):
    """Repeated validation: real images already seen skip the Inception,
    and the value is the one computed from scratch."""
    fake, real = _images(4, 5), _images(4, 6)
    metric._real_feature_cache.clear()
    metric.process(None, _samples(fake, real))
    first = metric.evaluate(4)['FID/fid']
    seen = []
    features = metric._features
    monkeypatch.setattr(metric, '_features', lambda samples, key: (
        seen.append((key, len(samples))), features(samples, key))[1])
    metric.process(None, _samples(fake, real))
    assert metric.evaluate(4)['FID/fid'] == pytest.approx(first, abs=1e-9)
    assert seen == [('fake_img', 4)]  # no Inception pass over real images
    # A new real image (same size) is encoded; the known ones are not.
    new_real = real.clone()
    new_real[0] = 255 - new_real[0]
    seen.clear()
    metric.process(None, _samples(fake, new_real))
    assert seen == [('fake_img', 4), ('gt_img', 1)]
    metric.results = []


def test_fid_missing_weights_message(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        FrechetInceptionDistance(inception_path=str(tmp_path / 'missing.pth'))
    with pytest.raises(FileNotFoundError, match='nope.npz'):
        FrechetInceptionDistance(allow_random=True, dims=64,
                                 real_stats_file=str(tmp_path / 'nope.npz'))


def test_fid_download_failure_names_url_and_option(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError('Name or service not known')

    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', offline)
    with pytest.raises(RuntimeError) as err:
        FrechetInceptionDistance(dims=64)
    assert 'pt_inception-2015-12-05-6726825d.pth' in str(err.value)
    assert 'inception_path' in str(err.value)
