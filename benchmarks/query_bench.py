"""Each page's query set, cold and warm, against the pandas-rerun approach, in one fresh process per warehouse.

1. **Record** the query set of every page: the dashboard runs through AppTest, page by page, with every cached
   function of ``tipdash.queries`` wrapped to note its name and arguments (top-level calls only; a query that
   calls another counts once). So the set is what the pages really ask, with their default filters, and it follows
   the pages when they change. The hotspots page is also recorded with a district profile open.
2. **Replay** each set, interleaved in every repetition so that noise falls on all of them alike:
   * *cold*: Streamlit's caches cleared and a fresh DuckDB connection (the OS file cache stays warm);
   * *warm*: the same calls again, answered by ``st.cache_data`` (what a rerun of the page costs);
   * *warm uncached*: the SQL itself with the connection open (``fn.uncached``), what any new filter costs;
   * *pandas rerun*: :class:`benchmarks.alternatives.PandasApp` answering the same questions from DataFrames
     loaded once (its load time and memory are reported apart).
3. **Concurrency**: many sessions at once, each with its own filters (so every query misses the cache), running
   every page's query set on a thread pool against the shared connection, as Streamlit's server would.

``python -m benchmarks.query_bench --repeat N --json-out FILE`` (the warehouse comes from TIP_WAREHOUSE).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import re
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

from benchmarks.common import REPO, proc_status, stats

HOTSPOT_PROFILE = "pages/hotspots.py#profile"
# What dashboard.py asks on every run before the page (the demo banner's data status, the sidebar's options).
# AppTest's switch_page runs only the page script, so these are added to every page's set.
SHARED_CALLS = [("data_status", (), {}), ("filter_options", (), {})]


def dashboard_pages() -> list[tuple[str, str]]:
    """(path, title) of every page in dashboard.py's navigation, in order."""
    source = (REPO / "dashboard.py").read_text(encoding="utf-8")
    found = re.findall(r'st\.Page\(\s*PAGES\s*/\s*"([^"]+)"\s*,\s*title\s*=\s*"([^"]+)"', source)
    return [(f"pages/{name}", title) for name, title in found]


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    for name in ("streamlit", "streamlit.runtime", "streamlit.runtime.caching"):
        logging.getLogger(name).setLevel(logging.ERROR)


# Recording ---------------------------------------------------------------------------------------------------


class Recorder:
    def __init__(self, queries):
        self.queries = queries
        self.originals = {name: fn for name, fn in vars(queries).items() if callable(fn) and hasattr(fn, "uncached")}
        self.calls: list[tuple[str, tuple, dict]] = []
        self._local = threading.local()

    def install(self) -> None:
        for name, fn in self.originals.items():
            setattr(self.queries, name, self._wrap(name, fn))

    def uninstall(self) -> None:
        for name, fn in self.originals.items():
            setattr(self.queries, name, fn)

    def _wrap(self, name, fn):
        def wrapper(*args, **kwargs):
            depth = getattr(self._local, "depth", 0)
            if depth == 0:
                self.calls.append((name, args, kwargs))
            self._local.depth = depth + 1
            try:
                return fn(*args, **kwargs)
            finally:
                self._local.depth = depth

        wrapper.uncached = fn.uncached
        wrapper.__name__ = name
        return wrapper

    def take(self) -> list[tuple[str, tuple, dict]]:
        """The calls since the last take and the shared ones, each distinct call once (in first-call order)."""
        seen, out = set(), []
        for name, args, kwargs in [*SHARED_CALLS, *self.calls]:
            key = (name, repr(args), repr(sorted(kwargs.items())))
            if key not in seen:
                seen.add(key)
                out.append((name, args, kwargs))
        self.calls = []
        return out


def record_page_sets(timeout: float) -> tuple[dict[str, list], dict[str, str], list[str]]:
    from streamlit.testing.v1 import AppTest

    from tipdash import queries

    recorder = Recorder(queries)
    recorder.install()
    sets: dict[str, list] = {}
    titles: dict[str, str] = {}
    errors: list[str] = []
    try:
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=timeout)
        at.run()
        recorder.take()
        for path, title in dashboard_pages():
            at.switch_page(path).run()
            sets[path], titles[path] = recorder.take(), title
            errors += [f"{path}: {e.message}" for e in at.exception]
            if path == "pages/hotspots.py":
                try:
                    at.selectbox(key="hot_district").set_value(_busiest_district(queries)).run()
                except (KeyError, ValueError) as exc:  # the page changed: say so, measure the rest
                    errors.append(f"{HOTSPOT_PROFILE}: could not open a district profile ({exc!r})")
                    recorder.take()
                    continue
                sets[HOTSPOT_PROFILE] = recorder.take()
                titles[HOTSPOT_PROFILE] = f"{title}, district profile open"
                errors += [f"{HOTSPOT_PROFILE}: {e.message}" for e in at.exception]
    finally:
        recorder.uninstall()
    return sets, titles, errors


def _busiest_district(queries) -> str | None:
    from tipdash.filters import default_filters

    top = queries.top_districts.uncached(default_filters(queries.filter_options.uncached()), 1)
    return None if top.empty else str(top["district_id"].iloc[0])


def describe_call(name: str, args: tuple, kwargs: dict) -> str:
    def show(value):
        if is_dataclass(value):
            changed = [f"{fl.name}={getattr(value, fl.name)!r}" for fl in fields(value)
                       if getattr(value, fl.name) not in ((), False)]
            return f"{type(value).__name__}({', '.join(changed)})"
        return repr(value)

    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


# Replay ------------------------------------------------------------------------------------------------------


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def _count_columns(df) -> dict[str, int]:
    """Sum of every published count column (None for suppressed), to compare two answers to one question."""
    import pandas as pd

    from tipdash import queries

    if not isinstance(df, pd.DataFrame):
        if df is None or df is pd.NA or isinstance(df, (int, float)):
            return {"cases": None if df is None or df is pd.NA else int(df)}
        return {}
    names = set(queries.CASE_COUNTS) | {"victims"}
    return {c: int(pd.to_numeric(df[c], errors="coerce").fillna(-1).sum()) for c in df.columns if c in names}


def _compare(duck, panda) -> str:
    a, b = _count_columns(duck), _count_columns(panda)
    common = sorted(set(a) & set(b))
    if not common:
        return "not comparable"
    return "equal" if all(a[c] == b[c] for c in common) else f"DIFFERENT {[(c, a[c], b[c]) for c in common]}"


def replay(sets: dict[str, list], repeat: int, app) -> dict:
    import streamlit as st

    from tipdash import queries

    fns = {name: getattr(queries, name) for name in {c[0] for calls in sets.values() for c in calls}}
    results: dict[str, dict] = {
        page: {"cold": [], "warm": [], "uncached": [], "uncached_comparable": [], "pandas": [],
               "per_call": {describe_call(*c): {"uncached": [], "pandas": []} for c in calls},
               "pandas_missing": sorted({c[0] for c in calls if not hasattr(app, c[0])}), "checks": {}}
        for page, calls in sets.items()
    }
    for rep in range(repeat):
        for page, calls in sets.items():
            res = results[page]
            st.cache_data.clear()
            st.cache_resource.clear()
            gc.collect()
            res["cold"].append(sum(_timed(fns[n], *a, **k)[0] for n, a, k in calls))
            res["warm"].append(sum(_timed(fns[n], *a, **k)[0] for n, a, k in calls))
            total = comparable = panda_total = 0.0
            for n, a, k in calls:
                label = describe_call(n, a, k)
                took, duck = _timed(fns[n].uncached, *a, **k)
                total += took
                res["per_call"][label]["uncached"].append(took)
                if hasattr(app, n):
                    comparable += took
                    took_pd, panda = _timed(getattr(app, n), *a, **k)
                    panda_total += took_pd
                    res["per_call"][label]["pandas"].append(took_pd)
                    if rep == 0:
                        res["checks"][label] = _compare(duck, panda)
            res["uncached"].append(total)
            res["uncached_comparable"].append(comparable)
            res["pandas"].append(panda_total)
    out = {}
    for page, res in results.items():
        out[page] = {key: stats(res[key]) for key in ("cold", "warm", "uncached", "uncached_comparable", "pandas")}
        out[page]["per_call"] = {label: {k: stats(v) for k, v in d.items() if v}
                                 for label, d in res["per_call"].items()}
        out[page]["pandas_missing"] = res["pandas_missing"]
        out[page]["checks"] = res["checks"]
    return out


# Concurrency -------------------------------------------------------------------------------------------------


def _session_filters(g, options, i: int):
    """Session ``i``'s variant of a recorded Filters: another period (and province), so the cache never helps."""
    span = g.year_to - g.year_from
    last = options.year_max - (i % max(1, options.year_max - options.year_min - span))
    variant = replace(g, year_from=max(options.year_min, last - span), year_to=last)
    provinces = [p for p in options.provinces if p]
    if not g.provinces and not g.districts and provinces and i % 3:
        variant = replace(variant, provinces=(provinces[i % len(provinces)],))
    return variant


def concurrency(sets: dict[str, list], sessions: int, workers: int) -> dict:
    from tipdash import queries
    from tipdash.filters import Filters

    options = queries.filter_options()
    fns = {name: getattr(queries, name).uncached for name in {c[0] for calls in sets.values() for c in calls}}

    def session(i: int) -> list[float]:
        latencies = []
        for calls in sets.values():
            start = time.perf_counter()
            for n, a, k in calls:
                args = [_session_filters(x, options, i) if isinstance(x, Filters) else x for x in a]
                fns[n](*args, **k)
            latencies.append(time.perf_counter() - start)
        return latencies

    serial_start = time.perf_counter()
    serial = session(0)
    serial_s = time.perf_counter() - serial_start
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        latencies = [x for lat in pool.map(session, range(1, sessions + 1)) for x in lat]
    wall = time.perf_counter() - start
    return {"sessions": sessions, "workers": workers, "page_sets_per_session": len(sets),
            "one_session_alone_s": round(serial_s, 4), "wall_s": round(wall, 4),
            "page_sets_per_s": round(len(latencies) / wall, 2), "page_set_latency": stats(latencies),
            "serial_page_set_latency": stats(serial)}


# Entry point -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.query_bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=24, help="concurrent sessions (0: skip)")
    parser.add_argument("--workers", type=int, default=24, help="threads serving them")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args(argv)
    _quiet()
    import duckdb

    from benchmarks.alternatives import PandasApp
    from tipcore import config

    started = time.perf_counter()
    sets, titles, errors = record_page_sets(args.timeout)
    record_s = time.perf_counter() - started
    with duckdb.connect(str(config.warehouse_path()), read_only=True) as con:
        cases = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
        rss_before = proc_status().get("VmRSS")
        app = PandasApp(con)
        rss_after = proc_status().get("VmRSS")
    pages = replay(sets, args.repeat, app)
    pandas_load = {"cases_s": round(app.load_cases_s, 3), "victims_s": round(app.load_victims_s, 3),
                   "frame_bytes": app.memory_bytes(), "rss_growth_bytes": (rss_after or 0) - (rss_before or 0)}
    del app
    gc.collect()
    conc = concurrency(sets, args.sessions, args.workers) if args.sessions else None
    result = {
        "cases": cases, "repeat": args.repeat, "record_s": round(record_s, 2), "errors": errors,
        "titles": titles, "calls": {p: [describe_call(*c) for c in calls] for p, calls in sets.items()},
        "pages": pages, "pandas_load": pandas_load, "concurrency": conc, "process": proc_status(),
        "threads_duckdb": os.cpu_count(),
    }
    args.json_out.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
