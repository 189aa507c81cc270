"""Every page through Streamlit's AppTest in one fresh process: time per run, and resident memory after all pages.

* *first visit*: the page's first run in the session (its queries miss the cache; the release is loaded);
* *rerun*: the same page run again (what every widget change that does not change a query costs);
* the very first run of the app (connection opened, overview drawn) is reported apart as *app start*.

The process's resident memory (VmRSS) is read before the app starts and after every page has been visited, so the
growth is the dashboard's own: the release loaded into DuckDB, query results, caches, the figures.

``python -m benchmarks.page_bench --repeat N --json-out FILE`` (the release comes from TIP_RELEASE_DIR).
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path

from benchmarks.common import REPO, load_average, proc_status, stats
from benchmarks.query_bench import HOTSPOT_PROFILE, _busiest_district, _quiet, dashboard_pages


def _timed_run(at) -> float:
    start = time.perf_counter()
    at.run()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.page_bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args(argv)
    _quiet()
    load_start = load_average()
    baseline = proc_status()
    start = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    import_s = time.perf_counter() - start
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=args.timeout)
    app_start = _timed_run(at)
    after_start = proc_status()
    errors = [f"app start: {e.message}" for e in at.exception]
    pages: dict[str, dict] = {}
    titles: dict[str, str] = {}
    for path, title in dashboard_pages():
        at.switch_page(path)
        first = _timed_run(at)
        reruns = [_timed_run(at) for _ in range(args.repeat)]
        errors += [f"{path}: {e.message}" for e in at.exception]
        pages[path] = {"first_s": round(first, 4), "rerun": stats(reruns), "elements": len(list(at.main))}
        titles[path] = title
        if path == "pages/hotspots.py":
            from tipdash import queries

            try:
                at.selectbox(key="hot_district").set_value(_busiest_district(queries))
            except (KeyError, ValueError) as exc:  # the page changed: say so, measure the rest
                errors.append(f"{HOTSPOT_PROFILE}: could not open a district profile ({exc!r})")
                continue
            first = _timed_run(at)
            reruns = [_timed_run(at) for _ in range(args.repeat)]
            errors += [f"{HOTSPOT_PROFILE}: {e.message}" for e in at.exception]
            pages[HOTSPOT_PROFILE] = {"first_s": round(first, 4), "rerun": stats(reruns),
                                      "elements": len(list(at.main))}
            titles[HOTSPOT_PROFILE] = f"{title}, district profile open"
            at.selectbox(key="hot_district").set_value(None)
    after_pages = proc_status()
    gc.collect()
    after_gc = proc_status()
    result = {
        "import_s": round(import_s, 3), "app_start_s": round(app_start, 4), "pages": pages, "titles": titles,
        "errors": errors, "load_average": [load_start, load_average()],
        "rss": {"baseline": baseline.get("VmRSS"), "after_app_start": after_start.get("VmRSS"),
                "after_all_pages": after_pages.get("VmRSS"), "after_gc": after_gc.get("VmRSS"),
                "peak": after_gc.get("VmHWM")},
    }
    args.json_out.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
