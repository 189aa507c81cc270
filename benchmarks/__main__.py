"""`python -m benchmarks`: the ETL (warehouse and public release), every page's queries against the release, and
every page, at growing sizes, in one run; then every page drawn in Chromium against the demo-sized release.
Writes docs/benchmarks.md and the raw figures (docs/benchmarks.json).

    python -m benchmarks                          # 10k, 100k and 1M cases, then the browser at 50k
    python -m benchmarks --sizes 10000,100000     # quicker
    python -m benchmarks --big                    # adds 5M cases
    python -m benchmarks --skip-etl               # reuse (or build once) the releases; measure queries and pages
    python -m benchmarks --skip-draw              # no browser
    python -m benchmarks --wait-for-load 1.0      # before each measurement, wait for a quieter machine
    python -m benchmarks --report-only            # rewrite docs/benchmarks.md from docs/benchmarks.json

Demo data, warehouses and releases are cached under data/cache/bench/<cases>/ (git-ignored); a second run
regenerates no data. The dashboard's processes get the release folder only (benchmarks.common.dashboard_env).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from benchmarks import datasets, etl_bench, report
from benchmarks.common import REPO, dashboard_env, load_average, log, machine, run_json, wait_for_load

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
BIG = 5_000_000


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(s.replace("_", "").replace("k", "000").replace("M", "000000")) for s in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are numbers of cases, e.g. 10000,100000,1000000") from None
    if not sizes or sizes[0] < 1000:
        raise argparse.ArgumentTypeError("each size must be at least 1000 cases")
    return sizes


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES),
                        help="numbers of cases, comma-separated (default 10000,100000,1000000)")
    parser.add_argument("--big", action="store_true", help="also 5,000,000 cases (slow: ~15 min more)")
    parser.add_argument("--skip-etl", action="store_true", help="do not measure the ETL (build what is missing)")
    parser.add_argument("--skip-pages", action="store_true", help="do not measure pages through AppTest")
    parser.add_argument("--skip-draw", action="store_true", help="do not measure the pages in Chromium")
    parser.add_argument("--draw-cases", type=int, default=50_000,
                        help="demo cases of the release the browser run reads (default 50000, as issue #14)")
    parser.add_argument("--draw-repeat", type=int, default=None,
                        help="server starts in the browser run (default: --repeat)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each query and page measurement")
    parser.add_argument("--etl-repeat", type=int, default=2, help="repetitions of each ETL pipeline (default 2)")
    parser.add_argument("--sessions", type=int, default=24, help="concurrent sessions in the load test (0: skip)")
    parser.add_argument("--seed", type=int, default=2026, help="demo data seed")
    parser.add_argument("--wait-for-load", type=float, default=None, metavar="LOAD",
                        help="before each measurement wait until the 1-minute load average is at most LOAD")
    parser.add_argument("--wait-most", type=float, default=900, metavar="SECONDS",
                        help="the longest such a wait may last (default 900); the load is recorded either way")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md", help="markdown report")
    parser.add_argument("--json", type=Path, default=None, help="raw figures (default: --out with .json)")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: write the markdown again from the raw figures (after editing "
                             "benchmarks/analysis.md or the report's layout)")
    args = parser.parse_args(argv)
    if args.big and BIG not in args.sizes:
        args.sizes.append(BIG)
    args.json = args.json or args.out.with_suffix(".json")
    return args


def _shown_argv(argv: list[str]) -> list[str]:
    """The command line as the report prints it: output files relative to the repository (or by name alone when
    outside it), so no machine path reaches a committed file."""
    shown = list(argv)
    for i, arg in enumerate(argv[:-1]):
        if arg in ("--out", "--json"):
            path = Path(argv[i + 1]).resolve()
            shown[i + 1] = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name
    return shown


def draw(args: argparse.Namespace, calm) -> dict:
    """Every page through AppTest (its Python time), the district map's payload (benchmarks.map_bench) and every
    page in Chromium (benchmarks.draw_bench), on one release."""
    cases = args.draw_cases
    out: dict = {"cases": cases, "dataset": datasets.ensure_raw(cases, args.seed)}
    datasets.ensure_built(cases)
    env = dashboard_env(cases)
    log(f"{cases:,} cases: pages through AppTest, then drawn in Chromium")
    calm(out, "pages")
    out["pages"], _ = run_json("benchmarks.page_bench", ["--repeat", str(args.repeat)], env)
    out["maps"], _ = run_json("benchmarks.map_bench", ["--repeat", str(args.repeat)], env)
    calm(out, "browser")
    try:
        out["browser"], _ = run_json("benchmarks.draw_bench", ["--repeat", str(args.draw_repeat or args.repeat)],
                                     env, timeout=3600)
    except RuntimeError as exc:  # a page that never draws is a finding for the report, not a lost run
        out["browser"] = {"error": str(exc)[-2000:]}
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.report_only:
        results = json.loads(args.json.read_text(encoding="utf-8"))
        results["goals"] = report.goals(results)
        report.write(results, args.out)
        log(f"rewrote {args.out} from {args.json}")
        return 0
    started = time.perf_counter()
    results: dict = {
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "argv": _shown_argv(argv),
        "args": {"sizes": args.sizes, "repeat": args.repeat, "etl_repeat": args.etl_repeat,
                 "sessions": args.sessions, "seed": args.seed, "wait_for_load": args.wait_for_load},
        "machine": machine(), "json_name": os.path.relpath(args.json, args.out.parent), "sizes": {},
    }

    def save() -> None:
        results["duration_s"] = round(time.perf_counter() - started, 1)
        results["load_average_end"] = load_average()
        results["goals"] = report.goals(results)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        # No machine paths in a committed file (they can only appear in an error message).
        text = json.dumps(results, indent=1, default=str).replace(str(REPO), ".")
        args.json.write_text(text, encoding="utf-8")
        report.write(results, args.out)

    def calm(entry: dict, what: str) -> None:
        waited = wait_for_load(args.wait_for_load, args.wait_most)
        if waited:
            entry.setdefault("waits", {})[what] = waited

    for cases in args.sizes:
        entry: dict = {"load_average_start": load_average()}
        results["sizes"][str(cases)] = entry
        log(f"{cases:,} cases: demo data")
        entry["dataset"] = datasets.ensure_raw(cases, args.seed)
        if args.skip_etl:
            datasets.ensure_built(cases)
        else:
            calm(entry, "etl")
            entry["etl"] = etl_bench.run(cases, args.etl_repeat)
        env = dashboard_env(cases)
        log(f"{cases:,} cases: queries (repeat {args.repeat}, {args.sessions} concurrent sessions)")
        calm(entry, "queries")
        entry["queries"], _ = run_json("benchmarks.query_bench", ["--repeat", str(args.repeat), "--sessions",
                                                                 str(args.sessions), "--workers",
                                                                 str(max(1, args.sessions))], env)
        if not args.skip_pages:
            log(f"{cases:,} cases: pages through AppTest")
            calm(entry, "pages")
            entry["pages"], _ = run_json("benchmarks.page_bench", ["--repeat", str(args.repeat)], env)
        entry["load_average_end"] = load_average()
        save()
    if not args.skip_draw:
        results["draw"] = draw(args, calm)
    save()
    log(f"done in {(time.perf_counter() - started) / 60:.1f} min: {args.out}, {args.json}")
    for key, goal in results["goals"].items():
        log(f"  {'met   ' if goal['met'] else 'MISSED'} {key}: {goal['detail']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
