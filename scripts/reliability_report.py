"""Run the reliability checks and print the figures docs/reliability.md reports.

    python scripts/reliability_report.py            # the five test modules, then the figures (about 5 minutes)
    python scripts/reliability_report.py --details  # also every measured case
    python scripts/reliability_report.py --load     # also run scripts/loadtest.py in both modes (20-40 minutes)

The tests record what they measure (rows expected and loaded, identifiers planted and found, suppressed cells
attacked and recovered, SQL statements and unbound values) through tests/reliability.py's ``record`` into a
JSON-lines file named by TIP_RELIABILITY_METRICS; pytest's JUnit XML gives each case's outcome. Load figures are
read from artifacts/loadtest/loadtest-*.md (written by scripts/loadtest.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULES = {
    "hostile": ("Hostile and broken input", "tests/test_hostile_inputs.py"),
    "faults": ("Faults (kills, full disk, damaged warehouse, concurrent builds)", "tests/test_faults.py"),
    "readers": ("Readers during a rebuild", "tests/test_rebuild_readers.py"),
    "privacy": ("Privacy attacks", "tests/test_privacy_attacks.py"),
    "injection": ("Injection and access", "tests/test_injection.py"),
}


def run_tests(workdir: Path) -> tuple[list[dict], dict[str, dict[str, int]], list[str]]:
    metrics, junit = workdir / "metrics.jsonl", workdir / "junit.xml"
    env = {**os.environ, "TIP_RELIABILITY_METRICS": str(metrics)}
    files = [path for _, path in MODULES.values()]
    subprocess.run([sys.executable, "-m", "pytest", *files, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"],
                   cwd=REPO, env=env, check=False)
    records = [json.loads(line) for line in metrics.read_text(encoding="utf-8").splitlines()] \
        if metrics.exists() else []
    outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    known: list[str] = []
    by_file = {Path(path).stem: kind for kind, (_, path) in MODULES.items()}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kind = by_file.get(case.get("classname", "").rsplit(".", 1)[-1])
        if not kind:
            continue
        skipped = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes[kind]["failed"] += 1
        elif skipped is not None and "xfail" in (skipped.get("type", "") + skipped.get("message", "")):
            outcomes[kind]["known_defect"] += 1
            known.append(f"{case.get('name')}: {skipped.get('message', '')[:200]}")
        elif skipped is not None:
            outcomes[kind]["skipped"] += 1
        else:
            outcomes[kind]["passed"] += 1
    return records, outcomes, known


def figures(records: list[dict], outcomes: dict[str, dict[str, int]]) -> list[dict]:
    rows = []
    for kind, (title, path) in MODULES.items():
        mine = [r for r in records if r["class"] == kind]
        examples = [r for r in mine if r.get("example")]
        generated_tests = len({r["case"] for r in examples})
        o = outcomes.get(kind, {})
        tests = sum(o.values())
        tried = tests - generated_tests + len(examples)
        failed = o.get("failed", 0) + o.get("known_defect", 0)
        rows.append({
            "class": title, "command": f"pytest {path} -q", "tests": tests, "generated_examples": len(examples),
            "cases_tried": tried, "handled_correctly": tried - failed, "failed": o.get("failed", 0),
            "known_defects": o.get("known_defect", 0), "skipped": o.get("skipped", 0),
            "rows_lost": sum(int(r.get("rows_lost") or 0) for r in mine),
            "identifiers_leaked": sum(int(r.get("identifiers_leaked") or 0) for r in mine),
            "suppressed_cells_recovered": sum(int(r.get("recovered") or 0) for r in mine),
            "unbound_values": sum(int(r.get("unbound") or 0) for r in mine),
        })
    return rows


def markdown(rows: list[dict]) -> str:
    out = ["| class | cases tried | handled correctly | known defects (xfail) | rows lost | identifiers leaked | "
           "suppressed cells recovered | values reaching SQL unbound |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['class']} | {r['cases_tried']} | {r['handled_correctly']} | {r['known_defects']} | "
                   f"{r['rows_lost']} | {r['identifiers_leaked']} | {r['suppressed_cells_recovered']} | "
                   f"{r['unbound_values']} |")
    return "\n".join(out)


def load_figures(folder: Path) -> str:
    found = sorted(folder.glob("loadtest-*.md"))
    if not found:
        return "(no load results: run `python scripts/loadtest.py --mode websocket` and `python scripts/loadtest.py`)"
    return "\n\n".join(path.read_text(encoding="utf-8").strip() for path in found)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="print every measured case")
    parser.add_argument("--load", action="store_true", help="run the load test too")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        records, outcomes, known = run_tests(Path(tmp))
    rows = figures(records, outcomes)
    if args.load:
        for mode in ("websocket", "browser"):
            for think in ("5", "0"):
                subprocess.run([sys.executable, "scripts/loadtest.py", "--mode", mode, "--think", think], cwd=REPO,
                               check=False)
    print("\n" + markdown(rows) + "\n")
    for r in rows:
        print(f"- {r['class']}: {r['tests']} tests ({r['generated_examples']} generated examples), "
              f"{r['failed']} failed, {r['known_defects']} known defects, {r['skipped']} skipped — `{r['command']}`")
    if known:
        print("\nKnown defects (tests marked xfail, each reported):")
        for line in known:
            print(f"- {line}")
    if args.details:
        print("\nMeasured cases:")
        for rec in records:
            print(json.dumps(rec, ensure_ascii=False))
    print("\n" + load_figures(REPO / "artifacts" / "loadtest"))
    if args.json:
        args.json.write_text(json.dumps({"classes": rows, "records": records, "known_defects": known}, indent=1),
                             encoding="utf-8")
    return 1 if any(r["failed"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
