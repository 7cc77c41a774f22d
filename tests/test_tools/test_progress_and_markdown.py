"""Progress bars (mmengine ProgressBar on stderr) and the Markdown metric
table that tools/test.py writes next to its JSON."""
import json

import pytest
from tiny_train_configs import load_tool, write_tiny_config

from mmsemsyn.progress import Progress, progress_enabled, track


def test_progress_switch(monkeypatch):
    monkeypatch.delenv('MMSEMSYN_PROGRESS', raising=False)
    assert progress_enabled(True) and not progress_enabled(False)
    monkeypatch.setenv('MMSEMSYN_PROGRESS', '0')
    assert not progress_enabled()
    monkeypatch.setenv('MMSEMSYN_PROGRESS', '1')
    assert progress_enabled()
    assert progress_enabled(False) is False  # an explicit flag wins


def test_track_draws_count_and_yields_everything(capsys):
    assert list(track(range(3), enabled=True)) == [0, 1, 2]
    err = capsys.readouterr().err
    assert '3/3' in err and 'task/s' in err
    assert list(track(range(3), enabled=False)) == [0, 1, 2]
    assert capsys.readouterr().err == ''
    Progress(0, True).close()  # nothing to count: no bar, no error


def test_test_tool_progress_and_markdown(tmp_path, capfd, monkeypatch):
    cfg = write_tiny_config(tmp_path, iters=1)
    load_tool('train').main([cfg, '--work-dir', str(tmp_path / 'w')])
    monkeypatch.setenv('MMSEMSYN_PROGRESS', '1')
    capfd.readouterr()
    out = tmp_path / 'res' / 'metrics.json'
    load_tool('test').main([cfg, str(tmp_path / 'w' / 'iter_1.pth'),
                            '--out', str(out)])
    err = capfd.readouterr().err
    assert '1/1' in err  # 2 test samples in one batch of 2
    metrics = json.loads(out.read_text())
    md = (out.parent / 'metrics.md').read_text().splitlines()
    assert md[0] == '### metrics'
    assert '| metric | value |' in md and '|---|---:|' in md
    rows = {line.split('|')[1].strip(): line.split('|')[2].strip()
            for line in md if line.startswith('| pixel/')}
    assert set(rows) == set(metrics)
    assert float(rows['pixel/PSNR']) == pytest.approx(
        metrics['pixel/PSNR'], abs=1e-4)


def test_inferencer_progress(tmp_path, capfd):
    import cv2
    import numpy as np

    from mmsemsyn.apis import SynthesisInferencer
    cfg = write_tiny_config(tmp_path)
    labels = []
    for i in range(3):
        path = str(tmp_path / f'l{i}.png')
        cv2.imwrite(path, np.full((32, 32), i, np.uint8))
        labels.append(path)
    inferencer = SynthesisInferencer(cfg, None, device='cpu')
    capfd.readouterr()
    images = inferencer(labels, progress=True)
    assert len(images) == 3
    assert '3/3' in capfd.readouterr().err


def test_markdown_table_never_replaces_the_json(tmp_path):
    # ``--out metrics.md`` once wrote the Markdown table over the JSON.
    write_json = load_tool('test').write_json
    for name, md_name in (('m.json', 'm.md'), ('m.md', 'm.md.md')):
        out = tmp_path / name
        write_json({'pixel/PSNR': 21.5}, str(out))
        assert json.loads(out.read_text()) == {'pixel/PSNR': 21.5}
        assert '| pixel/PSNR | 21.5000 |' in (tmp_path / md_name).read_text()
