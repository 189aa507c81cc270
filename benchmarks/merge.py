"""Put newer measurements of some parts into the last full run's figures (``docs/benchmarks.json``), so the report
shows them without a full run (about half an hour): the query sets at one size (``benchmarks.query_bench``'s JSON)
and the browser run (``benchmarks.draw_bench``'s JSON). The report's header names every part measured again, with
its commit, time and load; the other parts keep the full run's.

    python -m benchmarks.merge --queries Q.json --draw D.json
    python -m benchmarks --report-only
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from benchmarks.common import REPO, git_commit

FIGURES = REPO / "docs" / "benchmarks.json"


def merged(results: dict, queries: dict | None, draw: dict | None, size: str, commit: str | None,
           when: str) -> dict:
    """``results`` with the parts given replaced, each listed in ``remeasured``."""
    out = json.loads(json.dumps(results))
    remeasured = [r for r in out.get("remeasured", [])
                  if r["part"] not in ({f"queries {size}"} if queries else set()) | ({"draw"} if draw else set())]
    if queries is not None:
        out["sizes"][size]["queries"] = queries
        remeasured.append({"part": f"queries {size}", "what": f"queries against the release at {int(size):,} cases",
                           "command": f"python -m benchmarks.query_bench --repeat {queries.get('repeat')} "
                                      "--sessions 0", "commit": commit, "when": when,
                           "load": queries.get("load_average_1min")})
    if draw is not None:
        out.setdefault("draw", {})["browser"] = draw
        remeasured.append({"part": "draw", "what": "pages drawn in Chromium",
                           "command": f"python -m benchmarks.draw_bench --repeat {draw.get('repeat')}",
                           "commit": draw.get("git_commit") or commit, "when": when,
                           "load": draw.get("load_average_1min")})
    out["remeasured"] = remeasured
    return out


def _read(path: Path | None) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.merge")
    parser.add_argument("--queries", type=Path, help="benchmarks.query_bench's JSON")
    parser.add_argument("--size", default="1000000", help="the size the query JSON was measured at")
    parser.add_argument("--draw", type=Path, help="benchmarks.draw_bench's JSON")
    parser.add_argument("--json", type=Path, default=FIGURES)
    args = parser.parse_args(argv)
    results = merged(_read(args.json), _read(args.queries), _read(args.draw), args.size, git_commit(),
                     dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    args.json.write_text(json.dumps(results, indent=1, default=str).replace(str(REPO), "."), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
