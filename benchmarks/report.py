"""The goals with their measured figures, and the markdown report (docs/benchmarks.md) from the raw figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from benchmarks.common import REPO

GOAL_SIZE = 1_000_000
QUERY_LIMIT_S = 0.030
RELEASE_SHARE_LIMIT = 0.20
GOALS = {
    "queries_uncached": "every page's query set at 1,000,000 cases reads the release only and answers in under "
                        "30 ms median, uncached",
    "release_share": "building the release adds at most 20% to the ETL at 1,000,000 cases",
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
    return out


# Formatting ----------------------------------------------------------------------------------------------------


def _mb(n: int | None) -> str:
    return "–" if n is None else f"{n / 2**20:,.0f} MB"


def _s(x: float | None) -> str:
    if x is None:
        return "–"
    if x < 1:
        return f"{x * 1000:,.1f} ms" if x < 0.1 else f"{x * 1000:,.0f} ms"
    return f"{x:,.1f} s"


def _stat(block: dict | None) -> str:
    if not block or block.get("median") is None:
        return "–"
    return f"{_s(block['median'])} / {_s(block['p95'])}"


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
    ]


def _goal_rows(results: dict, g: dict) -> list[str]:
    rows = []
    for key, text in GOALS.items():
        res = g.get(key)
        if not res:
            rows.append([text, "–", f"not measured in this run (needs {GOAL_SIZE:,} cases)", "–", "–"])
            continue
        shown = _s(res["value"]) if key == "queries_uncached" else _pct(res["value"])
        rows.append([text, res["target"], f"**{shown}**: {res['detail']}", res["load"],
                     "met" if res["met"] else "**missed**"])
    return ["## Goals (issue #11)", ""] + _table(["Goal", "Target", "Measured at 1,000,000 cases",
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
        cs = results["sizes"][s].get("coldstart") or {}
        rows.append([f"{int(s):,}", _mb(r["baseline"]), _mb(r["after_app_start"]), _mb(r["after_all_pages"]),
                     _mb(r["peak"]), _mb(cs.get("rss_after_first_page")), _mb(cs.get("rss_after_all_pages"))])
    lines += ["Resident memory of the dashboard process:", ""]
    lines += _table(["Cases", "AppTest: before start", "after first run", "after every page", "peak",
                     "`streamlit run`: after first page", "after every page"], rows)
    errors = sorted({e for s in p_sizes for e in results["sizes"][s]["pages"]["errors"]})
    if errors:
        lines += ["Pages that raised an error under AppTest: " + "; ".join(f"`{e[:160]}`" for e in errors), ""]
    return lines


def _coldstart_section(results: dict, sizes: list[str]) -> list[str]:
    cs_sizes = [s for s in sizes if (results["sizes"][s].get("coldstart") or {}).get("first_chart_s")]
    failed = [s for s in sizes if (results["sizes"][s].get("coldstart") or {}).get("error")]
    if not cs_sizes and not failed:
        return []
    lines = ["## 4. Cold start in a browser", "",
             "`streamlit run dashboard.py` on the existing release, headless Chromium already open, the clock "
             "started with the server process. Then every page visited in the same session (seconds from the "
             "click until the script has finished).", ""]
    if cs_sizes:
        pages = list(results["sizes"][cs_sizes[-1]]["coldstart"].get("pages") or {})
        header = ["Cases", "Server healthy", "HTML loaded", "First title", "First chart sent", "First chart drawn",
                  "Second tab, warm server"] + [results["sizes"][cs_sizes[-1]]["coldstart"]["pages"][p]["title"]
                                                for p in pages] + ["Load average (1 min), start → end"]
        rows = []
        for s in cs_sizes:
            c = results["sizes"][s]["coldstart"]
            rows.append([f"{int(s):,}", _s(c["server_ready_s"]), _s(c.get("html_loaded_s")),
                         _s(c.get("first_title_s")), _s(c.get("first_chart_sent_s")), _s(c["first_chart_s"]),
                         _s(c.get("warm_server_first_chart_s"))]
                        + [_s(c["pages"].get(p, {}).get("seconds")) for p in pages]
                        + [" → ".join(f"{x[0]:.1f}" for x in c.get("load_average", []))])
        lines += _table(header, rows)
        errors = sorted({e for s in cs_sizes for e in results["sizes"][s]["coldstart"].get("errors", [])})
        if errors:
            lines += ["Browser errors: " + "; ".join(f"`{e[:200]}`" for e in errors), ""]
    for s in failed:
        lines += [f"At {int(s):,} cases the cold start failed: `{results['sizes'][s]['coldstart']['error'][-300:]}`",
                  ""]
    return lines


def markdown(results: dict, analysis: str | None = None) -> str:
    sizes = sorted(results["sizes"], key=int)
    g = results.get("goals") or goals(results)
    lines = _header(results) + _goal_rows(results, g)
    lines += _etl_section(results, sizes) + _query_section(results, sizes) + _page_section(results, sizes)
    lines += _coldstart_section(results, sizes)
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
