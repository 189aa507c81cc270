"""Page draw times in a real browser: ``streamlit run dashboard.py`` on 127.0.0.1 and headless Chromium, as an
official meets the dashboard (issue #14, "Pages that draw fast").

A page counts as *drawn* when the script has finished (``stApp``'s ``data-test-script-state`` is ``notRunning``),
its title is visible (the page's ``h1``; on the present page, the slide's ``.pr-title``), no ``stSkeleton`` or
``stSpinner`` element is left, and every plotly chart has drawn (each ``stPlotlyChart`` holds a ``.main-svg``).
The clock runs from the navigation (``page.goto``) to that moment, polled on every animation frame.

Each repetition starts a fresh server and measures, in order:

* *first page after a start*: the landing page (Overview) opened as soon as the server answers its health check,
  timed from the navigation and, apart, from the server process's start;
* *first visit since the start*: every other page, each in a new browser context (a new session), the first time
  the server is asked for it;
* *new session, warm server*: every page again, each in a new browser context, with the websocket bytes the
  browser received for it (what the server sent: figures, tables, text), when the last of them arrived (the rest
  of the time is the browser's: loading the app's scripts, which a new context fetches again, and drawing), and
  the bytes of the app's files fetched over HTTP;
* *slide change*: on the present page, the → key, once per slide, until the last slide has drawn;
* *new session, scripts cached*: every page in a new tab of one browser context that has opened the dashboard
  once (a new Streamlit session each, but the browser's cache keeps the app's scripts, as for anyone who has opened
  the dashboard before: a presenter's laptop, an official's second visit);
* *page switch*: in one session, a click on the page menu's link to each page in turn, until that page has drawn
  (what a presenter does in front of a hall); the present page last, since its slides hide the menu;
* *the stack alone*: ``benchmarks/floor_app.py`` (a heading and one three-point plotly chart) on a server of its
  own, in a new session and with scripts cached, as many times as there are pages, right after the dashboard's
  pages and under the same load: what any page of Streamlit with a plotly chart costs this machine.

Requests to anything but the app are aborted, as on a hall's network without internet. The server's resident
memory is read at the end of each repetition.

``python -m benchmarks.draw_bench --repeat N --json-out FILE`` (the release comes from TIP_RELEASE_DIR).
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

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from benchmarks.common import git_commit, load_average, proc_status, stats
from benchmarks.query_bench import dashboard_pages
from tipdash import local_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 900}
LANDING = "pages/overview.py"
FLOOR_APP = "benchmarks/floor_app.py"
PRESENT = "pages/present.py"
DRAWN = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const title = document.querySelector('[data-testid="stMain"] h1, [data-testid="stMain"] .pr-title');
    if (!title || title.getBoundingClientRect().height === 0) return false;
    if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSpinner"]')) return false;
    return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'));
}"""
# Bytes of the app's files the browser fetched over HTTP (scripts, styles, fonts): a new context has no cache.
STATIC_BYTES = """() => performance.getEntriesByType('resource').reduce((n, e) => n + (e.encodedBodySize || 0), 0)"""
# Click the page menu's link with the page's title. (Not by its address: Streamlit gives the default page's link the
# address of the page being shown.)
CLICK_PAGE_LINK = """(title) => {
    const link = [...document.querySelectorAll('[data-testid="stPageLink-NavLink"]')]
        .find(a => a.innerText.trim().endsWith(title));  // after the icon's ligature text
    if (!link) return false;
    link.click();
    return true;
}"""
# The page's title (h1, or the slide's title on the present page): a switch has drawn when it differs.
TITLE = """() => ((document.querySelector('[data-testid="stMain"] h1, [data-testid="stMain"] .pr-title')
                 || {innerText: ''}).innerText)"""
SLIDE_AT = """(n) => (document.querySelector('.pr-bar') || {innerText: ''}).innerText.startsWith(n + ' / ')"""
SLIDE_COUNT = """() => Number(((document.querySelector('.pr-bar') || {innerText: ''}).innerText.match(/\\/ (\\d+)/)
                                || [0, 0])[1])"""


def page_address(base: str, page: str) -> str:
    """The page's URL: the landing page at the root, the others by their file's name (st.navigation's paths)."""
    return base + "/" if page == LANDING else f"{base}/{Path(page).stem}"


class Browser:
    """One Chromium for the whole run; a new context (a new session, no cookies or cache) per page opened."""

    def __init__(self, playwright, exe: str, base: str, timeout_s: float):
        self.browser = playwright.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        self.base, self.timeout_ms = base, timeout_s * 1000
        self.last_sent_s, self.static_bytes = 0.0, 0
        self.titles: dict[str, str] = {}  # page path -> the menu's title of it

    def open(self, page_path: str) -> tuple[float, int, object]:
        """Seconds until ``page_path`` has drawn in a new session, websocket bytes received, and the open tab.
        Raises PageError when the page shows an exception instead."""
        context = self.browser.new_context(viewport=VIEWPORT)
        tab = context.new_page()
        self.offline(tab)
        received = {"bytes": 0, "last": 0.0}

        def on_frame(payload) -> None:
            received["bytes"] += len(payload)
            received["last"] = time.perf_counter()

        tab.on("websocket", lambda ws: ws.on("framereceived", on_frame))
        start = time.perf_counter()
        tab.goto(page_address(self.base, page_path), timeout=self.timeout_ms)
        tab.wait_for_function(DRAWN, timeout=self.timeout_ms, polling="raf")
        took = time.perf_counter() - start
        _raise_if_failed(tab, page_path)
        self.last_sent_s = max(0.0, received["last"] - start)
        self.static_bytes = tab.evaluate(STATIC_BYTES)
        return took, received["bytes"], tab

    def offline(self, tab) -> None:
        """Requests to anything but the app are aborted, as on a hall's network without internet."""
        tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith((self.base, "data:", "blob:"))
                  else r.abort())

    def open_in(self, context, page_path: str):
        """Seconds until ``page_path`` has drawn in a new tab of ``context`` (a new session, the context's cache
        kept), and the tab."""
        tab = context.new_page()
        self.offline(tab)
        start = time.perf_counter()
        tab.goto(page_address(self.base, page_path), timeout=self.timeout_ms)
        tab.wait_for_function(DRAWN, timeout=self.timeout_ms, polling="raf")
        took = time.perf_counter() - start
        _raise_if_failed(tab, page_path)
        return took, tab

    def switch(self, tab, page_path: str) -> float:
        """Seconds from a click on the menu's link to ``page_path`` until that page has drawn, in the same session."""
        before = tab.evaluate(TITLE)
        start = time.perf_counter()
        if not tab.evaluate(CLICK_PAGE_LINK, self.titles[page_path]):
            raise PageError(f"no menu link to {page_path}")
        tab.wait_for_function(f"() => ({TITLE})() !== {json.dumps(before)} && ({DRAWN})()",
                              timeout=self.timeout_ms, polling="raf")
        took = time.perf_counter() - start
        _raise_if_failed(tab, page_path)
        return took

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.browser.close()


class PageError(RuntimeError):
    """A page that showed an exception or never drew: a finding of the run, not a time."""


def _raise_if_failed(tab, what: str) -> None:
    failed = tab.locator('[data-testid="stException"]')
    if failed.count():
        message = failed.first.inner_text()[:300]
        tab.context.close()
        raise PageError(f"{what}: {message}")


def slide_changes(tab, timeout_ms: float) -> list[float]:
    """Seconds from each → key press until the next slide has drawn, from the first slide to the last."""
    count = tab.evaluate(SLIDE_COUNT)
    times = []
    for number in range(2, count + 1):
        start = time.perf_counter()
        tab.keyboard.press("ArrowRight")
        tab.wait_for_function(SLIDE_AT, arg=number, timeout=timeout_ms, polling="raf")
        tab.wait_for_function(DRAWN, timeout=timeout_ms, polling="raf")
        times.append(time.perf_counter() - start)
        _raise_if_failed(tab, f"slide {number}")
    return times


def one_start(browser: Browser, pages: list[str], timeout_s: float, log) -> dict:
    """One server start: the landing page, every page's first visit, every page warm, the slide changes. A page
    that fails is named in ``errors`` and the run goes on with the next."""
    port = local_server.free_port()
    browser.base = local_server.url(port)
    out: dict = {"first_visit": {}, "warm": {}, "bytes": {}, "last_sent": {}, "static_bytes": {}, "cached": {},
                 "switch": {}, "errors": [], "load_average": [load_average()[0]]}

    def visit(page: str, part: str):
        try:
            return browser.open(page)
        except (PageError, PlaywrightError) as exc:
            out["errors"].append(f"{part} {page}: {str(exc)[:400]}")
            return None, None, None
    start = time.perf_counter()
    server = local_server.start(port, log, dict(os.environ))
    try:
        local_server.wait_healthy(browser.base, server, timeout=timeout_s, poll=0.05)
        out["server_ready_s"] = time.perf_counter() - start
        took, _, tab = visit(LANDING, "first page")
        if tab:
            out["first_page_s"], out["first_page_from_start_s"] = took, time.perf_counter() - start
            tab.context.close()
        for page in pages:
            if page != LANDING:
                took, _, tab = visit(page, "first visit")
                if tab:
                    out["first_visit"][page] = took
                    tab.context.close()
        for page in pages:
            took, received, tab = visit(page, "new session")
            if not tab:
                continue
            out["warm"][page], out["bytes"][page] = took, received
            out["last_sent"][page], out["static_bytes"][page] = browser.last_sent_s, browser.static_bytes
            if page == PRESENT:
                try:
                    out["slide_changes"] = slide_changes(tab, browser.timeout_ms)
                except (PageError, PlaywrightError) as exc:
                    out["errors"].append(f"slide change: {str(exc)[:400]}")
            if not tab.is_closed():
                tab.context.close()
        cached_and_switched(browser, pages, out)
        out["server_rss"] = proc_status(server.pid).get("VmRSS")
    finally:
        local_server.stop(server)
    out.update(floor(browser, len(pages), timeout_s, log))
    out["load_average"].append(load_average()[0])
    return out


def floor(browser: Browser, times: int, timeout_s: float, log) -> dict:
    """Seconds until the stack-alone app (FLOOR_APP) has drawn: ``times`` new sessions, then ``times`` new tabs of
    one context with its scripts cached."""
    port = local_server.free_port()
    dashboard_base, browser.base = browser.base, local_server.url(port)
    server = local_server.start(port, log, dict(os.environ), script=FLOOR_APP)
    out: dict = {"floor_warm": [], "floor_cached": []}
    try:
        local_server.wait_healthy(browser.base, server, timeout=timeout_s, poll=0.05)
        for _ in range(times):
            took, _, tab = browser.open(LANDING)
            out["floor_warm"].append(took)
            tab.context.close()
        context = browser.browser.new_context(viewport=VIEWPORT)
        try:
            for _ in range(times):
                took, tab = browser.open_in(context, LANDING)
                out["floor_cached"].append(took)
                tab.close()
        finally:
            context.close()
    finally:
        local_server.stop(server)
        browser.base = dashboard_base
    return out


def cached_and_switched(browser: Browser, pages: list[str], out: dict) -> None:
    """Every page in a new session of a browser that has the app's scripts cached, then every page by the menu in
    one session (the present page last: its slides hide the menu)."""
    context = browser.browser.new_context(viewport=VIEWPORT)
    try:
        _took, tab = browser.open_in(context, LANDING)  # fills the browser's cache, as an earlier visit would
        tab.close()
        for page in pages:
            try:
                out["cached"][page], tab = browser.open_in(context, page)
                tab.close()
            except (PageError, PlaywrightError) as exc:
                out["errors"].append(f"cached {page}: {str(exc)[:400]}")
        _took, tab = browser.open_in(context, LANDING)
        for page in [p for p in pages if p not in (LANDING, PRESENT)] + [LANDING, PRESENT]:
            try:
                out["switch"][page] = browser.switch(tab, page)
            except (PageError, PlaywrightError) as exc:
                out["errors"].append(f"switch {page}: {str(exc)[:400]}")
    except (PageError, PlaywrightError) as exc:
        out["errors"].append(f"cached session: {str(exc)[:400]}")
    finally:
        context.close()


def _each(runs: list[dict], part: str, page: str) -> dict:
    return stats([float(r[part][page]) for r in runs if page in r[part]])


def summarise(runs: list[dict], titles: dict[str, str]) -> dict:
    pages = list(titles)
    slides = max((len(r.get("slide_changes", [])) for r in runs), default=0)
    return {
        "titles": titles,
        "landing": LANDING,
        "server_ready": stats([r["server_ready_s"] for r in runs if "server_ready_s" in r]),
        "first_page": stats([r["first_page_s"] for r in runs if "first_page_s" in r]),
        "first_page_from_start": stats([r["first_page_from_start_s"] for r in runs if "first_page_s" in r]),
        "first_visit": {p: _each(runs, "first_visit", p) for p in pages if p != LANDING},
        "warm": {p: _each(runs, "warm", p) for p in pages},
        "cached": {p: _each(runs, "cached", p) for p in pages},
        "switch": {p: _each(runs, "switch", p) for p in pages},
        "bytes": {p: _each(runs, "bytes", p) for p in pages},
        "last_sent": {p: _each(runs, "last_sent", p) for p in pages},
        "static_bytes": {p: _each(runs, "static_bytes", p) for p in pages},
        "slide_changes": [stats([r["slide_changes"][i] for r in runs if len(r.get("slide_changes", [])) > i])
                          for i in range(slides)],
        "slide_change_all": stats([x for r in runs for x in r.get("slide_changes", [])]),
        "floor": {part: stats([x for r in runs for x in r.get(f"floor_{part}", [])]) for part in ("warm", "cached")},
        "server_rss": max((r.get("server_rss") or 0 for r in runs), default=None),
        "errors": sorted({e for r in runs for e in r["errors"]}),
        "load_average_1min": [x for r in runs for x in r["load_average"]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.draw_bench")
    parser.add_argument("--repeat", type=int, default=5, help="server starts (each measures every page once)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a page may take before it counts "
                                                                    "as failed")
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args(argv)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        args.json_out.write_text(json.dumps({"skipped": "no chromium on PATH"}), encoding="utf-8")
        return 0

    titles = dict(dashboard_pages())
    runs = []
    with sync_playwright() as p, tempfile.TemporaryFile("w+") as log:
        browser = Browser(p, exe, "", args.timeout)
        browser.titles = titles
        try:
            for _ in range(args.repeat):
                runs.append(one_start(browser, list(titles), args.timeout, log))
        except Exception as exc:
            log.seek(0)
            raise RuntimeError(f"{type(exc).__name__}: {exc}\nserver log:\n{log.read()[-2000:]}") from exc
        finally:
            browser.close()
    result = {"repeat": args.repeat, "viewport": VIEWPORT, "git_commit": git_commit(), "runs": runs,
              **summarise(runs, titles)}
    args.json_out.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
