"""Helpers shared by the reliability tests (hostile input, faults, readers during a rebuild, privacy attacks) and by
scripts/reliability_report.py: the corpus generator, a small good export, and warehouse fingerprints."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
BAD = Path(__file__).resolve().parent / "data" / "bad"
BAD_LAYOUTS = BAD / "layouts"
ANCHOR = "police_anchor.csv"
ANCHOR_CASES = 5


def corpus_module():
    """tests/data/bad/make_corpus.py, imported by path (it is a script, not a package module)."""
    if "make_corpus" in sys.modules:
        return sys.modules["make_corpus"]
    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module
    spec.loader.exec_module(module)
    return module


def anchor_bytes(prefix: str = "ANCHOR", n: int = ANCHOR_CASES, year: int = 2019) -> bytes:
    """A small good police export for the corpus layout (tests/data/bad/layouts/bad_police.toml)."""
    make = corpus_module()
    rows = [make.police_row(f"{prefix}-{i}", District="Multan", Complaint_Date=f"{1 + i % 28:02d}/03/{year}",
                            FIR_No=f"FIR {9000 + i}/{year - 1} PS {prefix}", FIR_Date=f"{1 + i % 28:02d}/03/{year}")
            for i in range(1, n + 1)]
    return make.police_csv(rows)


def table_digest(path: Path) -> dict:
    """A content fingerprint of every table of a warehouse."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*), coalesce(sum(hash(COLUMNS(*))), 0) FROM "{t}"').fetchall()[0]
                for t in tables}


def case_count(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM cases").fetchall()[0][0]


def leftovers(directory: Path) -> list[Path]:
    """Files a build leaves only when it is killed (removed by the next build)."""
    return sorted(p for p in directory.iterdir() if ".building-" in p.name)


def build_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "TIP_SOURCES_DIR": str(BAD_LAYOUTS), **extra}


def build_command(raw: Path, target: Path) -> list[str]:
    return [sys.executable, "-m", "etl", "build", "--quiet", "--raw", str(raw), "--warehouse", str(target)]


def start_build(raw: Path, target: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(build_command(raw, target), cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the build ended before reaching the pause: {proc.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("the build did not reach the pause in time")
        time.sleep(0.02)


METRICS_ENV = "TIP_RELIABILITY_METRICS"


def record(kind: str, case: str, **values) -> None:
    """Append one measured case to the file named by TIP_RELIABILITY_METRICS (scripts/reliability_report.py sets it;
    without it this does nothing). Called before a test asserts, so a failing case is counted too."""
    path = os.environ.get(METRICS_ENV)
    if not path:
        return
    import json

    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"class": kind, "case": case, **values}, default=str) + "\n")
