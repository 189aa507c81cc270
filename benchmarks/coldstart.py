"""Cold start in a real browser: ``streamlit run dashboard.py`` on an existing release, headless Chromium, the
clock running from the moment the server process is started until the overview's first chart is drawn.

Chromium is launched before the server (a user's browser is already open). Requests to anything but the app are
aborted, as on a network without internet. After the first chart, every page is visited through the sidebar (the
present page, which hides the sidebar, last, by its address) and the server's resident memory is read: the
dashboard process as it runs in production, one session open.

``python -m benchmarks.coldstart --json-out FILE`` (the release comes from TIP_RELEASE_DIR).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.common import load_average, proc_status
from benchmarks.query_bench import dashboard_pages
from tipdash import local_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
CHART = ".js-plotly-plot .main-svg, .js-plotly-plot canvas"
IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning';
}"""


def _url_path(page: str) -> str:
    return Path(page).stem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.coldstart")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args(argv)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        args.json_out.write_text(json.dumps({"skipped": "no chromium on PATH"}), encoding="utf-8")
        return 0
    from playwright.sync_api import sync_playwright

    timeout_ms = args.timeout * 1000
    result: dict = {"pages": {}, "errors": [], "load_average": [load_average()]}
    with sync_playwright() as p, tempfile.TemporaryFile("w+") as log:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        port = local_server.free_port()
        url = local_server.url(port)
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((url, "data:", "blob:"))
                   else r.abort())
        start = time.perf_counter()
        server = local_server.start(port, log, dict(os.environ))
        try:
            local_server.wait_healthy(url, server, timeout=args.timeout, poll=0.05)
            result["server_ready_s"] = round(time.perf_counter() - start, 3)
            navigation = time.perf_counter()
            page.goto(url, timeout=timeout_ms)
            result["html_loaded_s"] = round(time.perf_counter() - start, 3)
            page.wait_for_selector("h1", state="attached", timeout=timeout_ms)
            result["first_title_s"] = round(time.perf_counter() - start, 3)
            page.wait_for_selector(CHART, state="attached", timeout=timeout_ms)
            result["first_chart_s"] = round(time.perf_counter() - start, 3)
            # The browser asks for Streamlit's plotly bundle when the first chart arrives from the server: that
            # splits the time into the server's part and the browser's (loading, compiling and drawing plotly.js).
            asked = page.evaluate("""() => performance.getEntriesByType('resource')
                .filter(e => e.name.includes('PlotlyChart')).map(e => e.startTime)""")
            if asked:
                result["first_chart_sent_s"] = round(navigation - start + min(asked) / 1000, 3)
            page.wait_for_function(IDLE, timeout=timeout_ms, polling=100)
            result["first_page_done_s"] = round(time.perf_counter() - start, 3)
            result["rss_after_first_page"] = proc_status(server.pid).get("VmRSS")
            # The same page in a second tab, server warm: what the browser itself needs to draw it.
            second = context.new_page()
            second.route("**/*", lambda r: r.continue_() if r.request.url.startswith((url, "data:", "blob:"))
                         else r.abort())
            t0 = time.perf_counter()
            second.goto(url, timeout=timeout_ms)
            second.wait_for_selector(CHART, state="attached", timeout=timeout_ms)
            result["warm_server_first_chart_s"] = round(time.perf_counter() - t0, 3)
            second.close()
            pages = dashboard_pages()
            last = [x for x in pages if x[0].endswith("present.py")]
            for path, title in [x for x in pages if x not in last] + last:
                t0 = time.perf_counter()
                try:
                    if path in [x[0] for x in last]:
                        page.goto(f"{url}/{_url_path(path)}", timeout=timeout_ms)
                    else:
                        page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click(timeout=timeout_ms)
                    if not path.endswith("overview.py"):
                        page.wait_for_url(f"**/{_url_path(path)}*", timeout=timeout_ms)
                    page.wait_for_function(IDLE, timeout=timeout_ms, polling=100)
                    exceptions = page.locator('[data-testid="stException"]').count()
                    result["pages"][path] = {"title": title, "seconds": round(time.perf_counter() - t0, 3),
                                             "exceptions": exceptions}
                except Exception as exc:  # noqa: BLE001 - a page that does not render is a finding, not a crash
                    result["errors"].append(f"{path}: {type(exc).__name__}: {str(exc)[:300]}")
            time.sleep(1.0)
            status = proc_status(server.pid)
            result["rss_after_all_pages"] = status.get("VmRSS")
            result["peak_rss"] = status.get("VmHWM")
            result["load_average"].append(load_average())
        finally:
            local_server.stop(server)
            with contextlib.suppress(Exception):
                browser.close()
            if result["errors"] or "first_chart_s" not in result:
                log.seek(0)
                result["server_log_tail"] = log.read()[-2000:]
    args.json_out.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
