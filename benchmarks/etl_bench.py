"""The ETL by size: the private warehouse and, separately, the public release built after it.

Each build is a process of its own (``python -m benchmarks.etl_bench --json-out FILE``, interpreter start-up
included), measured for wall time, CPU time and peak resident memory. Inside it, ``etl.pipeline.build_warehouse``
is timed and its summary kept: the warehouse's steps (``summary["timings"]``) and the release step
(``summary["release"]["seconds"]``, of which ``seconds_counting`` reads the warehouse). The warehouse part is the
call's time minus the release's.

The privacy ledger is removed before every build, so each one is a first release: every vector of every year is
drawn (what a build with changed data costs; an unchanged year would only be republished). The last build is the
release the query and page benchmarks then read.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from benchmarks.common import env_for, ledger_path, load_average, log, release_dir, run_json, stats, warehouse_path


def _build_once(cases: int) -> dict:
    for path in (ledger_path(cases), ledger_path(cases).with_name(ledger_path(cases).name + ".wal")):
        path.unlink(missing_ok=True)
    load_before = load_average()
    inner, run = run_json("benchmarks.etl_bench", [], env_for(cases), timeout=7200)
    files = [p for p in release_dir(cases).rglob("*") if p.is_file()]
    return {**run.as_dict(), **inner, "load_average": [load_before, load_average()],
            "warehouse_bytes": warehouse_path(cases).stat().st_size,
            "release_bytes": sum(p.stat().st_size for p in files), "release_files": len(files)}


def run(cases: int, repeat: int) -> dict:
    runs = []
    for rep in range(repeat):
        log(f"  ETL {cases:,}: build {rep + 1}/{repeat}")
        runs.append(_build_once(cases))
    summary = {
        "process_s": stats([r["wall_s"] for r in runs]),
        "build_s": stats([r["build_s"] for r in runs]),
        "warehouse_s": stats([r["warehouse_s"] for r in runs]),
        "release_s": stats([r["release"]["seconds"] for r in runs]),
        "release_counting_s": stats([r["release"]["seconds_counting"] for r in runs]),
        "release_share": stats([r["release"]["seconds"] / r["warehouse_s"] for r in runs]),
        "cpu_s": stats([r["cpu_user_s"] + r["cpu_sys_s"] for r in runs]),
        "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs),
    }
    return {"runs": runs, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    """One build in this process (paths from the TIP_* environment); the figures go to --json-out."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.etl_bench")
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args(argv)
    from etl.pipeline import build_warehouse

    start = time.perf_counter()
    summary = build_warehouse()
    build_s = time.perf_counter() - start
    release = summary["release"]
    if not release.get("ok"):
        raise SystemExit(f"the release was not built: {release.get('error')}")
    result = {
        "build_s": round(build_s, 3), "warehouse_s": round(build_s - release["seconds"], 3),
        "steps": summary["timings"],
        "release": {k: release[k] for k in ("seconds", "seconds_counting", "tables", "years", "years_redrawn",
                                            "frozen_years")},
        "cases_loaded": summary["cases_loaded"], "victims_loaded": summary["victims_loaded"],
        "rows_read": summary["rows_read"], "rows_rejected": summary["rows_rejected"],
        "rows_merged": summary["rows_merged"], "cpus": os.cpu_count(),
    }
    args.json_out.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
