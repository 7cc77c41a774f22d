"""The docs: method pages come from every configs/*/README*.md, and links
into the repository are rewritten so that `mkdocs build --strict` passes."""
import glob
import importlib.util
import os.path as osp
import shutil
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _generator():
    path = osp.join(REPO, 'docs', 'generate_method_pages.py')
    spec = importlib.util.spec_from_file_location('gen_pages', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_names_cover_every_method_readme():
    gen = _generator()
    readmes = glob.glob(osp.join(REPO, 'configs', '*', 'README*.md'))
    names = {gen.page_name(r) for r in readmes}
    assert len(names) == len(readmes)
    assert 'spade.md' in names and 'lggan_cross_view.md' in names


def test_links_into_the_repository_are_rewritten():
    gen = _generator()
    readme = osp.join(REPO, 'configs', 'spade', 'README.md')
    other = osp.join(REPO, 'configs', 'lggan', 'README.md')
    pages = {osp.normpath(readme): 'spade.md', osp.normpath(other):
             'lggan.md'}
    text = ('see [the layer](../../mmsemsyn/models/layers/spade.py), '
            '[LGGAN](../lggan/README.md#configs), '
            '[paper](https://arxiv.org/abs/1903.07291) and [top](#top)')
    out = gen.rewrite_links(text, readme, pages)
    assert 'the layer (`mmsemsyn/models/layers/spade.py`)' in out
    assert '[LGGAN](lggan.md#configs)' in out
    assert '[paper](https://arxiv.org/abs/1903.07291)' in out
    assert '[top](#top)' in out


@pytest.mark.skipif(importlib.util.find_spec('mkdocs') is None,
                    reason='mkdocs not installed (pip install -e .[docs])')
def test_site_builds_strict(tmp_path):
    docs = tmp_path / 'docs'
    shutil.copytree(osp.join(REPO, 'docs'), docs,
                    ignore=shutil.ignore_patterns('methods'))
    shutil.copy(osp.join(REPO, 'mkdocs.yml'), tmp_path / 'mkdocs.yml')
    gen = _generator()
    gen.OUT = str(docs / 'methods')
    written = gen.main()
    assert len(written) == len(glob.glob(
        osp.join(REPO, 'configs', '*', 'README*.md')))
    proc = subprocess.run(
        [sys.executable, '-m', 'mkdocs', 'build', '--strict', '-q',
         '-d', str(tmp_path / 'site')], cwd=str(tmp_path),
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / 'site' / 'methods' / 'spade' / 'index.html').exists()
