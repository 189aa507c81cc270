"""When the Tier ranking page's world map has drawn, against when the page says it is done (issue #12, section 4).

``streamlit run dashboard.py`` on 127.0.0.1 and headless Chromium at 1366×900, the Tier ranking page opened in a
new browser context (a new session) on a warm server, ``--repeat`` times. From the navigation (``page.goto``):

* *page done*: the script has finished (``stApp``'s ``data-test-script-state`` is ``notRunning``) and every plotly
  chart holds its ``.main-svg`` (as ``benchmarks.draw_bench`` counts a page drawn);
* *map drawn*: the tier map's country shapes are on the page (the filled SVG paths of its traces), polled on every
  animation frame. (Until December 2026 the map was a MapLibre web map, whose WebGL start in a browser without a
  graphics card drew it seconds after the page.)

Also the server's side of the figure: ``tier_map.tier_map`` built and serialised (``fig.to_json()``, what
``st.plotly_chart`` sends), and the bytes of that JSON.

``python -m benchmarks.tier_map_bench [--repeat 5] [--cases 50000]`` prints one JSON object (the release of
``data/cache/bench/<cases>/``, built by ``python -m benchmarks``; ``--release DIR`` for another).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.common import dashboard_env, load_average, release_dir, stats
from benchmarks.draw_bench import CHROMIUM_ARGS, DRAWN, VIEWPORT
from benchmarks.map_bench import figure_cost
from tipdash import local_server

# The tier map once its country shapes are drawn (filled SVG paths of its scatter traces).
MAP_DRAWN = """() => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')].find(
        p => (p.querySelector('.gtitle') || {}).textContent?.startsWith('Tier in the'));
    return !!plot && plot.querySelectorAll('.scatterlayer .js-fill').length > 0;
}"""


def _figure_cost(repeat: int) -> dict:
    from tipdash import boundaries, reference_facts, tier_map  # noqa: PLC0415 - after TIP_* are set

    countries = boundaries.load_layer("countries")
    year = reference_facts.mapped_report_years()[-1]
    tiers = reference_facts.country_tiers(year)
    return figure_cost(lambda: tier_map.tier_map(tiers, countries, year), repeat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tier_map_bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", type=int, default=50_000, help="the benchmark release to serve")
    parser.add_argument("--release", type=Path, default=None, help="serve this release folder instead")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        print(json.dumps({"skipped": "no chromium on PATH"}))
        return 0
    env = dashboard_env(args.cases)
    if args.release:
        env["TIP_RELEASE_DIR"] = str(args.release.resolve())
    elif not release_dir(args.cases).exists():
        raise SystemExit(f"no benchmark release for {args.cases} cases: run python -m benchmarks first")
    os.environ.update({k: v for k, v in env.items() if k.startswith("TIP_")})
    result: dict = {"load_average_1min": [load_average()[0]], "figure": _figure_cost(args.repeat)}
    done, drawn = [], []
    port = local_server.free_port()
    base = local_server.url(port)
    with tempfile.TemporaryFile("w+") as log, sync_playwright() as p:
        server = local_server.start(port, log, env)
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            local_server.wait_healthy(base, server, timeout=args.timeout)
            for i in range(args.repeat + 1):  # the first visit warms the server's caches and is not counted
                context = browser.new_context(viewport=VIEWPORT)
                tab = context.new_page()
                tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:"))
                          else r.abort())
                start = time.perf_counter()
                tab.goto(f"{base}/tier_ranking", timeout=args.timeout * 1000)
                tab.wait_for_function(DRAWN, timeout=args.timeout * 1000, polling="raf")
                page_done = time.perf_counter() - start
                tab.wait_for_function(MAP_DRAWN, timeout=args.timeout * 1000, polling="raf")
                map_drawn = time.perf_counter() - start
                context.close()
                if i:
                    done.append(page_done)
                    drawn.append(map_drawn)
        finally:
            browser.close()
            local_server.stop(server)
    result |= {"repeat": args.repeat, "viewport": VIEWPORT, "page_done": stats(done), "map_drawn": stats(drawn),
               "map_after_page": stats([m - d for m, d in zip(drawn, done, strict=True)])}
    result["load_average_1min"].append(load_average()[0])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
