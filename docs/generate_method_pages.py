"""Write ``docs/methods/<page>.md`` from every ``configs/<method>/README*.md``
(run before ``mkdocs build``; .ci/run does). New method folders get a page
without any edit here. Links of a README that point into the repository
(not pages of the site) become the path in code font, so the strict build
has no broken link; links to another method README point at its page."""
import glob
import os
import os.path as osp
import re
import shutil

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
OUT = osp.join(ROOT, 'docs', 'methods')
LINK = re.compile(r'(!?)\[([^\]]*)\]\(([^)\s]+)\)')


def page_name(readme: str) -> str:
    method = osp.basename(osp.dirname(readme))
    stem = osp.splitext(osp.basename(readme))[0]
    suffix = stem[len('README'):].lstrip('_')
    return f'{method}_{suffix}.md' if suffix else f'{method}.md'


def rewrite_links(text: str, readme: str, pages: dict) -> str:
    folder = osp.dirname(readme)

    def fix(match):
        bang, label, target = match.groups()
        if re.match(r'^[a-z]+://', target) or target.startswith(
                ('#', 'mailto:')):
            return match.group(0)
        path, _, anchor = target.partition('#')
        resolved = osp.normpath(osp.join(folder, path))
        if resolved in pages:
            return f'[{label}]({pages[resolved]}' + (
                f'#{anchor})' if anchor else ')')
        return f'{label} (`{osp.relpath(resolved, ROOT)}`)'

    return LINK.sub(fix, text)


def main() -> list:
    readmes = sorted(glob.glob(osp.join(ROOT, 'configs', '*', 'README*.md')))
    pages = {osp.normpath(r): page_name(r) for r in readmes}
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    written = []
    for readme in readmes:
        with open(readme) as f:
            text = f.read()
        rel = osp.relpath(readme, ROOT)
        body = rewrite_links(text, osp.normpath(readme), pages)
        note = (f'<!-- generated from {rel} by docs/generate_method_pages.py;'
                ' edit that file -->\n')
        path = osp.join(OUT, pages[osp.normpath(readme)])
        with open(path, 'w') as f:
            f.write(note + body)
        written.append(path)
    return written


if __name__ == '__main__':
    for path in main():
        print(osp.relpath(path, ROOT))
