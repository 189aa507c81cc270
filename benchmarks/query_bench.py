"""Each page's query set against the public release, cold, warm and uncached, in one fresh process per size.

1. **Record** the query set of every page: the dashboard runs through AppTest, page by page, with every cached
   function of ``tipdash.queries`` wrapped to note its name and arguments (top-level calls only; a query that
   calls another counts once). So the set is what the pages really ask, with their default filters, and it follows
   the pages when they change. The hotspots page is also recorded with a district profile open.
2. **Replay** each set, interleaved in every repetition so that noise falls on all of them alike:
   * *cold*: Streamlit's caches cleared (``st.cache_data`` and ``st.cache_resource``), so the release is loaded
     again from its CSV files and every question computed: what the first visitor after a start or a new release
     waits for (the release load alone is timed too);
   * *warm*: the same calls again, answered by ``st.cache_data`` (what a rerun of the page costs);
   * *uncached*: each question's own function (``fn.uncached``) with the release loaded: what any new filter
     costs. Its process CPU time is kept beside its wall time (DuckDB's threads included): on a shared machine
     the wall time grows with other jobs' load, the CPU time far less. The 1-minute load average is read at every
     repetition. What *uncached* still reuses, as a server with the release loaded would: the release's facts that
     the questions build on (``queries.per_release``: the gazetteer, the filter options, the data status, the
     years to maturity), kept per release and dropped with it (the *cold* pass loads a new one); and, as before,
     Streamlit's cache of a question another question asks (``selection_in_court`` in ``headline``).
3. **Where the time goes**: the uncached set once more per repetition with ``db.fetch_df`` and
   ``queries.released`` wrapped: time in DuckDB (statement and conversion to a DataFrame), in ``released``
   beyond its SQL (table choice, margins, merges), and in the rest (rates, display rule, names, reshaping).
   The same pass checks that the set **reads the release only**: the process has no private folder (see
   ``benchmarks.common.dashboard_env``), no ETL module is loaded, every statement runs on the release's
   connection, and every table it names is one of the release's.
4. **Concurrency**: many sessions at once, each with its own filters (so every query misses the cache), running
   every page's query set on a thread pool against the shared connection, as Streamlit's server would.

``python -m benchmarks.query_bench --repeat N --json-out FILE`` (the release comes from TIP_RELEASE_DIR).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import re
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

from benchmarks.common import REPO, load_average, proc_status, stats

HOTSPOT_PROFILE = "pages/hotspots.py#profile"
# What dashboard.py asks on every run before the page (the demo banner's data status, the sidebar's options).
# AppTest's switch_page runs only the page script, so these are added to every page's set.
SHARED_CALLS = [("data_status", (), {}), ("filter_options", (), {})]


def dashboard_pages() -> list[tuple[str, str]]:
    """(path, title) of every page in dashboard.py's navigation, in order."""
    source = (REPO / "dashboard.py").read_text(encoding="utf-8")
    # A title is a plain string or a message marked for translation, _("...").
    found = re.findall(r'st\.Page\(\s*PAGES\s*/\s*"([^"]+)"\s*,\s*title\s*=\s*(?:_\()?"([^"]+)"', source)
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


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()


def replay(sets: dict[str, list], repeat: int) -> tuple[dict, dict]:
    """Cold, warm and uncached time of every page's set; and the release's load time, with the load averages."""
    from tipdash import db, queries

    fns = {name: getattr(queries, name) for name in {c[0] for calls in sets.values() for c in calls}}
    results: dict[str, dict] = {
        page: {"cold": [], "warm": [], "uncached": [], "uncached_cpu": [],
               "per_call": {describe_call(*c): [] for c in calls}}
        for page, calls in sets.items()
    }
    release_load, loads = [], []
    for _ in range(repeat):
        loads.append(load_average()[0])
        _clear_caches()
        release_load.append(_timed(db.release)[0])
        for page, calls in sets.items():
            res = results[page]
            _clear_caches()
            res["cold"].append(sum(_timed(fns[n], *a, **k)[0] for n, a, k in calls))
            res["warm"].append(sum(_timed(fns[n], *a, **k)[0] for n, a, k in calls))
            total = 0.0
            cpu_start = time.process_time()
            for n, a, k in calls:
                took = _timed(fns[n].uncached, *a, **k)[0]
                res["per_call"][describe_call(n, a, k)].append(took)
                total += took
            res["uncached_cpu"].append(time.process_time() - cpu_start)
            res["uncached"].append(total)
    loads.append(load_average()[0])
    out = {page: {**{key: stats(res[key]) for key in ("cold", "warm", "uncached", "uncached_cpu")},
                  "per_call": {label: stats(v) for label, v in res["per_call"].items()}}
           for page, res in results.items()}
    return out, {"release_load": stats(release_load), "load_average_1min": loads}


# Where the time goes, and what is read -----------------------------------------------------------------------

_TABLE_NAMES = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)


class Tracer:
    """Wraps ``db.fetch_df`` and ``queries.released`` to time them (outermost calls only) and note the SQL."""

    def __init__(self):
        from tipdash import db, queries

        self.db, self.queries = db, queries
        self.fetch_df, self.released = db.fetch_df, queries.released
        self._depth = threading.local()
        self.take()

    def _enter(self, name: str) -> int:
        depth = getattr(self._depth, name, 0)
        setattr(self._depth, name, depth + 1)
        return depth

    def _leave(self, name: str) -> None:
        setattr(self._depth, name, getattr(self._depth, name) - 1)

    def install(self) -> None:
        def fetch_df(sql, params=None):
            outer = self._enter("sql") == 0
            inside_released = getattr(self._depth, "released", 0) > 0
            start = time.perf_counter()
            try:
                return self.fetch_df(sql, params)
            finally:
                if outer:
                    took = time.perf_counter() - start
                    self.sql_s += took
                    self.sql_in_released_s += took if inside_released else 0.0
                    self.statements += 1
                    self.tables |= set(_TABLE_NAMES.findall(sql))
                self._leave("sql")

        def released(*args, **kwargs):
            outer = self._enter("released") == 0
            start = time.perf_counter()
            try:
                return self.released(*args, **kwargs)
            finally:
                if outer:
                    self.released_s += time.perf_counter() - start
                    self.released_calls += 1
                self._leave("released")

        self.db.fetch_df, self.queries.released = fetch_df, released

    def uninstall(self) -> None:
        self.db.fetch_df, self.queries.released = self.fetch_df, self.released

    def take(self) -> dict:
        out = {k: getattr(self, k, 0) for k in ("sql_s", "sql_in_released_s", "released_s", "statements",
                                                 "released_calls")}
        out["tables"] = sorted(getattr(self, "tables", set()))
        self.sql_s = self.sql_in_released_s = self.released_s = 0.0
        self.statements = self.released_calls = 0
        self.tables: set[str] = set()
        return out


def breakdown(sets: dict[str, list], repeat: int) -> dict:
    """Per page: uncached time split into SQL, the rest of ``released``, and everything else; what it reads."""
    from tipdash import db, queries

    fns = {name: getattr(queries, name) for name in {c[0] for calls in sets.values() for c in calls}}
    release = db.release()
    release_tables = set(release.tables)
    databases = [tuple(r) for r in release.con.execute(
        "SELECT database_name, readonly FROM duckdb_databases() WHERE NOT internal").fetchall()]
    tracer = Tracer()
    parts: dict[str, dict[str, list]] = {p: {"total": [], "sql": [], "released_other": [], "other": []}
                                         for p in sets}
    reads: dict[str, dict] = {}
    tracer.install()
    try:
        for _ in range(repeat):
            for page, calls in sets.items():
                tracer.take()
                total = sum(_timed(fns[n].uncached, *a, **k)[0] for n, a, k in calls)
                t = tracer.take()
                parts[page]["total"].append(total)
                parts[page]["sql"].append(t["sql_s"])
                parts[page]["released_other"].append(t["released_s"] - t["sql_in_released_s"])
                parts[page]["other"].append(total - t["released_s"] - (t["sql_s"] - t["sql_in_released_s"]))
                reads[page] = {"statements": t["statements"], "released_calls": t["released_calls"],
                               "tables": t["tables"], "not_in_release": sorted(set(t["tables"]) - release_tables)}
    finally:
        tracer.uninstall()
    from tipcore import config

    process = {"etl_loaded": any(m == "etl" or m.startswith("etl.") for m in sys.modules),
               "private_folder_exists": config.private_dir().exists(),
               "warehouse_exists": config.warehouse_path().exists(),
               "databases": databases}
    only = (not process["etl_loaded"] and not process["warehouse_exists"]
            and not process["private_folder_exists"] and all(not r["not_in_release"] for r in reads.values())
            and all(db_name in ("memory", db.SCHEMA) for db_name, _ in databases))
    return {"pages": {p: {**{k: stats(v) for k, v in d.items()}, **reads[p]} for p, d in parts.items()},
            "process": process, "release_only": only}


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
    from tipdash import db

    started = time.perf_counter()
    sets, titles, errors = record_page_sets(args.timeout)
    record_s = time.perf_counter() - started
    release = db.release()
    rows = {t: release.con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in sorted(release.tables)}
    load_start = load_average()
    pages, replayed = replay(sets, args.repeat)
    split = breakdown(sets, args.repeat)
    conc = concurrency(sets, args.sessions, args.workers) if args.sessions else None
    result = {
        "repeat": args.repeat, "record_s": round(record_s, 2), "errors": errors, "titles": titles,
        "calls": {p: [describe_call(*c) for c in calls] for p, calls in sets.items()},
        "release_rows": rows, "pages": pages, **replayed, "breakdown": split, "concurrency": conc,
        "load_average": [load_start, load_average()], "process": proc_status(), "cpus": os.cpu_count(),
    }
    args.json_out.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
