"""The whole build on demo data: tables, row accounting, repeatability, recovery from a damaged warehouse.

Builds killed part way are tested at known pause points in tests/test_faults.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from etl.pipeline import build_warehouse, remove_stale_builds

REPO = Path(__file__).resolve().parent.parent
REQUIRED_TABLES = {"cases", "victims", "districts", "rejected_rows", "etl_runs", "district_matches"}


def table_digest(path: Path) -> dict[str, str]:
    """A content hash of every table except the run history, which differs by design."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {
            t: con.execute(f'SELECT count(*), coalesce(sum(hash(COLUMNS(*))), 0) FROM "{t}"').fetchall()[0]
            for t in tables if t != "etl_runs"
        }


def test_warehouse_has_the_contract_tables(con, build_summary):
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables >= REQUIRED_TABLES
    assert any(t.startswith("ref_") for t in tables) and not any(t.startswith("agg_") for t in tables)
    assert build_summary["cases_loaded"] > 2000 and build_summary["is_demo"]


def test_case_ids_are_unique_and_victims_belong_to_cases(con):
    assert con.execute("SELECT count(*) = count(DISTINCT case_id) FROM cases").fetchall()[0][0]
    orphans = con.execute("SELECT count(*) FROM victims ANTI JOIN cases USING (case_id)").fetchall()[0][0]
    assert orphans == 0
    assert con.execute("SELECT sum(victim_count) FROM cases").fetchall()[0][0] == con.execute(
        "SELECT count(*) FROM victims").fetchall()[0][0]


def test_funnel_flags_are_consistent(con):
    bad = con.execute(
        """SELECT count(*) FROM cases WHERE
             (is_charge_sheeted AND NOT is_fir) OR (is_trial_concluded AND NOT is_charge_sheeted)
             OR (is_convicted AND NOT is_trial_concluded) OR (is_smuggling <> (offence = 'migrant_smuggling'))"""
    ).fetchall()[0][0]
    assert bad == 0


def test_every_row_is_accounted_for(con, build_summary, demo_raw):
    """Rows read = rows loaded + rows rejected + rows merged (etl/pipeline.py), each side counted without the
    summary: rows read from what the demo generator wrote, rejected and merged rows from the per-row report."""
    s = build_summary
    written = json.loads((demo_raw / "DEMO_MANIFEST.json").read_text(encoding="utf-8"))["files"]
    assert {f["name"]: f["rows_read"] for f in s["input_files"]} == {f["name"]: f["rows"] for f in written}
    assert s["rows_read"] == sum(f["rows"] for f in written)
    rejected = set(con.execute("""SELECT DISTINCT file, "row" FROM rejected_rows WHERE action = 'row rejected'"""
                               ).fetchall())
    merged = con.execute("""SELECT file, "row" FROM rejected_rows WHERE action = 'duplicate merged'""").fetchall()
    assert len(set(merged)) == len(merged)  # each merged row listed once
    assert not rejected & set(merged)  # and never also counted as rejected
    assert (s["rows_rejected"], s["rows_merged"]) == (len(rejected), len(merged))
    assert 0 < len(rejected) < 0.05 * s["rows_read"] and len(merged) > 0  # the demo plants both
    loaded = con.execute("SELECT rows_loaded FROM etl_runs WHERE run_id = ?", [s["run_id"]]).fetchall()[0][0]
    assert loaded == s["rows_read"] - len(rejected) - len(merged)
    # Every case comes from at least one loaded row; several rows of one case (its victims, other agencies' copies
    # of its FIR) make one case.
    assert s["cases_loaded"] <= loaded


def test_unmatched_districts_are_counted_and_masked(con, build_summary):
    rows = con.execute("SELECT raw, rows FROM district_matches WHERE method = 'unmatched'").fetchall()
    assert all(raw.startswith("[unmatched value") and n > 0 for raw, n in rows)
    matched = con.execute("SELECT sum(rows) FROM district_matches WHERE method <> 'unmatched'").fetchall()[0][0]
    assert matched > 0.9 * (build_summary["rows_read"] - build_summary["return_rows_read"])  # returns: not records


def test_etl_run_is_recorded(con, build_summary):
    run = con.execute("SELECT run_id, rows_read, rows_rejected, rows_merged, is_demo, input_files FROM etl_runs "
                      "ORDER BY started_at DESC LIMIT 1").fetchall()[0]
    assert run[0] == build_summary["run_id"] and run[1] == build_summary["rows_read"] and run[4]
    assert "sha256" in run[5]


@pytest.mark.slow
def test_second_build_is_identical_and_keeps_history(tmp_path, demo_raw, warehouse):
    target = tmp_path / "again.duckdb"
    shutil.copy(warehouse, target)
    build_warehouse(demo_raw, target)
    assert table_digest(target) == table_digest(warehouse)
    with duckdb.connect(str(target), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM etl_runs").fetchall()[0][0] == 2
        again = c.execute("SELECT * FROM district_matches").fetchall()
    with duckdb.connect(str(warehouse), read_only=True) as c:
        assert again == c.execute("SELECT * FROM district_matches").fetchall()  # same order too: no ties left


@pytest.mark.slow
def test_corrupt_warehouse_is_replaced_by_the_next_build(tmp_path, demo_raw, warehouse):
    target = tmp_path / "corrupt.duckdb"
    target.write_bytes(b"not a database" * 1000)
    build_warehouse(demo_raw, target)
    assert table_digest(target) == table_digest(warehouse)


def test_stale_build_files_of_dead_processes_are_removed(tmp_path):
    target = tmp_path / "w.duckdb"
    stale = tmp_path / ".w.duckdb.building-999999999"
    stale.write_bytes(b"half")
    live = tmp_path / f".w.duckdb.building-{os.getpid()}"
    live.write_bytes(b"mine")
    assert remove_stale_builds(target) == [stale]
    assert live.exists() and not stale.exists()


@pytest.mark.slow
def test_empty_raw_folder_builds_from_demo_data(tmp_path, monkeypatch):
    monkeypatch.setattr("tipcore.config.DEMO_CASES", 300)
    summary = build_warehouse(tmp_path / "raw", tmp_path / "w.duckdb")
    assert summary["is_demo"] and summary["cases_loaded"] > 200
    assert (tmp_path / "raw" / "DEMO_MANIFEST.json").exists()


def test_cli_prints_a_summary_and_no_traceback_on_bad_layout(tmp_path):
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "broken.toml").write_text("[source]\nid = 'x'\n", encoding="utf-8")
    env = {**os.environ, "TIP_SOURCES_DIR": str(layouts), "TIP_WAREHOUSE": str(tmp_path / "w.duckdb"),
           "TIP_RAW_DIR": str(tmp_path / "raw"), "TIP_RELEASE_DIR": str(tmp_path / "release")}
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "etl", "build"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "broken.toml" in result.stderr and "Traceback" not in result.stderr + result.stdout
