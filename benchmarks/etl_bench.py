"""The ETL (``python -m etl build``) beside DuckDB's bare ingest of the same files and a pandas + SQLite pipeline.

Each runs as its own process (interpreter start-up included for all three), measured for wall time, CPU time and
peak resident memory. The three are interleaved in every repetition, so a burst of load from elsewhere on the
machine falls on all of them alike. The last ETL build is the warehouse the query and page benchmarks then read.
"""

from __future__ import annotations

import json
import sys

import duckdb

from benchmarks.common import env_for, log, raw_dir, size_dir, stats, warehouse_path
from benchmarks.common import run_json as _run_json
from benchmarks.common import run_measured as _run_measured


def _etl(cases: int) -> dict:
    target = warehouse_path(cases)
    run = _run_measured([sys.executable, "-m", "etl", "build", "--quiet", "--raw", str(raw_dir(cases)),
                         "--warehouse", str(target)], env_for(cases), timeout=7200)
    if run.returncode != 0:
        raise RuntimeError(f"ETL build failed ({run.returncode}):\n{(run.stderr or run.stdout)[-3000:]}")
    with duckdb.connect(str(target), read_only=True) as con:
        row = con.execute("SELECT timings, cases_loaded, victims_loaded, rows_read, rows_rejected, rows_merged "
                          "FROM etl_runs ORDER BY started_at DESC LIMIT 1").fetchall()[0]
    return {**run.as_dict(), "steps": json.loads(row[0]), "cases_loaded": row[1], "victims_loaded": row[2],
            "rows_read": row[3], "rows_rejected": row[4], "rows_merged": row[5],
            "warehouse_bytes": target.stat().st_size}


def _alternative(pipeline: str, cases: int) -> dict:
    out = size_dir(cases) / ("floor.duckdb" if pipeline == "floor" else "pandas.sqlite")
    inner, run = _run_json("benchmarks.alternatives", [pipeline, str(raw_dir(cases)), str(out)], env_for(cases),
                           timeout=7200)
    result = {**run.as_dict(), **inner}
    out.unlink(missing_ok=True)
    return result


def run(cases: int, repeat: int) -> dict:
    runs: dict[str, list[dict]] = {"floor": [], "etl": [], "pandas": []}
    for rep in range(repeat):
        for name in ("floor", "etl", "pandas"):
            log(f"  ETL {cases:,}: {name} (run {rep + 1}/{repeat})")
            runs[name].append(_etl(cases) if name == "etl" else _alternative(name, cases))
    summary = {name: {"wall_s": stats([r["wall_s"] for r in rs]),
                      "cpu_s": stats([r["cpu_user_s"] + r["cpu_sys_s"] for r in rs]),
                      "peak_rss_bytes": max(r["peak_rss_bytes"] for r in rs)} for name, rs in runs.items()}
    return {"runs": runs, "summary": summary}
