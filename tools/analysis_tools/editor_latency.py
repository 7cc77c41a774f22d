"""Stroke → updated photo latency of the editor, measured in a real browser.

    python tools/analysis_tools/editor_latency.py CONFIG [CHECKPOINT] \
        [--repeats 10] [--device cpu] [--screenshot out.png]

Serves ``tools/editor.py``'s page for CONFIG (CHECKPOINT omitted: random
weights -- timing only), opens it in the system's Chromium through
Playwright (``executable_path``; Playwright's own browser download is not
needed), paints ``--repeats`` car rectangles with the rectangle tool and
prints the median / min / max time from the end of each stroke to the
updated photo on the page (the page's ``performance.now()`` marks; the
page's 250 ms debounce included). ``--screenshot`` also writes a PNG of the
page after loading the first test sample (or a blank canvas) and painting
(generated content only: a label map drawn here and the model's photo).
"""
import argparse
import os
import os.path as osp
import shutil
import statistics
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def wait_until(page, expression: str, timeout: float = 600.0) -> None:
    """Poll a page expression from Python until it is true (a plain loop:
    robust while the server thread of this process is busy generating)."""
    import time
    deadline = time.time() + timeout
    while not page.evaluate(expression):
        if time.time() > deadline:
            raise TimeoutError(f'{expression!r} still false after '
                               f'{timeout:.0f} s; page message: '
                               f'{page.text_content("#message")!r}')
        page.wait_for_timeout(50)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='omit for random weights (timing only)')
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--screenshot', default=None,
                        help='write a PNG of the page here')
    parser.add_argument('--sample', type=int, default=None,
                        help='load this test sample before painting')
    parser.add_argument('--chromium', default=shutil.which('chromium') or
                        shutil.which('chromium-browser'),
                        help='the browser executable')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='k=v config overrides')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not args.chromium:
        raise SystemExit('No chromium found: apt-get install -y chromium, '
                         'or give --chromium PATH.')
    from mmengine.config import Config
    from playwright.sync_api import sync_playwright

    from mmsemsyn.apis import SynthesisInferencer
    from mmsemsyn.apis.editor import EditorServer, EditorSession
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(dict(o.split('=', 1) for o in args.cfg_options))
    session = EditorSession(SynthesisInferencer(
        cfg, args.checkpoint, device=args.device, verbose=False))
    h, w = session.canvas_size
    car = session.classes.index('car') if 'car' in session.classes else \
        session.num_classes - 1
    with EditorServer(session) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium,
                                    args=['--no-sandbox'])
        page = browser.new_page(viewport=dict(width=1150, height=640))
        page.goto(url)
        print(f'page at {url}; waiting for the first photo', flush=True)
        done = 1
        wait_until(page, 'window.editor && window.editor.generated '
                               '>= 1 && !window.editor.busy')
        if args.sample is not None:
            page.select_option('#sample', str(args.sample))
            done += 1
            wait_until(page, f'window.editor.generated >= {done} && '
                                   '!window.editor.busy')
        page.click(f'#class-{session.classes[car].replace(" ", "_")}')
        page.check('input[name=tool][value=rect]')
        # (Clicking a class far down a long list may scroll the page.)
        page.locator('#canvas').scroll_into_view_if_needed()
        box = page.locator('#canvas').bounding_box()

        def at(y, x):
            return (box['x'] + (x + 0.5) * box['width'] / w,
                    box['y'] + (y + 0.5) * box['height'] / h)

        times = []
        for i in range(args.repeats):
            # Car-sized boxes along the road, each a new instance.
            y0 = int(h * 0.6) + (i % 2) * h // 10
            x0 = int(w * (0.08 + 0.08 * i)) % max(1, w - w // 6)
            page.mouse.move(*at(y0, x0))
            page.mouse.down()
            page.mouse.move(*at(y0 + h // 8, x0 + w // 7), steps=3)
            page.mouse.up()
            done += 1
            wait_until(page, f'window.editor.generated >= {done} && '
                                   '!window.editor.busy')
            times.append(page.evaluate(
                'window.editor.shownAt - window.editor.strokeAt') / 1000)
            print(f'stroke {i + 1}: {times[-1]:.3f} s', flush=True)
        if args.screenshot:
            if session.has_class_noise:
                page.locator('#noise input').first.fill('0.6')
                done += 1
                wait_until(page, f'window.editor.generated >= {done}'
                                       ' && !window.editor.busy')
            os.makedirs(osp.dirname(osp.abspath(args.screenshot)),
                        exist_ok=True)
            tmp = args.screenshot + '.tmp.png'
            page.screenshot(path=tmp)
            os.replace(tmp, args.screenshot)  # never half a PNG
        browser.close()
    print(f'{osp.basename(args.config)} {h}x{w} on {args.device}: stroke -> '
          f'updated photo median {statistics.median(times):.3f} s '
          f'(min {min(times):.3f}, max {max(times):.3f}, n={len(times)}; '
          'incl. the 250 ms debounce)')
    return times


if __name__ == '__main__':
    main()
