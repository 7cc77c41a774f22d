import pytest
import torch
import torchvision

from mmsemsyn.evaluation.metrics.lpips_diversity import LPIPSDiversity
from mmsemsyn.models.pretrained.lpips_net import build_lpips


def test_lpips_diversity_is_mean_pairwise_lpips(tmp_path):
    torch.manual_seed(0)
    alex = torchvision.models.alexnet(weights=None)
    path = tmp_path / 'alexnet.pth'
    torch.save(alex.state_dict(), path)
    metric = LPIPSDiversity(backbone_path=str(path), device='cpu')
    # The local backbone file is what the network now holds.
    assert torch.equal(metric.lpips.net.slice1[0].weight,
                       alex.features[0].weight)
    g = torch.Generator().manual_seed(1)
    imgs = torch.randint(0, 256, (2, 3, 3, 32, 32), generator=g,
                         dtype=torch.uint8)
    samples = [dict(fake_imgs=x, sample_idx=i) for i, x in enumerate(imgs)]
    metric.process(None, samples + samples[:1])  # padded duplicate
    ours = metric.compute_metrics(metric.results)['lpips']
    ref = []
    for x in imgs:
        x = x.float() / 127.5 - 1
        pair = [float(metric.lpips(x[i:i + 1], x[j:j + 1]))
                for i, j in ((0, 1), (0, 2), (1, 2))]
        ref.append(sum(pair) / 3)
    assert ours == pytest.approx(sum(ref) / 2, rel=1e-5)
    assert ours > 0


def test_lpips_diversity_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        build_lpips(backbone_path=str(tmp_path / 'nope.pth'))
    metric = LPIPSDiversity(allow_random=True, device='cpu')
    with pytest.raises(KeyError, match='--num-samples'):
        metric.process(None, [dict(fake_img=torch.zeros(3, 8, 8))])
    with pytest.raises(ValueError, match='>= 2'):
        metric.process(None, [dict(fake_imgs=torch.zeros(
            1, 3, 8, 8, dtype=torch.uint8))])
