"""The hostile-input corpus (tests/data/bad/, written by make_corpus.py): every broken or malicious file ends in a
clear message, no good row is lost, a failed build leaves the previous warehouse as it was, and a 200 MB export
loads every good row. (How long it takes is recorded for docs/reliability.md, never asserted: timing belongs in
the benchmarks.)

Each file is built twice with the real pipeline: beside a good "anchor" export (its good rows must load, exactly,
and the anchor's too) and alone over a copy of a previous warehouse (which must be untouched when the file yields
nothing). One more run puts the whole corpus through the command line, as a data officer would.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl.issues import ACTIONS, FORMULA_START
from etl.pipeline import BuildError, build_warehouse
from tests.helpers import all_text
from tests.reliability import (
    ANCHOR,
    ANCHOR_CASES,
    REPO,
    anchor_bytes,
    corpus_module,
    leftovers,
    record,
    table_digest,
)

BAD = Path(__file__).parent / "data" / "bad"
LAYOUTS = BAD / "layouts"
EXPECTED: dict[str, dict] = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))["files"]
TODAY = dt.date(2026, 11, 1)
# What a message must never look like: a Python error leaking through.
NOT_CLEAR = ("Traceback", "Error:", "Exception", "File \"", "None", "nan")
MAKE = corpus_module()


def raw_names(name: str) -> list[str]:
    entry = EXPECTED[name]
    return [entry["raw_name"], *entry.get("copies", [])]


def fill_raw(raw: Path, names: list[str], anchor: bool) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    if anchor:
        (raw / ANCHOR).write_bytes(anchor_bytes())
    for name in names:
        for raw_name in raw_names(name):
            shutil.copyfile(BAD / name, raw / raw_name)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """Corpus layouts and a reports folder for the whole module."""
    root = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIP_SOURCES_DIR", str(LAYOUTS))
        mp.setenv("TIP_REPORTS_DIR", str(root / "reports"))
        yield root


@pytest.fixture(scope="module")
def previous(env) -> Path:
    """A good warehouse built from the anchor alone: what a failed build must leave untouched."""
    raw = env / "anchor_raw"
    fill_raw(raw, [], anchor=True)
    target = env / "previous.duckdb"
    build_warehouse(raw, target, today=TODAY)
    return target


def issues_of(con, file: str) -> list[tuple]:
    return con.execute('SELECT "row", "column", reason, action FROM rejected_rows WHERE file = ? ORDER BY ALL',
                       [file]).fetchall()


def assert_expected_issues(found: list[tuple], expected: list[dict], file: str) -> None:
    for want in expected:
        hits = [f for f in found if f[3] == want["action"] and want["fragment"].lower() in f[2].lower()
                and want.get("row", f[0]) == f[0] and want.get("column", f[1]) == f[1]]
        assert hits, f"{file}: no {want} among {found}"


def assert_clear(found: list[tuple], file: str) -> None:
    for row, _column, reason, action in found:
        assert action in ACTIONS, (file, action)
        assert len(reason) > 15 and not any(bad in reason for bad in NOT_CLEAR), (file, row, reason)


def some_quick(names: list[str], quick: set[str]) -> list:
    """Parameters for every file, all but ``quick`` marked slow: `pytest -m "not slow"` builds a few, beside the
    whole corpus in one build (test_whole_corpus_in_one_command_line_build); the full suite builds each."""
    assert quick <= set(names)
    return [pytest.param(n, marks=() if n in quick else pytest.mark.slow) for n in names]


# --- the corpus itself ----------------------------------------------------------------------------------------

def test_corpus_is_what_the_generator_writes(tmp_path):
    manifest = MAKE.write_corpus(tmp_path)
    assert len(manifest) >= 25
    assert json.loads((tmp_path / "expected.json").read_text(encoding="utf-8"))["files"] == EXPECTED
    for name in manifest:
        assert (tmp_path / name).read_bytes() == (BAD / name).read_bytes(), f"{name}: run make_corpus.py again"
    assert sum((BAD / name).stat().st_size for name in manifest) < 1024 * 1024


# --- each file beside good data, and alone ---------------------------------------------------------------------

@pytest.mark.parametrize("name", some_quick(sorted(EXPECTED), {"utf16le_bom_urdu.csv", "labour_register.xlsx",
                                                                "formula_injection.csv"}))
def test_hostile_file_beside_good_data(name, env, tmp_path):
    """The file's good rows and every anchor row load, exactly; each problem has a message naming it."""
    entry = EXPECTED[name]
    raw = tmp_path / "raw"
    fill_raw(raw, [name], anchor=True)
    target = tmp_path / "wh.duckdb"
    summary = build_warehouse(raw, target, today=TODAY)
    with duckdb.connect(str(target), read_only=True) as con:
        cases, victims = con.execute("SELECT count(*), sum(victim_count) FROM cases").fetchall()[0]
        anchor_loaded = con.execute("SELECT count(*) FROM cases WHERE source_id = 'bad_police' AND report_year = 2019"
                                    ).fetchall()[0][0] if not entry["raw_name"].startswith(("ngo", "labour")) else None
        leaked = sum(any(planted in v for v in all_text(con)) for planted in entry["planted"])
        record("hostile", f"{name} beside good data", good_rows=ANCHOR_CASES + entry["cases"], loaded=cases,
               rows_lost=max(0, ANCHOR_CASES + entry["cases"] - cases), identifiers_leaked=leaked,
               anchor_loaded=anchor_loaded)
        assert cases == ANCHOR_CASES + entry["cases"]
        if entry["victims"] is not None:
            assert victims == 2 * ANCHOR_CASES + entry["victims"]
        found = [i for raw_name in raw_names(name) for i in issues_of(con, raw_name)]
        assert_expected_issues(found, entry["issues"], name)
        assert_clear(found, name)
        assert not issues_of(con, ANCHOR)
        rejected_rows = con.execute(
            "SELECT count(DISTINCT (file, \"row\")) FROM rejected_rows WHERE action = 'row rejected'").fetchall()[0][0]
        text = all_text(con)
    # Every row read is loaded, merged or rejected with a message: none disappears silently.
    assert summary["rows_rejected"] == rejected_rows
    victim_grain = entry["raw_name"].startswith(("ngo", "labour"))  # one row per victim (tests/data/bad/layouts)
    loaded = (entry["victims"] or 0) if victim_grain else entry["cases"]
    assert summary["rows_read"] - summary["rows_rejected"] - summary["rows_merged"] == ANCHOR_CASES + loaded
    for planted in entry["planted"]:
        assert not any(planted in value for value in text), f"{name}: personal value reached the warehouse"
    assert not leftovers(tmp_path)


# Alone: the files that yield nothing (the previous warehouse must survive them) and those with facts to check.
ALONE = sorted(n for n, e in EXPECTED.items()
               if e["cases"] == 0 or {"districts", "report_months", "age_bands", "law_codes", "stage"} & set(e))


@pytest.mark.parametrize("name", some_quick(ALONE, {"empty.csv", "urdu_districts.csv"}))
def test_hostile_file_alone(name, env, previous, tmp_path):
    """Alone, a file that yields no case stops the build with a message and leaves the previous warehouse as it
    was; one that does yields exactly its good rows, in the right districts, months and bands."""
    entry = EXPECTED[name]
    raw = tmp_path / "raw"
    fill_raw(raw, [name], anchor=False)
    target = tmp_path / "wh.duckdb"
    shutil.copyfile(previous, target)
    before = table_digest(target)
    if entry["cases"] == 0:
        with pytest.raises(BuildError) as failure:
            build_warehouse(raw, target, today=TODAY)
        message = str(failure.value)
        record("hostile", f"{name} alone", previous_kept=table_digest(target) == before,
               leftovers=len(leftovers(tmp_path)), rows_lost=0)
        assert "fix the files and build again" in message and "Traceback" not in message
        skipped = [i for i in entry["issues"] if i["action"] == "file skipped"]
        if skipped:
            assert entry["raw_name"] in message and skipped[0]["fragment"].lower() in message.lower()
        assert table_digest(target) == before
        assert not leftovers(tmp_path)
        return
    build_warehouse(raw, target, today=TODAY)
    assert not leftovers(tmp_path)
    with duckdb.connect(str(target), read_only=True) as con:
        loaded = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
        record("hostile", f"{name} alone", good_rows=entry["cases"], loaded=loaded,
               rows_lost=max(0, entry["cases"] - loaded))
        assert loaded == entry["cases"]
        if "districts" in entry:
            got = dict(con.execute("SELECT coalesce(district_id, '(none)'), count(*) FROM cases GROUP BY 1"
                                   ).fetchall())
            assert got == entry["districts"]
        if "report_months" in entry:
            got = {str(m): n for m, n in con.execute("SELECT report_month, count(*) FROM cases GROUP BY 1").fetchall()}
            assert got == entry["report_months"]
        if "age_bands" in entry:
            got = dict(con.execute("SELECT age_band, count(*) FROM victims WHERE age_band IS NOT NULL GROUP BY 1"
                                   ).fetchall())
            assert got == entry["age_bands"]
        if "law_codes" in entry:
            assert {tuple(r[0]) for r in con.execute("SELECT DISTINCT law_codes FROM cases").fetchall()} == {
                tuple(entry["law_codes"])}
        if "stage" in entry:
            assert con.execute("SELECT DISTINCT stage FROM cases").fetchall() == [(entry["stage"],)]


# --- the whole corpus through the command line -----------------------------------------------------------------

def test_whole_corpus_in_one_command_line_build(env, tmp_path):
    """Every hostile file at once: the build finishes, prints no traceback, loads exactly the good rows, and its
    reports (which quote raw values) cannot run a formula in a spreadsheet."""
    raw = tmp_path / "raw"
    fill_raw(raw, sorted(EXPECTED), anchor=True)
    reports = tmp_path / "reports"
    target = tmp_path / "wh.duckdb"
    run_env = {**os.environ, "TIP_SOURCES_DIR": str(LAYOUTS), "TIP_REPORTS_DIR": str(reports),
               "TIP_WAREHOUSE": str(target), "TIP_RAW_DIR": str(raw), "TIP_RELEASE_DIR": str(tmp_path / "release")}
    result = subprocess.run([sys.executable, "-m", "etl", "build", "--quiet"], cwd=REPO, env=run_env,
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output and "file(s) skipped" in output
    with duckdb.connect(str(target), read_only=True) as con:
        cases = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
        text = all_text(con)
        good = ANCHOR_CASES + sum(e["cases"] for e in EXPECTED.values())
        record("hostile", "whole corpus, one command-line build", good_rows=good, loaded=cases,
               rows_lost=max(0, good - cases), identifiers_leaked=sum(
                   any(p in v for v in text) for e in EXPECTED.values() for p in e["planted"]))
        assert cases == good
        files_with_messages = {r[0] for r in con.execute("SELECT DISTINCT file FROM rejected_rows").fetchall()}
    for name, entry in EXPECTED.items():
        if entry["issues"]:
            assert entry["raw_name"] in files_with_messages or set(entry.get("copies", [])) & files_with_messages
        for planted in entry["planted"]:
            assert not any(planted in value for value in text), f"{name}: personal value reached the warehouse"
    # The run reports quote raw values (the data officer needs them) but never as a live formula.
    report_files = list(reports.rglob("*.csv"))
    assert report_files
    for report in report_files:
        with report.open(encoding="utf-8", newline="") as fh:
            for cells in csv.reader(fh):
                assert not [cell for cell in cells if cell.startswith(FORMULA_START)], (report.name, cells)


def test_formula_cells_are_plain_text_in_the_warehouse(env, tmp_path):
    """Cells starting with = + - @ are codes or text here: never evaluated, and none from a personal column is
    stored. The only ones kept are the agency's own district spelling, shown as text in district_matches."""
    raw = tmp_path / "raw"
    fill_raw(raw, ["formula_injection.csv"], anchor=True)
    target = tmp_path / "wh.duckdb"
    build_warehouse(raw, target, today=TODAY)
    with duckdb.connect(str(target), read_only=True) as con:
        formulas = {v for v in all_text(con) if v.startswith(("=", "+", "@"))}
        district_spellings = {r[0] for r in con.execute("SELECT raw FROM district_matches").fetchall()}
        # The reference was a HYPERLINK formula: it is only ever stored as its keyed pseudonym.
        assert con.execute("SELECT count(*) FROM cases WHERE case_id LIKE '=%'").fetchall()[0][0] == 0
    assert formulas <= district_spellings, formulas - district_spellings
    assert not formulas & set(EXPECTED["formula_injection.csv"]["planted"]) - {"=Lahore"}


# --- 200 MB ------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_200_mb_export_loads_every_good_row(env, tmp_path):
    raw = tmp_path / "raw"
    fill_raw(raw, [], anchor=True)
    big = MAKE.write_big(raw)
    assert big["bytes"] >= 200 * 1024 * 1024
    target = tmp_path / "wh.duckdb"
    started = time.perf_counter()
    summary = build_warehouse(raw, target, today=TODAY)
    took = time.perf_counter() - started
    Path(big["path"]).unlink()
    with duckdb.connect(str(target), read_only=True) as con:
        loaded = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
        record("hostile", "200 MB export", good_rows=ANCHOR_CASES + big["cases"], loaded=loaded,
               rows_lost=max(0, ANCHOR_CASES + big["cases"] - loaded), seconds=round(took, 1),
               megabytes=round(big["bytes"] / 2**20))
        assert loaded == ANCHOR_CASES + big["cases"]
        found = issues_of(con, "police_big.csv")
    rejected = {(r[0], r[3]) for r in found if r[3] == "row rejected"}
    assert rejected == {(8, "row rejected"), (12, "row rejected")}
    assert any(r[0] == 12 and "longer than 4 MB" in r[2] for r in found)
    assert summary["rows_read"] == ANCHOR_CASES + big["rows"]
