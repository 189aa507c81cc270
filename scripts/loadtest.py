"""Load test: N concurrent dashboard sessions switching pages and filters, on loopback only.

    python scripts/loadtest.py                      # starts `streamlit run dashboard.py` on 127.0.0.1, N = 1, 10, 25
    python scripts/loadtest.py --mode websocket     # sessions speak Streamlit's websocket protocol, no browser
    python scripts/loadtest.py --users 1,5 --rounds 1
    python scripts/loadtest.py --url http://127.0.0.1:8501 --warehouse data/warehouse.duckdb

Two kinds of simulated user:

* ``--mode browser`` (default): each user is its own headless Chromium context, so the time includes drawing the
  page. All browsers run on the same machine as the server, so at high N they compete with it for the CPU.
* ``--mode websocket``: each user is a websocket client that sends the same messages the browser sends (run the
  script for this page, with this query string) and reads Streamlit's replies until the script has finished: the
  time to a *delivered* page, the server's share of the work, with almost no client cost.

Each simulated user is its own browser context (its own Streamlit session over its own websocket) in one headless
Chromium. A user works through a fixed script of interactions: opening a page by URL with filters in the query
string (a new session, as a shared link does) and moving to another page with the sidebar's links (the same
session re-runs). For each interaction the time to a rendered page is measured in the page itself: from the moment
the navigation or click starts to the moment the last change happened before the page held still for HOLD_MS with
Streamlit's script finished and every Plotly chart drawn (the hold itself is not counted). An interaction is an
error when it times out, the page shows a Python exception, or the connection to the server is lost.

Between two interactions a user reads the page for a think time (``--think``, in seconds: drawn uniformly from half
to one and a half times it, the same draws in every run; 0 runs the interactions back to back, a stress test).
Users arrive spread over the first think time (all at once with ``--think 0``); levels run one after another
after one unmeasured warm-up pass over every page (as on a server that has been up for a while). The results are
printed as a Markdown table and written as JSON. Nothing but 127.0.0.1 is contacted: every other request made by
the pages is aborted and counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script (python scripts/loadtest.py): the project's package is beside it

from tipdash import local_server  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"]
HOLD_MS = 1200  # a page counts as rendered when nothing has changed for this long (not included in the time)
TIMEOUT_MS = 90_000
PAGES = {"overview": "", "hotspots": "hotspots", "conviction_gap": "conviction_gap", "tier_ranking": "tier_ranking",
         "explore": "explore", "about": "about"}

# Installed in every page before it loads: counts the script runs (each switch of stApp's script state to
# "running"), so a quick re-run between two polls is not missed.
RUN_COUNTER_JS = """(() => {
    window.__lt_runs = 0;
    new MutationObserver(changes => {
        for (const c of changes) {
            const state = c.target.getAttribute && c.target.getAttribute('data-test-script-state');
            if (state === 'running') window.__lt_runs += 1;
            if (state === 'notRunning') window.__lt_script_done = performance.now();
        }
    }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
})();"""

# Evaluated in the page every 50 ms: the time from t0 to the last visible change, once the page has held still.
RENDERED_JS = """([t0, hold, runs]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const now = performance.now();
    if (!app) return null;
    const state = app.getAttribute('data-test-script-state');
    const connection = app.getAttribute('data-test-connection-state');
    const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]').length;
    const drawn = document.querySelectorAll(
        '[data-testid="stPlotlyChart"] .main-svg, [data-testid="stPlotlyChart"] canvas').length;
    const skeletons = document.querySelectorAll('[data-testid="stSkeleton"]').length;
    const signature = [state, connection, charts, drawn, skeletons,
                       document.querySelectorAll('[data-testid="stElementContainer"]').length].join('|');
    if (window.__lt_sig !== signature) { window.__lt_sig = signature; window.__lt_changed = now; }
    if (connection === 'DISCONNECTED_FOREVER') return {error: 'connection lost'};
    if (document.querySelector('[data-testid="stException"]')) return {error: 'exception on the page'};
    const done = window.__lt_runs > runs && connection === 'CONNECTED' && state === 'notRunning' && skeletons === 0 &&
                 (charts === 0 || drawn >= charts);
    if (done && now - window.__lt_changed >= hold) {
        return {ms: window.__lt_changed - t0, script_ms: (window.__lt_script_done || now) - t0};
    }
    return null;
}"""


def filter_sets(warehouse: Path | None) -> list[dict[str, str]]:
    """URL filters the users take turns with: valid values of the warehouse, so every page has data to draw."""
    lo = hi = None
    if warehouse and warehouse.exists():
        import duckdb

        with duckdb.connect(str(warehouse), read_only=True) as con:
            lo, hi = con.execute("SELECT min(report_year), max(report_year) FROM cases").fetchall()[0]
    sets: list[dict[str, str]] = [{}, {"offence": "bonded_labour"}, {"province": "Punjab"},
                                  {"offence": "sexual_exploitation", "province": "Sindh"}, {"sex": "female"}]
    if lo and hi:
        sets += [{"years": f"{max(lo, hi - 4)}-{hi}"}, {"years": f"{lo}-{hi}", "province": "Khyber Pakhtunkhwa"},
                 {"years": str(hi - 1), "offence": "forced_labour"}]
    return sets


def user_script(user: int, filters: list[dict[str, str]]) -> list[tuple[str, str, dict[str, str]]]:
    """A user's interactions: ("open", page, filters) by URL, or ("click", page, {}) on a sidebar link."""
    f = [filters[(user + i) % len(filters)] for i in range(3)]
    return [("open", "overview", f[0]), ("click", "hotspots", {}), ("click", "conviction_gap", {}),
            ("open", "explore", f[1]), ("click", "tier_ranking", {}), ("open", "hotspots", f[2]),
            ("click", "overview", {})]


async def interact(page, base: str, kind: str, name: str, params: dict[str, str]) -> dict:
    slug = PAGES[name]
    if kind == "click":
        link = page.locator(f'[data-testid="stPageLink-NavLink"][href*="/{slug}"]' if slug else
                            '[data-testid="stPageLink-NavLink"]').first
        if await link.count() == 0:
            kind = "open"  # no sidebar link (collapsed): open by URL instead
    t0, runs = 0.0, 0
    if kind == "click":
        t0, runs = await page.evaluate("() => { window.__lt_sig = null; "
                                       "return [performance.now(), window.__lt_runs]; }")
        await link.click(timeout=TIMEOUT_MS)
    else:
        url = f"{base}/{slug}" + (f"?{urlencode(params)}" if params else "")
        await page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    handle = await page.wait_for_function(RENDERED_JS, arg=[t0, HOLD_MS, runs], polling=50, timeout=TIMEOUT_MS)
    result = await handle.json_value()
    return {"kind": kind, "page": name, **result}


async def run_interactions(user: int, rounds: int, filters, think_s: float, interaction) -> list[dict]:
    """A user's script, ``rounds`` times: each interaction timed (an exception is a measured error: a timeout, a
    crash, a lost connection), then the page read for a think time."""
    results: list[dict] = []
    await think(user, 0, think_s)
    for _ in range(rounds):
        for kind, name, params in user_script(user, filters):
            started = time.perf_counter()
            try:
                outcome = await interaction(kind, name, params)
            except Exception as exc:  # noqa: BLE001
                outcome = {"error": f"{type(exc).__name__}: {str(exc)[:120]}"}
            outcome.update(kind=kind, page=name, user=user, wall_ms=round((time.perf_counter() - started) * 1000))
            results.append(outcome)
            await think(user, len(results), think_s)
    return results


async def run_user(browser, base: str, user: int, rounds: int, filters, blocked: list[str],
                   think_s: float) -> list[dict]:
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    host = urlparse(base).netloc

    async def route(r):
        url = r.request.url
        if urlparse(url).netloc == host or url.startswith(("data:", "blob:")):
            await r.continue_()
        else:
            blocked.append(url)
            await r.abort()

    await context.route("**/*", route)
    await context.add_init_script(RUN_COUNTER_JS)
    page = await context.new_page()
    try:
        return await run_interactions(user, rounds, filters, think_s,
                                      lambda kind, name, params: interact(page, base, kind, name, params))
    finally:
        await context.close()


async def run_level(base: str, users: int, rounds: int, filters, blocked: list[str], think_s: float) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            per_user = await asyncio.gather(*(run_user(browser, base, u, rounds, filters, blocked, think_s)
                                              for u in range(users)))
        finally:
            await browser.close()
    return [r for results in per_user for r in results]


async def ws_interaction(ws, slug: str, query: str) -> dict:
    """Ask the server to run a page (as a browser does on load or on a sidebar click) and read every reply until
    the script has finished. Errors: an exception element on the page, an unknown page, a timeout."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = slug
    started = time.perf_counter()
    await ws.send(msg.SerializeToString())
    deltas, error = 0, None
    deadline = started + TIMEOUT_MS / 1000
    while True:
        data = await asyncio.wait_for(ws.recv(), timeout=max(0.1, deadline - time.perf_counter()))
        fm = ForwardMsg()
        fm.ParseFromString(data)
        kind = fm.WhichOneof("type")
        if kind == "delta":
            deltas += 1
            if fm.delta.WhichOneof("type") == "new_element" and \
                    fm.delta.new_element.WhichOneof("type") == "exception":
                error = "exception on the page"
        elif kind == "page_not_found":
            error = "page not found"
        elif kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            break
    out = {"ms": (time.perf_counter() - started) * 1000, "deltas": deltas}
    if error:
        out["error"] = error
    return out


async def run_ws_user(base: str, user: int, rounds: int, filters, think_s: float) -> list[dict]:
    import websockets

    url = base.replace("http://", "ws://", 1) + "/_stcore/stream"
    ws = None

    async def interaction(kind: str, name: str, params: dict[str, str]) -> dict:
        nonlocal ws
        try:
            if kind == "open" or ws is None:  # a new session, as a link opened in a new tab
                if ws is not None:
                    await ws.close()
                ws = await websockets.connect(url, subprotocols=["streamlit"], origin=base, max_size=None,
                                              open_timeout=TIMEOUT_MS / 1000)
            return await ws_interaction(ws, PAGES[name], urlencode(params) if kind == "open" else "")
        except Exception:
            ws = None  # a lost connection: the next interaction opens a new one
            raise

    try:
        return await run_interactions(user, rounds, filters, think_s, interaction)
    finally:
        if ws is not None:
            await ws.close()


async def run_ws_level(base: str, users: int, rounds: int, filters, think_s: float) -> list[dict]:
    per_user = await asyncio.gather(*(run_ws_user(base, u, rounds, filters, think_s) for u in range(users)))
    return [r for results in per_user for r in results]


async def think(user: int, step: int, mean_s: float) -> None:
    """A user reading the page before the next interaction (not measured); the same draws in every run. Step 0 is
    the user's arrival, spread over the first think time, as people do not all click at the same instant."""
    if mean_s > 0:
        low, high = (0.0, 1.0) if step == 0 else (0.5, 1.5)
        await asyncio.sleep(random.Random(user * 1000 + step).uniform(low, high) * mean_s)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarise(users: int, results: list[dict], seconds: float) -> dict:
    times = [r["ms"] / 1000 for r in results if "ms" in r]
    errors = [r for r in results if "error" in r]
    return {"users": users, "interactions": len(results), "rendered": len(times), "errors": len(errors),
            "median_s": round(statistics.median(times), 2) if times else None,
            "p95_s": round(percentile(times, 0.95), 2) if times else None,
            "max_s": round(max(times), 2) if times else None, "level_wall_s": round(seconds, 1),
            "error_examples": sorted({e["error"] for e in errors})[:5]}


def markdown(report: dict) -> str:
    """The run's table, headed by how it was run. Ratios are to the single user: p95 to p95 (like with like), and
    p95 to the median (stricter)."""
    rows, think = report["levels"], report["think_s"]
    first = rows[0] if rows and rows[0]["users"] == 1 else None
    pace = f"reading each page for {think:g} s on average" if think else "back to back (no think time)"
    out = [f"{report['mode'].capitalize()} users, {pace}; {report['rounds']} rounds of 7 interactions each; "
           f"{report['cpus']} CPUs; {report['started']}.", "",
           "| concurrent users | interactions | errors | median (s) | p95 (s) | max (s) | p95 ÷ single-user p95 | "
           "p95 ÷ single-user median |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratios = [f"{r['p95_s'] / base:.1f}×" if first and base and r["p95_s"] is not None else "–"
                  for base in ((first or {}).get("p95_s"), (first or {}).get("median_s"))]
        out.append(f"| {r['users']} | {r['interactions']} | {r['errors']} | {r['median_s']} | {r['p95_s']} | "
                   f"{r['max_s']} | {ratios[0]} | {ratios[1]} |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running dashboard on loopback (default: start one)")
    parser.add_argument("--mode", choices=["browser", "websocket"], default="browser",
                        help="headless Chromium users (time to a rendered page) or websocket users (time to a "
                             "delivered page)")
    parser.add_argument("--users", default="1,10,25", help="concurrency levels, comma separated")
    parser.add_argument("--rounds", type=int, default=2, help="passes over each user's script of 7 interactions")
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean seconds a user reads a page before the next interaction (0: back to back)")
    parser.add_argument("--warehouse", type=Path, help="warehouse for the server started here (default: the app's)")
    parser.add_argument("--out", type=Path, default=REPO / "artifacts" / "loadtest", help="where to write results")
    args = parser.parse_args(argv)
    if args.mode == "browser" and not CHROMIUM:
        raise SystemExit("Chromium not found (apt-get install chromium)")
    levels = [int(n) for n in args.users.split(",") if n.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    proc = None
    env = dict(os.environ)
    if args.warehouse:
        env["TIP_WAREHOUSE"] = str(args.warehouse.resolve())
    base = args.url
    if base:
        if urlparse(base).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("only a dashboard on loopback (127.0.0.1) may be load-tested with this script")
    else:
        port = local_server.free_port()
        base = local_server.url(port)
        proc = local_server.start(port, (args.out / "streamlit.log").open("w"), env)
    warehouse = args.warehouse or Path(env.get("TIP_WAREHOUSE", REPO / "data" / "warehouse.duckdb"))
    blocked: list[str] = []
    try:
        try:
            local_server.wait_healthy(base, proc, timeout=900)  # a first start builds the warehouse
        except (RuntimeError, TimeoutError) as exc:
            raise SystemExit(f"the dashboard did not start: {exc} (see {args.out / 'streamlit.log'})") from None
        print(f"dashboard at {base}; warming up (first start may build the warehouse)", flush=True)
        filters = filter_sets(warehouse)

        def level(users: int, rounds: int, think_s: float) -> list[dict]:
            if args.mode == "websocket":
                return asyncio.run(run_ws_level(base, users, rounds, filters, think_s))
            return asyncio.run(run_level(base, users, rounds, filters, blocked, think_s))

        warm = level(1, 1, 0)
        print(f"warm-up: {len(warm)} interactions, {sum('error' in r for r in warm)} errors", flush=True)
        rows, raw = [], {}
        for users in levels:
            started = time.perf_counter()
            results = level(users, args.rounds, args.think)
            row = summarise(users, results, time.perf_counter() - started)
            rows.append(row)
            raw[str(users)] = results
            print(f"N={users}: median {row['median_s']} s, p95 {row['p95_s']} s, errors {row['errors']}", flush=True)
    finally:
        if proc is not None:
            local_server.stop(proc, grace=20)
    single = next((r["median_s"] for r in rows if r["users"] == 1), None)
    report = {"url": base, "mode": args.mode, "think_s": args.think, "cpus": os.cpu_count(), "rounds": args.rounds,
              "hold_ms": HOLD_MS,
              "load_average_after": os.getloadavg(), "levels": rows,
              "single_user_median_s": single, "blocked_requests": len(blocked),
              "started": time.strftime("%Y-%m-%d %H:%M:%S"), "results": raw}
    stem = f"loadtest-{args.mode}-think{args.think:g}"
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    table = markdown(report)
    (args.out / f"{stem}.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"requests to anything but the dashboard (blocked): {len(blocked)}")
    worst = rows[-1] if rows else None
    single_p95 = rows[0]["p95_s"] if rows and rows[0]["users"] == 1 else None
    goal = bool(worst and single_p95 and worst["errors"] == 0 and worst["p95_s"] is not None
                and worst["p95_s"] < 3 * single_p95)
    print(f"goal (no errors, p95 at N={worst['users'] if worst else '?'} under 3x the single-user p95): "
          f"{'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
