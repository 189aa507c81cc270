"""The goals with their measured figures, and the markdown report (docs/benchmarks.md) from the raw figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from benchmarks.common import REPO

GOAL_SIZE = 1_000_000
QUERY_LIMIT_S = 0.030
RELEASE_SHARE_LIMIT = 0.20
WARM_PAGE_LIMIT_S = 2.0
SLIDE_LIMIT_S = 0.5
FIRST_PAGE_LIMIT_S = 4.0
GOALS = {
    "queries_uncached": "every page's query set at 1,000,000 cases reads the release only and answers in under "
                        "30 ms median, uncached (#11)",
    "release_share": "building the release adds at most 20% to the ETL at 1,000,000 cases (#11)",
    "pages_warm": "every page fully drawn within 2 s in a new session on a warm server (#14)",
    "slide_change": "a slide change within 0.5 s (#14)",
    "first_page": "the first page after a start within 4 s (#14)",
}


def _med(block: dict | None, key: str) -> float | None:
    try:
        return block[key]["median"]
    except (KeyError, TypeError):
        return None


def _load_range(values: list[float]) -> str:
    if not values:
        return "–"
    lo, hi = min(values), max(values)
    return f"{lo:.1f}" if abs(hi - lo) < 0.05 else f"{lo:.1f}–{hi:.1f}"


def etl_loads(etl: dict) -> list[float]:
    """1-minute load averages at the start and end of every ETL run."""
    return [pair[0] for r in etl["runs"] for pair in r.get("load_average", [])]


def query_loads(q: dict) -> list[float]:
    return list(q.get("load_average_1min") or [])


def goals(results: dict) -> dict[str, dict]:
    """Each goal judged at 1,000,000 cases: the measured figure, the target, met or not, and the load meanwhile."""
    entry = results["sizes"].get(str(GOAL_SIZE)) or {}
    out: dict[str, dict] = {}
    q = entry.get("queries")
    if q:
        uncached = {p: _med(v, "uncached") for p, v in q["pages"].items()}
        worst_page = max(uncached, key=lambda p: uncached[p])
        worst = uncached[worst_page]
        under = sum(v < QUERY_LIMIT_S for v in uncached.values())
        only = q["breakdown"]["release_only"]
        out["queries_uncached"] = {
            "value": worst, "target": "< 30 ms on every page, release only", "page": worst_page,
            "met": only and worst < QUERY_LIMIT_S, "release_only": only,
            "load": _load_range(query_loads(q)),
            "detail": f"slowest page {_page_name(results, str(GOAL_SIZE), worst_page)} {_s(worst)}; "
                      f"{under} of {len(uncached)} page sets under 30 ms; reads the release only: "
                      f"{'yes' if only else 'NO'}"}
    etl = (entry.get("etl") or {}).get("summary")
    if etl:
        share = _med(etl, "release_share")
        out["release_share"] = {
            "value": share, "target": "≤ 20%", "met": share is not None and share <= RELEASE_SHARE_LIMIT,
            "load": _load_range(etl_loads(entry["etl"])),
            "detail": f"release {_s(_med(etl, 'release_s'))} (of which counting {_s(_med(etl, 'release_counting_s'))}) "
                      f"after a warehouse build of {_s(_med(etl, 'warehouse_s'))} (medians of "
                      f"{etl['release_s']['n']} builds)"}
    out.update(draw_goals(results))
    return out


def draw_goals(results: dict) -> dict[str, dict]:
    """The page-draw goals (issue #14), judged on the browser run against the demo-sized release."""
    browser = (results.get("draw") or {}).get("browser") or {}
    if "warm" not in browser:
        return {}
    cases = results["draw"]["cases"]
    load = _load_range(browser["load_average_1min"])
    titles = browser["titles"]
    failed = f"; pages that failed: {len(browser['errors'])} (section 4)" if browser.get("errors") else ""

    def measured(block: dict) -> dict[str, float]:  # a page that never drew has no median: it fails the goal
        return {p: v["median"] if v["n"] else float("inf") for p, v in block.items()}

    warm = measured(browser["warm"])
    slowest = max(warm, key=lambda p: warm[p])
    under = sum(v <= WARM_PAGE_LIMIT_S for v in warm.values())
    first = measured({browser["landing"]: browser["first_page"], **browser["first_visit"]})
    first_slowest = max(first, key=lambda p: first[p])
    slide = _med(browser, "slide_change_all")
    slide_worst = max((s["median"] for s in browser["slide_changes"]), default=None)
    n = browser["repeat"]
    others = ""
    for key, words in (("cached", "with the app's scripts in the browser's cache"),
                       ("switch", "switching by the menu")):
        if times := measured(browser.get(key) or {}):
            worst = max(times, key=lambda p: times[p])
            others += (f"; {words}: slowest {titles[worst]} {_s(times[worst])}, "
                       f"{sum(v <= WARM_PAGE_LIMIT_S for v in times.values())} of {len(times)} within 2 s")
    return {
        "pages_warm": {
            "value": warm[slowest], "target": "≤ 2 s, every page", "met": warm[slowest] <= WARM_PAGE_LIMIT_S,
            "load": load,
            "detail": f"slowest {titles[slowest]} {_s(warm[slowest])}; {under} of {len(warm)} pages within 2 s "
                      f"(medians of {n}, {cases:,}-case demo){others}{failed}{_floor_words(browser)}"},
        "slide_change": {
            "value": slide_worst, "target": "≤ 0.5 s", "load": load,
            "met": slide_worst is not None and slide_worst <= SLIDE_LIMIT_S and not failed,
            "detail": f"slowest slide change {_s(slide_worst)} (median of {n}); all changes {_s(slide)} median"},
        "first_page": {
            "value": first[first_slowest], "target": "≤ 4 s", "load": load,
            "met": first[first_slowest] <= FIRST_PAGE_LIMIT_S,
            "detail": f"landing page {_s(first[browser['landing']])} after the server answered (from the server "
                      f"process's start {_s(_med(browser, 'first_page_from_start'))}); slowest first visit of a "
                      f"page since the start {titles[first_slowest]} {_s(first[first_slowest])} (medians of {n})"},
    }


def _floor_words(browser: dict) -> str:
    """The stack-alone time beside a page goal, when the run measured it (section 4 says what it is)."""
    floor = (browser.get("floor") or {}).get("warm") or {}
    return "" if floor.get("median") is None else f"; Streamlit and plotly alone: {_s(floor['median'])}"


# Formatting ----------------------------------------------------------------------------------------------------


def _within(seconds: float | None, limit: float) -> str:
    return "–" if seconds is None else ("yes" if seconds <= limit else "**no**")


def _mb(n: int | None) -> str:
    return "–" if n is None else f"{n / 2**20:,.0f} MB"


def _s(x: float | None) -> str:
    if x is None or x != x:  # not measured (None, or the median of no values)
        return "–"
    if x == float("inf"):
        return "did not draw"
    if x < 1:
        return f"{x * 1000:,.1f} ms" if x < 0.1 else f"{x * 1000:,.0f} ms"
    return f"{x:,.1f} s"


def _stat(block: dict | None) -> str:
    if not block or block.get("median") is None:
        return "–"
    return f"{_s(block['median'])} / {_s(block['p95'])}"


def _kb(n: float | None) -> str:
    return "–" if n is None or n != n else f"{n / 1024:,.0f} KB"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.1f}%"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _page_name(results: dict, size: str, page: str) -> str:
    for part in ("queries", "pages"):
        titles = (results["sizes"].get(size, {}).get(part) or {}).get("titles") or {}
        if page in titles:
            return titles[page]
    return page


def _header(results: dict) -> list[str]:
    m = results["machine"]
    pk = m["packages"]
    sizes = sorted(results["sizes"], key=int)
    wait = results["args"].get("wait_for_load")
    return [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (see `benchmarks/`); raw figures in "
        f"[`{results['json_name']}`]({results['json_name']}). Times are medians (and 95th percentiles) of "
        "repeated runs. The machine is shared: the 1-minute load average is given beside every figure (on 2 cores, "
        "anything above 2 means other jobs were competing for the CPU).",
        "",
        f"**Machine:** {m['cpu_count']} cores ({m['cpus_usable']} usable), {_mb(m['memory_bytes'])} RAM, "
        f"{m['platform']}, Python {m['python']}. **Packages:** streamlit {pk.get('streamlit')}, plotly "
        f"{pk.get('plotly')}, duckdb {pk.get('duckdb')}, pandas {pk.get('pandas')}, opendp {pk.get('opendp')}, "
        f"pyarrow {pk.get('pyarrow')}; {m.get('chromium') or 'no Chromium'}. "
        f"**Commit:** {m.get('git_commit')}{' (with uncommitted changes)' if m.get('git_dirty') else ''}. "
        f"**Run:** {results['started']}, {results['duration_s'] / 60:.0f} min, sizes "
        f"{', '.join(f'{int(s):,}' for s in sizes)} cases, {results['args']['repeat']} repetitions of each query "
        f"and page measurement, {results['args']['etl_repeat']} builds per size"
        + (f", each measurement started when the 1-minute load average was at most {wait} (or after waiting "
           "the longest allowed)" if wait is not None else "")
        + ". Load average (1/5/15 min) at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_start'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in results.get('load_average_end', []))}.",
        "",
    ] + _remeasured(results)


def _remeasured(results: dict) -> list[str]:
    """The parts measured again after the full run (``benchmarks.merge``), each with its commit, time and load."""
    parts = [f"{r['what']} (`{r['command']}`, commit {r['commit']}, {r['when']}, load average "
             f"{_load_range(r.get('load') or [])})" for r in results.get("remeasured", [])]
    return [f"**Measured again since:** {'; '.join(parts)}. Every other figure is the full run's.", ""] if parts else []


def _goal_rows(results: dict, g: dict) -> list[str]:
    rows = []
    for key, text in GOALS.items():
        res = g.get(key)
        if not res:
            rows.append([text, "–", "not measured in this run", "–", "–"])
            continue
        shown = _pct(res["value"]) if key == "release_share" else _s(res["value"])
        rows.append([text, res["target"], f"**{shown}**: {res['detail']}", res["load"],
                     "met" if res["met"] else "**missed**"])
    return ["## Goals (issues #11 and #14)", "",
            f"Query and ETL goals are measured at {GOAL_SIZE:,} cases; page draw goals in Chromium against the "
            "demo-sized release (section 4).", ""] + _table(["Goal", "Target", "Measured",
                                                             "Load average (1 min) meanwhile", ""], rows)


def _etl_section(results: dict, sizes: list[str]) -> list[str]:
    etl_sizes = [s for s in sizes if results["sizes"][s].get("etl")]
    if not etl_sizes:
        return []
    lines = ["## 1. ETL: warehouse and release", "",
             "Each build is a process of its own (`python -m benchmarks.etl_bench`, start-up included) calling "
             "`etl.pipeline.build_warehouse` on the size's demo exports (19 files: 8 CSV in four encodings, 11 FIA "
             "workbooks). *Warehouse*: the call's time minus the release step; *release*: "
             "`summary[\"release\"][\"seconds\"]` (counting the catalogue's tables from the warehouse, drawing the "
             "noise with OpenDP, the ledger, writing and swapping the package), with its counting part apart. The "
             "privacy ledger is removed before each build, so every build is a first release with fresh noise for "
             "every year (a rebuild of unchanged data would republish instead).", ""]
    rows = []
    for s in etl_sizes:
        e = results["sizes"][s]["etl"]
        sm = e["summary"]
        loads = "; ".join(f"{r['load_average'][0][0]:.1f} → {r['load_average'][1][0]:.1f}" for r in e["runs"]
                          if r.get("load_average"))
        rows.append([f"{int(s):,}", _stat(sm["build_s"]), _stat(sm["warehouse_s"]), _stat(sm["release_s"]),
                     _s(_med(sm, "release_counting_s")), _pct(_med(sm, "release_share")), _s(_med(sm, "cpu_s")),
                     _mb(sm["peak_rss_bytes"]), loads])
    lines += _table(["Cases", "Build (median / p95)", "Warehouse", "Release", "of which counting",
                     "Release ÷ warehouse", "CPU time", "Peak memory", "Load average (1 min), each build"], rows)
    rows = []
    for s in etl_sizes:
        last = results["sizes"][s]["etl"]["runs"][-1]
        steps = ", ".join(f"{k} {v:.1f}" for k, v in last["steps"].items() if v >= 0.05)
        rel = last["release"]
        rows.append([f"{int(s):,}", steps, f"{rel['seconds']:.1f} (counting {rel['seconds_counting']:.1f})",
                     f"{last['cases_loaded']:,} cases, {last['victims_loaded']:,} victims",
                     f"{rel['tables']} tables, {last['release_files']} files, {_mb(last['release_bytes'])}",
                     _mb(last["warehouse_bytes"])])
    lines += ["Where the time goes (seconds, last build of each size):", ""]
    lines += _table(["Cases", "Warehouse steps", "Release", "Loaded", "Release package", "Warehouse file"], rows)
    return lines


def _query_section(results: dict, sizes: list[str]) -> list[str]:
    q_sizes = [s for s in sizes if results["sizes"][s].get("queries")]
    if not q_sizes:
        return []
    lines = ["## 2. Queries against the release", "",
             "Each page's query set is recorded by running the page through AppTest with every `tipdash.queries` "
             "function wrapped (exactly what the page asks with its default filters, the last three complete "
             "years), plus what `dashboard.py` asks on every run. The process has the release folder and nothing "
             "else (no private folder, no warehouse, no ETL module loaded). *Cold*: Streamlit's caches cleared, so "
             "the release is loaded again from its CSV files and every question computed (the first visit after a "
             "start or a new release). *Warm*: answered by `st.cache_data` (a rerun). *Uncached*: each question's "
             "own function (`fn.uncached`) with the release loaded, which is what every new filter combination "
             "costs; the goal is about this one. Median / 95th percentile of the whole set.", ""]
    for s in q_sizes:
        qr = results["sizes"][s]["queries"]
        lines += [f"### {int(s):,} cases", ""]
        rows = []
        for page, v in qr["pages"].items():
            b = qr["breakdown"]["pages"][page]
            unc = _med(v, "uncached")
            rows.append([_page_name(results, s, page), len(qr["calls"][page]), b["statements"], len(b["tables"]),
                         _stat(v["cold"]), _stat(v["warm"]), _stat(v["uncached"]),
                         "yes" if unc is not None and unc < QUERY_LIMIT_S else "**no**"])
        lines += _table(["Page", "Questions", "SQL statements", "Release tables read", "Cold", "Warm (cached)",
                         "Uncached", "Under 30 ms"], rows)
        proc = qr["breakdown"]["process"]
        lines += [f"Load average (1 min) during the replay: {_load_range(query_loads(qr))}. Loading the release "
                  f"into DuckDB: {_stat(qr['release_load'])}; its {len(qr['release_rows'])} tables hold "
                  f"{sum(qr['release_rows'].values()):,} rows. Reads the release only: "
                  f"{'yes' if qr['breakdown']['release_only'] else '**no**'} (ETL loaded: "
                  f"{proc['etl_loaded']}; private folder visible: {proc['private_folder_exists']}; databases "
                  f"attached: {', '.join(f'{n} (read-only)' if ro else n for n, ro in proc['databases'])}; "
                  f"tables outside the release: "
                  f"{sorted({t for p in qr['breakdown']['pages'].values() for t in p['not_in_release']}) or 'none'}"
                  f").", ""]
    big = q_sizes[-1]
    qr = results["sizes"][big]["queries"]
    rows = []
    for page, b in qr["breakdown"]["pages"].items():
        rows.append([_page_name(results, big, page), _s(_med(b, "total")), _s(_med(b, "sql")),
                     _s(_med(b, "released_other")), _s(_med(b, "other")), b["statements"], b["released_calls"]])
    lines += [f"### Where the uncached time goes at {int(big):,} cases", "",
              "The uncached set again with `db.fetch_df` and `queries.released` timed: *DuckDB* is every "
              "statement with its conversion to a DataFrame; *`released` beyond SQL* is choosing tables, margins "
              "and merging measures from several tables; *the rest* is the questions' own pandas work (rates and "
              "their margins, the display rule, names, reshaping) and Streamlit's cache lookups of shared "
              "questions. Medians; the parts are medians too, so they need not add up exactly.", ""]
    lines += _table(["Page", "Uncached", "DuckDB", "`released` beyond SQL", "The rest", "Statements",
                     "`released` calls"], rows)
    calls: dict[str, dict] = {}
    for v in qr["pages"].values():
        for label, st in v["per_call"].items():
            calls.setdefault(label, st)
    slow = sorted(calls.items(), key=lambda kv: -(kv[1].get("median") or 0))[:10]
    lines += [f"The slowest questions at {int(big):,} cases (uncached, median / p95):", ""]
    lines += _table(["Question", "Uncached"], [[f"`{label[:120]}`", _stat(st)] for label, st in slow])
    if len(q_sizes) > 1:
        pages = list(qr["pages"])
        header = ["Page"] + [f"{int(s):,}" for s in q_sizes]
        rows = [[_page_name(results, big, p)] + [_s(_med(results["sizes"][s]["queries"]["pages"].get(p), "uncached"))
                                                  for s in q_sizes] for p in pages]
        rows.append(["Load average (1 min) during the replay"]
                    + [_load_range(query_loads(results["sizes"][s]["queries"])) for s in q_sizes])
        lines += ["### Uncached time by size", "",
                  "The release has the same tables and rows at every size (the catalogue fixes the cells), so "
                  "these should not grow with the number of cases; differences are noise and load.", ""]
        lines += _table(header, rows)
    conc = [(s, results["sizes"][s]["queries"].get("concurrency")) for s in q_sizes]
    conc = [(s, c) for s, c in conc if c]
    if conc:
        lines += ["### Many officials at once", "",
                  "Each session has its own filters (another period, often a province), so no question is served "
                  "from the cache; every session runs every page's query set, on a thread pool against the one "
                  "shared release connection, as Streamlit's server does.", ""]
        rows = [[f"{int(s):,}", c["sessions"], _s(c["serial_page_set_latency"]["median"]),
                 _stat(c["page_set_latency"]), f"{c['page_sets_per_s']:.1f}", _s(c["wall_s"]),
                 _load_range([results["sizes"][s]["queries"]["load_average"][-1][0]])]
                for s, c in conc]
        lines += _table(["Cases", "Sessions at once", "Page set, one session alone (median)",
                         "Page set, all at once (median / p95)", "Page sets per second", "Wall time",
                         "Load average (1 min) after"], rows)
    return lines


def _page_section(results: dict, sizes: list[str]) -> list[str]:
    p_sizes = [s for s in sizes if results["sizes"][s].get("pages")]
    if not p_sizes:
        return []
    lines = ["## 3. Pages", "",
             "Every page through AppTest in a fresh process per size (the release folder only): *first visit* "
             "(questions miss the cache) and *rerun* (the page again, questions cached), median / 95th "
             "percentile. This includes building the charts and Streamlit's own work.", ""]
    pages = list(results["sizes"][p_sizes[-1]]["pages"]["pages"])
    header = ["Page"] + [f"{int(s):,}: first visit" for s in p_sizes] + [f"{int(s):,}: rerun" for s in p_sizes]
    rows = []
    for page in pages:
        row = [_page_name(results, p_sizes[-1], page)]
        row += [_s(results["sizes"][s]["pages"]["pages"].get(page, {}).get("first_s")) for s in p_sizes]
        row += [_stat(results["sizes"][s]["pages"]["pages"].get(page, {}).get("rerun")) for s in p_sizes]
        rows.append(row)
    rows.append(["App start (first run)"] + [_s(results["sizes"][s]["pages"]["app_start_s"]) for s in p_sizes]
                + ["" for _ in p_sizes])
    rows.append(["Load average (1 min), start → end"]
                + [" → ".join(f"{x[0]:.1f}" for x in results["sizes"][s]["pages"].get("load_average", []))
                   for s in p_sizes] + ["" for _ in p_sizes])
    lines += _table(header, rows)
    rows = []
    for s in p_sizes:
        r = results["sizes"][s]["pages"]["rss"]
        rows.append([f"{int(s):,}", _mb(r["baseline"]), _mb(r["after_app_start"]), _mb(r["after_all_pages"]),
                     _mb(r["peak"])])
    lines += ["Resident memory of the AppTest process:", ""]
    lines += _table(["Cases", "Before start", "After first run", "After every page", "Peak"], rows)
    errors = sorted({e for s in p_sizes for e in results["sizes"][s]["pages"]["errors"]})
    if errors:
        lines += ["Pages that raised an error under AppTest: " + "; ".join(f"`{e[:160]}`" for e in errors), ""]
    return lines


def _draw_section(results: dict) -> list[str]:
    draw = results.get("draw") or {}
    browser = draw.get("browser") or {}
    if not browser:
        return []
    lines = ["## 4. Pages drawn in Chromium", "",
             f"`python -m benchmarks.draw_bench` (run by `python -m benchmarks`): `streamlit run dashboard.py` on "
             f"127.0.0.1 with the {draw['cases']:,}-case demo release (`python -m etl demo --cases "
             f"{draw['cases']}` then `python -m etl build`), headless Chromium at "
             f"{browser.get('viewport', {}).get('width')}×{browser.get('viewport', {}).get('height')}, every page "
             "in a new browser context (a new session). A page is *drawn* when its script has finished, its title "
             "is visible, no skeleton or spinner is left and every plotly chart holds its `.main-svg`. Each of "
             f"the {browser.get('repeat')} repetitions starts a fresh server: the landing page is opened as soon "
             "as the server answers, then every other page for the first time since the start, then every page "
             "again on the now warm server, then the present page's slides with the → key. Medians (95th "
             "percentile). *Python, first visit / rerun* is the page's script run through AppTest in one process "
             "(`benchmarks.page_bench`, the same release): the server's own share of a page. *Sent* is what the "
             "browser received over the websocket for the page in a new session, *last message* when the last "
             "of it arrived (after that the time is the browser's: its scripts, which a new context fetches and "
             "compiles again, and drawing), *app files* the scripts, styles and fonts it fetched over HTTP."
             + (f" Measured at commit {browser['git_commit']}." if browser.get("git_commit") else ""), ""]
    if "error" in browser or "skipped" in browser:
        return lines + [f"Not measured: `{(browser.get('error') or browser.get('skipped'))[-400:]}`", ""]
    titles = browser["titles"]
    python = (draw.get("pages") or {}).get("pages") or {}
    rows = []
    for page, title in titles.items():
        first = (_stat(browser["first_page"]) if page == browser["landing"]
                 else _stat(browser["first_visit"].get(page)))
        warm = _med(browser["warm"], page)
        py = python.get(page) or {}
        rows.append([title, first, _stat(browser["warm"][page]),
                     "yes" if warm is not None and warm <= WARM_PAGE_LIMIT_S else "**no**",
                     _s(_med(browser.get("last_sent") or {}, page)),
                     f"{_s(py.get('first_s'))} / {_s(_med(py, 'rerun'))}",
                     f"{(_med(browser['bytes'], page) or 0) / 1024:,.0f} KB",
                     _kb(_med(browser.get("static_bytes") or {}, page))])
    lines += _table(["Page", "First visit since a start (goal 4 s)", "New session, warm server (goal 2 s)",
                     "Within 2 s", "… last message from the server", "Python, first visit / rerun",
                     "Sent over the websocket", "App files fetched"], rows)
    if browser.get("cached"):
        rows = []
        for page, title in titles.items():
            cached, switch = _med(browser["cached"], page), _med(browser.get("switch") or {}, page)
            rows.append([title, _stat(browser["cached"].get(page)), _within(cached, WARM_PAGE_LIMIT_S),
                         _stat((browser.get("switch") or {}).get(page)), _within(switch, WARM_PAGE_LIMIT_S)])
        lines += ["The same pages in a browser that has opened the dashboard before: a new session in a new tab, "
                  "the app's scripts from the browser's cache; and a switch by the page menu within one session "
                  "(the present page last, since its slides hide the menu):", ""]
        lines += _table(["Page", "New session, scripts cached (goal 2 s)", "Within 2 s",
                         "Page switch by the menu", "Within 2 s"], rows)
    if (browser.get("floor") or {}).get("warm", {}).get("median") is not None:
        floor = browser["floor"]
        lines += [f"For scale, the stack alone (`benchmarks/floor_app.py`: a heading and one three-point plotly "
                  f"chart, nothing of the dashboard), timed in each repetition right after the dashboard's pages: "
                  f"new session {_stat(floor['warm'])}, scripts cached {_stat(floor['cached'])}. No page of "
                  f"Streamlit with a plotly chart draws faster on this machine at this load.", ""]
    rows = [[f"{i + 1} → {i + 2}", _stat(st), "yes" if st["median"] <= SLIDE_LIMIT_S else "**no**"]
            for i, st in enumerate(browser["slide_changes"])]
    lines += ["Slide changes on the present page (→ key until the next slide has drawn; goal 0.5 s):", ""]
    lines += _table(["Slide", "Time", "Within 0.5 s"], rows)
    lines += _map_lines(draw.get("maps") or {})
    if browser.get("errors"):
        lines += ["Pages that failed in the browser: " + "; ".join(f"`{e[:200]}`" for e in browser["errors"]), ""]
    lines += [f"Server healthy {_stat(browser['server_ready'])} after the process started; landing page drawn "
              f"{_stat(browser['first_page_from_start'])} after the start. Server memory after every page "
              f"{_mb(browser.get('server_rss'))}. Load average (1 min) during the run: "
              f"{_load_range(browser['load_average_1min'])}.", ""]
    return lines


def _map_lines(m: dict) -> list[str]:
    if "figure" not in m:
        return []
    full, national = m["figure"]["full"], m["figure"]["national"]
    layers = m["layers"]
    rows = [[f"{name} layer", f"{v['full']['points']:,} points, {v['full']['bytes'] / 1024:,.0f} KB",
             f"{v['national']['points']:,} points, {v['national']['bytes'] / 1024:,.0f} KB"]
            for name, v in layers.items()]
    rows += [["District map figure (`maps.district_map`), JSON", f"{full['bytes'] / 1024:,.0f} KB",
              f"{national['bytes'] / 1024:,.0f} KB"],
             ["… built", _stat(full["build"]), _stat(national["build"])],
             ["… serialised (`fig.to_json()`, as `st.plotly_chart` does on every run)", _stat(full["to_json"]),
              _stat(national["to_json"])]]
    return [f"The district map (`python -m benchmarks.map_bench`): boundaries at full detail, as every map was "
            f"drawn before, and at the detail a map of all Pakistan can show (zoom {m['zoom']}: one pixel is "
            f"{m['pixel_degrees']:.3f}°; outlines within half a pixel, simplified once per process in "
            f"{_s(m['simplify_once_s'])}). Load average (1 min) {_load_range(m['load_average_1min'])}.", ""] + \
        _table(["", "Full detail", "All Pakistan"], rows)


def markdown(results: dict, analysis: str | None = None) -> str:
    sizes = sorted(results["sizes"], key=int)
    g = results.get("goals") or goals(results)
    lines = _header(results) + _goal_rows(results, g)
    lines += _etl_section(results, sizes) + _query_section(results, sizes) + _page_section(results, sizes)
    lines += _draw_section(results)
    if analysis:
        lines += [analysis.strip(), ""]
    lines += [f"<sub>Measured from {results['started']} by `python -m benchmarks {' '.join(results['argv'])}`; "
              f"written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.</sub>", ""]
    return "\n".join(lines)


def analysis_text() -> str | None:
    path = REPO / "benchmarks" / "analysis.md"
    return path.read_text(encoding="utf-8") if path.exists() else None


def write(results: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(results, analysis_text()), encoding="utf-8")
