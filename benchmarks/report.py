"""The goals with their measured ratios, and the markdown report (docs/benchmarks.md) from the raw figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from benchmarks.common import REPO, ratio

GOALS = {
    "etl_vs_floor": "ETL at 1M cases takes no more than 3× DuckDB's bare ingest of the same files",
    "etl_vs_pandas": "ETL at 1M cases is at least 5× faster than the pandas + SQLite pipeline",
    "queries_vs_pandas": "every page's warm query set at 1M cases runs at least 10× faster than pandas-rerun",
    "query_growth": "from 10k to 1M cases no page's query time grows by more than 5×",
    "memory_growth": "dashboard resident memory after every page at 1M is no more than 1.5× its size at 10k",
    "cold_start": "first page rendered in a browser within 5 s of `streamlit run` on a 1M-case warehouse",
}


def _largest(results: dict) -> int | None:
    sizes = sorted(int(s) for s in results["sizes"])
    return max(sizes) if sizes else None


def _smallest(results: dict) -> int | None:
    sizes = sorted(int(s) for s in results["sizes"])
    return min(sizes) if sizes else None


def _med(block: dict | None, key: str = "wall_s") -> float | None:
    try:
        return block[key]["median"]
    except (KeyError, TypeError):
        return None


def _backfill(results: dict) -> None:
    """CPU-time summaries for figures written before they were summarised (the raw runs always had them)."""
    from benchmarks.common import stats

    for entry in results["sizes"].values():
        etl = entry.get("etl") or {}
        for name, block in (etl.get("summary") or {}).items():
            if "cpu_s" not in block:
                block["cpu_s"] = stats([r["cpu_user_s"] + r["cpu_sys_s"] for r in etl["runs"][name]])


def goals(results: dict) -> dict[str, dict]:
    """Each goal: the size it was judged at, the measured value or ratio, the target, met or not."""
    _backfill(results)
    big, small = _largest(results), _smallest(results)
    out: dict[str, dict] = {}
    if big is None:
        return out
    per = results["sizes"]
    b = per[str(big)]
    etl = b.get("etl", {}).get("summary")
    if etl:
        floor, ours, pandas = (_med(etl[k]) for k in ("floor", "etl", "pandas"))
        r = ratio(ours, floor)
        cpu = {k: _med(etl[k], "cpu_s") for k in ("floor", "etl", "pandas")}
        cpu_r = ratio(cpu["etl"], cpu["floor"])
        out["etl_vs_floor"] = {"size": big, "value": r, "target": "≤ 3.0×", "met": r is not None and r <= 3,
                               "cpu_value": cpu_r,
                               "detail": f"ETL {ours:.1f} s, bare ingest {floor:.1f} s (medians)"
                                         + (f"; in CPU time {cpu['etl']:.0f} s vs {cpu['floor']:.0f} s = "
                                            f"{cpu_r:.1f}×" if cpu_r else "")}
        r = ratio(pandas, ours)
        ceiling = ratio(pandas, floor)
        out["etl_vs_pandas"] = {"size": big, "value": r, "target": "≥ 5.0×", "met": r is not None and r >= 5,
                                "ceiling": ceiling,
                                "detail": f"pandas + SQLite {pandas:.1f} s, ETL {ours:.1f} s (medians); even the bare "
                                          f"ingest is only {ceiling:.1f}× faster than pandas + SQLite"
                                          + (f"; in CPU time pandas {cpu['pandas']:.0f} s vs ETL {cpu['etl']:.0f} s"
                                             if cpu["etl"] else "")}
    q = b.get("queries", {}).get("pages")
    if q:
        cached = {p: ratio(_med(v, "pandas"), _med(v, "warm")) for p, v in q.items()}
        uncached = {p: ratio(_med(v, "pandas"), _med(v, "uncached_comparable")) for p, v in q.items()}
        worst = min((r, p) for p, r in cached.items() if r is not None)
        worst_sql = min((r, p) for p, r in uncached.items() if r is not None)
        out["queries_vs_pandas"] = {
            "size": big, "value": worst[0], "target": "≥ 10× on every page", "met": worst[0] >= 10,
            "detail": f"smallest ratio, warm (cached): {worst[0]:.0f}× ({worst[1]}); warm uncached (the SQL "
                      f"itself): {worst_sql[0]:.1f}× ({worst_sql[1]})",
            "sql_value": worst_sql[0], "sql_met": worst_sql[0] >= 10, "per_page_cached": cached,
            "per_page_uncached": uncached}
    if small is not None and small != big and q and per[str(small)].get("queries"):
        q0 = per[str(small)]["queries"]["pages"]
        growth = {p: {m: ratio(_med(q[p], m), _med(q0[p], m)) for m in ("uncached", "cold", "warm")}
                  for p in q if p in q0}
        worst = max((g["uncached"], p) for p, g in growth.items() if g["uncached"] is not None)
        worst_cold = max((g["cold"], p) for p, g in growth.items() if g["cold"] is not None)
        out["query_growth"] = {
            "size": f"{small:,} → {big:,}", "value": worst[0], "target": "≤ 5× on every page",
            "met": worst[0] <= 5, "per_page": growth,
            "detail": f"largest growth, warm uncached: {worst[0]:.1f}× ({worst[1]}); cold: {worst_cold[0]:.1f}× "
                      f"({worst_cold[1]}); data grew {big / small:.0f}×"}
    pg_big, pg_small = b.get("pages"), per[str(small)].get("pages") if small is not None else None
    if pg_big and pg_small and small != big:
        r = ratio(pg_big["rss"]["after_all_pages"], pg_small["rss"]["after_all_pages"])
        detail = (f"AppTest process: {_mb(pg_big['rss']['after_all_pages'])} at {big:,} vs "
                  f"{_mb(pg_small['rss']['after_all_pages'])} at {small:,}")
        cs_big, cs_small = b.get("coldstart") or {}, per[str(small)].get("coldstart") or {}
        server = ratio(cs_big.get("rss_after_all_pages"), cs_small.get("rss_after_all_pages"))
        if server is not None:
            detail += (f"; `streamlit run` server: {_mb(cs_big['rss_after_all_pages'])} vs "
                       f"{_mb(cs_small['rss_after_all_pages'])} ({server:.2f}×)")
        out["memory_growth"] = {"size": f"{small:,} → {big:,}", "value": r, "target": "≤ 1.5×",
                                "met": r is not None and r <= 1.5, "server_ratio": server, "detail": detail}
    cs = b.get("coldstart")
    if cs and cs.get("first_chart_s") is not None:
        v = cs["first_chart_s"]
        out["cold_start"] = {"size": big, "value": v, "target": "≤ 5 s", "met": v <= 5,
                             "detail": f"server healthy {cs['server_ready_s']:.1f} s, first title "
                                       f"{cs.get('first_title_s', float('nan')):.1f} s, first chart sent by the "
                                       f"server {cs.get('first_chart_sent_s', float('nan')):.1f} s and drawn "
                                       f"{v:.1f} s; the "
                                       f"same page in a second tab with the server warm: "
                                       f"{cs.get('warm_server_first_chart_s', float('nan')):.1f} s"}
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


def _x(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}×"


def _stat(block: dict | None) -> str:
    if not block or block.get("median") is None:
        return "–"
    return f"{_s(block['median'])} / {_s(block['p95'])}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _page_name(results: dict, size: str, page: str) -> str:
    for part in ("queries", "pages"):
        titles = (results["sizes"][size].get(part) or {}).get("titles") or {}
        if page in titles:
            return titles[page]
    return page


def markdown(results: dict, analysis: str | None = None) -> str:
    m = results["machine"]
    sizes = sorted(results["sizes"], key=int)
    g = results.get("goals") or goals(results)
    pk = m["packages"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (see `benchmarks/`); raw figures in "
        f"[`{results['json_name']}`]({results['json_name']}). Every comparison is a ratio measured in the same run, "
        "on the same files and warehouse, interleaved, so a busy machine slows both sides alike. Times are medians "
        "(and 95th percentiles) of repeated runs.",
        "",
        f"**Machine:** {m['cpu_count']} cores ({m['cpus_usable']} usable), {_mb(m['memory_bytes'])} RAM, "
        f"{m['platform']}, Python {m['python']}. **Packages:** streamlit {pk.get('streamlit')}, plotly "
        f"{pk.get('plotly')}, duckdb {pk.get('duckdb')}, pandas {pk.get('pandas')}, pyarrow {pk.get('pyarrow')}, "
        f"python-calamine {pk.get('python-calamine')}; {m.get('chromium') or 'no Chromium'}. "
        f"**Commit:** {m.get('git_commit')}{' (with uncommitted changes)' if m.get('git_dirty') else ''}. "
        f"**Run:** {results['started']}, {results['duration_s'] / 60:.0f} min, sizes "
        f"{', '.join(f'{int(s):,}' for s in sizes)} cases, {results['args']['repeat']} repetitions of each query "
        f"and page measurement, {results['args']['etl_repeat']} of each ETL. Load average (1/5/15 min) at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_start'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in results.get('load_average_end', []))}: other jobs shared the machine.",
        "",
        "## Goals",
        "",
    ]
    rows = []
    for key, text in GOALS.items():
        res = g.get(key)
        if not res:
            rows.append([text, "–", "not measured in this run", "–"])
            continue
        value = res["value"]
        shown = f"{value:.1f} s" if key == "cold_start" else _x(value, 2 if key == "memory_growth" else 1)
        size = res["size"] if isinstance(res["size"], str) else f"{res['size']:,}"
        rows.append([text, res["target"], f"**{shown}** at {size} cases. {res['detail']}",
                     "met" if res["met"] else "**missed**"])
    lines += _table(["Goal", "Target", "Measured", ""], rows)

    # ETL
    etl_sizes = [s for s in sizes if results["sizes"][s].get("etl")]
    if etl_sizes:
        lines += ["## 1. ETL", "",
                  "Each pipeline is a separate process (start-up included), reading the same raw files: 19 files "
                  "per size, 8 CSV (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252) and 11 FIA workbooks. "
                  "*Bare ingest* is DuckDB `read_csv` of every CSV into text columns (the Windows-1252 file "
                  "streamed to UTF-8 first, which DuckDB needs) plus the workbooks read with calamine, the ETL's own "
                  ".xlsx reader, since DuckDB has no .xlsx reader without downloading its excel extension; no "
                  "validation. *pandas + SQLite* (`benchmarks/alternatives.py`) reads the mapped columns with "
                  "pandas, maps codes, dates, districts, sections and numbers, drops rejected rows, merges "
                  "duplicates, pseudonymises and writes cases and victims with `to_sql`; it keeps no per-cell "
                  "problem report and no k-anonymity check, so it does less than the ETL. Its case counts equal "
                  "the ETL's.", ""]
        rows = []
        for s in etl_sizes:
            e = results["sizes"][s]["etl"]["summary"]
            floor, ours, pandas = (_med(e[k]) for k in ("floor", "etl", "pandas"))
            rows.append([f"{int(s):,}", _stat(e["floor"]["wall_s"]), _stat(e["etl"]["wall_s"]),
                         _stat(e["pandas"]["wall_s"]), _x(ratio(ours, floor)), _x(ratio(pandas, ours)),
                         _x(ratio(pandas, floor)),
                         " / ".join(f"{_med(e[k], 'cpu_s'):.1f} s" if _med(e[k], "cpu_s") is not None else "–"
                                    for k in ("floor", "etl", "pandas")),
                         f"{_mb(e['floor']['peak_rss_bytes'])} / {_mb(e['etl']['peak_rss_bytes'])} / "
                         f"{_mb(e['pandas']['peak_rss_bytes'])}"])
        lines += _table(["Cases", "Bare ingest", "ETL", "pandas + SQLite", "ETL ÷ bare ingest",
                         "pandas ÷ ETL", "pandas ÷ bare ingest", "CPU time (ingest / ETL / pandas)",
                         "Peak memory (ingest / ETL / pandas)"], rows)
        loads = [(s, results["sizes"][s].get("load_average_start"), results["sizes"][s].get("load_average_end"))
                 for s in etl_sizes]
        if any(a for _, a, _ in loads):
            lines += ["Load average (1 min) on this 2-core machine while each size ran, start → end: "
                      + "; ".join(f"{int(s):,}: {a[0]:.1f} → {b[0]:.1f}" for s, a, b in loads if a and b)
                      + ". Wall-clock ratios drift with it; CPU time (user + system of the process) does less.", ""]
        rows = []
        for s in etl_sizes:
            runs = results["sizes"][s]["etl"]["runs"]
            last = runs["etl"][-1]
            steps = last["steps"]
            fl = runs["floor"][-1]["timings"]
            pd_t = runs["pandas"][-1]["timings"]
            rows.append([f"{int(s):,}", ", ".join(f"{k} {v:.1f}" for k, v in steps.items() if v >= 0.05),
                         f"CSV {fl['csv_s']:.1f} (of which re-encoding {fl['transcode_s']:.1f}), "
                         f"xlsx {fl['xlsx_s']:.1f}",
                         ", ".join(f"{k} {v:.1f}" for k, v in pd_t.items()),
                         f"{last['cases_loaded']:,} cases, {last['victims_loaded']:,} victims"])
        lines += ["Where the time goes (seconds, last run of each):", ""]
        lines += _table(["Cases", "ETL steps", "Bare ingest", "pandas steps", "Loaded by the ETL"], rows)

    # Queries
    q_sizes = [s for s in sizes if results["sizes"][s].get("queries")]
    if q_sizes:
        lines += ["## 2. Queries", "",
                  "Each page's query set is recorded by running the page through AppTest with every "
                  "`tipdash.queries` function wrapped (so it is exactly what the page asks, default filters: the "
                  "last three complete years, no other filter), plus what `dashboard.py` asks on every run. "
                  "*Cold*: Streamlit's caches cleared and a fresh DuckDB connection (the OS file cache stays warm). "
                  "*Warm*: the same calls answered by `st.cache_data`, which is what a rerun costs. *Warm "
                  "uncached*: the SQL itself with the connection open, which is what every new filter combination "
                  "costs and the honest match for pandas. *pandas rerun*: the usual Streamlit approach, the "
                  "`cases` and `victims` tables held in DataFrames and filtered and grouped on every rerun "
                  "(same questions, same small-cell protection; results checked equal to the SQL's). "
                  "Median / 95th percentile of the whole set.", ""]
        for s in q_sizes:
            qr = results["sizes"][s]["queries"]
            lines += [f"### {int(s):,} cases", ""]
            rows = []
            for page, v in qr["pages"].items():
                rows.append([_page_name(results, s, page), len(qr["calls"][page]), _stat(v["cold"]), _stat(v["warm"]),
                             _stat(v["uncached"]), _stat(v["pandas"]),
                             _x(ratio(_med(v, "pandas"), _med(v, "warm")), 0),
                             _x(ratio(_med(v, "pandas"), _med(v, "uncached_comparable")))])
            lines += _table(["Page", "Queries", "Cold", "Warm (cached)", "Warm uncached", "pandas rerun",
                             "pandas ÷ warm", "pandas ÷ uncached"], rows)
            pl = qr["pandas_load"]
            checks = [c for v in qr["pages"].values() for c in v["checks"].values()]
            equal = sum(c == "equal" for c in checks)
            different = [c for c in checks if c.startswith("DIFFERENT")]
            lines += [f"pandas rerun's one-off cost: loading `cases` {_s(pl['cases_s'])} and `victims` "
                      f"{_s(pl['victims_s'])}, {_mb(pl['frame_bytes']['cases'] + pl['frame_bytes']['victims'])} of "
                      f"DataFrames (process memory grew {_mb(pl['rss_growth_bytes'])}), held for every session "
                      f"unless shared. Answers checked: {equal} equal to the SQL's"
                      + (f", **{len(different)} different**" if different else "")
                      + f", {len(checks) - equal - len(different)} not comparable column by column "
                      "(reference tables, reshaped results).", ""]
        big = q_sizes[-1]
        calls: dict[str, dict] = {}
        for v in results["sizes"][big]["queries"]["pages"].values():
            for label, st in v["per_call"].items():
                calls.setdefault(label, st)
        slow = sorted(calls.items(), key=lambda kv: -(_med(kv[1], "uncached") or 0))[:8]
        lines += [f"The slowest questions at {int(big):,} cases (warm uncached, median / p95; pandas rerun beside):",
                  ""]
        lines += _table(["Query", "SQL", "pandas"], [[f"`{label[:110]}`", _stat(st.get("uncached")),
                                                      _stat(st.get("pandas"))] for label, st in slow])
        g2 = g.get("query_growth")
        if g2:
            lines += [f"### Growth from {g2['size']} cases", ""]
            rows = [[_page_name(results, q_sizes[-1], p), _x(v["cold"]), _x(v["warm"]), _x(v["uncached"])]
                    for p, v in g2["per_page"].items()]
            lines += _table(["Page", "Cold", "Warm (cached)", "Warm uncached"], rows)
        conc = [(s, results["sizes"][s]["queries"].get("concurrency")) for s in q_sizes]
        conc = [(s, c) for s, c in conc if c]
        if conc:
            lines += ["### Many officials at once", "",
                      "Each session has its own filters (another period, often a province), so no query is served "
                      "from the cache; every session runs every page's query set, on a thread pool against the one "
                      "shared connection, as Streamlit's server does.", ""]
            rows = [[f"{int(s):,}", c["sessions"], _s(c["serial_page_set_latency"]["median"]),
                     _stat(c["page_set_latency"]), f"{c['page_sets_per_s']:.1f}", _s(c["wall_s"])]
                    for s, c in conc]
            lines += _table(["Cases", "Sessions at once", "Page set, one session alone (median)",
                             "Page set, all at once (median / p95)", "Page sets per second", "Wall time"], rows)

    # Pages
    p_sizes = [s for s in sizes if results["sizes"][s].get("pages")]
    if p_sizes:
        lines += ["## 3. Pages", "",
                  "Every page through AppTest in a fresh process per size: *first visit* (queries miss the cache) "
                  "and *rerun* (the page again, queries cached), median / 95th percentile. Resident memory of the "
                  "process after every page has been visited.", ""]
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
        lines += _table(header, rows)
        rows = []
        for s in p_sizes:
            r = results["sizes"][s]["pages"]["rss"]
            cs = results["sizes"][s].get("coldstart") or {}
            rows.append([f"{int(s):,}", _mb(r["baseline"]), _mb(r["after_app_start"]), _mb(r["after_all_pages"]),
                         _mb(r["peak"]), _mb(cs.get("rss_after_first_page")), _mb(cs.get("rss_after_all_pages"))])
        lines += _table(["Cases", "AppTest: before start", "after first run", "after every page", "peak",
                         "`streamlit run`: after first page", "after every page"], rows)
        errors = sorted({e for s in p_sizes for e in results["sizes"][s]["pages"]["errors"]})
        if errors:
            lines += ["Pages that raised an error under AppTest: " + "; ".join(f"`{e[:160]}`" for e in errors), ""]

    cs_sizes = [s for s in sizes if (results["sizes"][s].get("coldstart") or {}).get("first_chart_s")]
    if cs_sizes:
        lines += ["## Cold start in a browser", "",
                  "`streamlit run dashboard.py` on the existing warehouse, headless Chromium already open, the "
                  "clock started with the server process. Then every page visited in the same session "
                  "(seconds from the click until the script has finished).", ""]
        pages = [p for p in (results["sizes"][cs_sizes[-1]]["coldstart"].get("pages") or {})]
        header = ["Cases", "Server healthy", "HTML loaded", "First title", "First chart sent", "First chart drawn",
                  "Second tab, warm server"] + [results["sizes"][cs_sizes[-1]]["coldstart"]["pages"][p]["title"]
                                                for p in pages]
        rows = []
        for s in cs_sizes:
            c = results["sizes"][s]["coldstart"]
            rows.append([f"{int(s):,}", _s(c["server_ready_s"]), _s(c.get("html_loaded_s")),
                         _s(c.get("first_title_s")), _s(c.get("first_chart_sent_s")), _s(c["first_chart_s"]),
                         _s(c.get("warm_server_first_chart_s"))]
                        + [_s(c["pages"].get(p, {}).get("seconds")) for p in pages])
        lines += _table(header, rows)
        errors = sorted({e for s in cs_sizes for e in results["sizes"][s]["coldstart"].get("errors", [])})
        if errors:
            lines += ["Browser errors: " + "; ".join(f"`{e[:200]}`" for e in errors), ""]

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
