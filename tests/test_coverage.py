"""Data coverage (issue #13, section 4): the build's coverage facts, the release's coverage tables and their bounds,
the demo's gaps, the queries that read arrival from the noisy counts, and the page."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl import demo, release
from tests.apptest import open_page
from tipcore import catalogue
from tipdash import privacy

COVERAGE = [t for t in catalogue.TABLES.values() if t.name.startswith("coverage_")]


@pytest.fixture(scope="module")
def truths(warehouse) -> dict[str, pd.DataFrame]:
    return release.true_tables(warehouse)[0]


def test_every_row_read_is_in_the_coverage_facts_once(build_summary, con):
    by_status = dict(con.execute("SELECT status, sum(rows) FROM coverage_rows GROUP BY ALL").fetchall())
    # Aggregate returns' rows are counts, not an agency's case records: not in the coverage facts.
    assert sum(by_status.values()) == build_summary["rows_read"] - build_summary["return_rows_read"]
    assert by_status["rejected"] == build_summary["rows_rejected"] - build_summary["return_rows_rejected"]
    assert by_status["merged"] == build_summary["rows_merged"]
    records = con.execute("SELECT count(DISTINCT case_id) FROM coverage_records").fetchone()[0]
    assert records == build_summary["cases_loaded"]


def test_coverage_facts_hold_no_value_of_any_row(con):
    columns = {t: [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()]
               for t in ("coverage_agencies", "coverage_rows", "coverage_records")}
    assert columns["coverage_rows"] == ["source_id", "status", "unit_id", "report_year", "rows"]
    assert columns["coverage_records"] == ["source_id", "case_id", "report_month", "report_year",
                                           *(f"missing_{f}" for f in catalogue.COVERAGE_FIELDS)]
    # Units are case pseudonyms, record pseudonyms (16 hex characters) or a row's position: never a reference.
    units = [r[0] for r in con.execute("SELECT DISTINCT unit_id FROM coverage_rows WHERE unit_id IS NOT NULL"
                                       ).fetchall()]
    assert all(len(u) == 16 and int(u, 16) >= 0 if not u.startswith("row:") else True for u in units)
    assert sorted(r[0] for r in con.execute("SELECT source_id FROM coverage_agencies").fetchall()) == \
        sorted(demo.LAYOUTS)


def test_one_case_moves_each_coverage_vector_by_at_most_its_sensitivity(warehouse, truths, tmp_path):
    """Neighbouring warehouses: without the case that fills the most rows and agencies, each coverage vector of
    its year moves by at most the sensitivity its noise was scaled for (L2)."""
    with duckdb.connect(str(warehouse), read_only=True) as c:
        case, year = c.execute(
            "SELECT r.unit_id, any_value(r.report_year) FROM coverage_rows r JOIN coverage_records USING (source_id) "
            "WHERE r.unit_id = coverage_records.case_id GROUP BY r.unit_id "
            "ORDER BY sum(r.rows) DESC, count(DISTINCT r.source_id) DESC LIMIT 1").fetchone()
        rows = c.execute("SELECT sum(rows) FROM coverage_rows WHERE unit_id = ?", [case]).fetchone()[0]
    assert rows > catalogue.ROW_CLIP  # a raid of many victims: the clip is exercised
    copy = tmp_path / "neighbour.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as c:
        c.execute("DELETE FROM coverage_rows WHERE unit_id = ?", [case])
        c.execute("DELETE FROM coverage_records WHERE case_id = ?", [case])
    neighbour = release.true_tables(copy)[0]
    moved = 0
    for table in COVERAGE:
        for m in table.measures:
            diff = truths[table.name][m].to_numpy() - neighbour[table.name][m].to_numpy()
            assert np.sqrt((diff ** 2).sum()) <= catalogue.MEASURES[m].sensitivity, (table.name, m)
            assert not diff[truths[table.name]["_year"].to_numpy() != year].any(), (table.name, m)
            moved += int(np.abs(diff).sum())
    assert moved > 0


def test_rows_are_clipped_per_case_and_undated_rows_count_in_the_last_year(con, truths):
    clipped = con.execute("""
        SELECT sum(least(n, $clip)) FROM (
            SELECT unit_id, sum(rows) AS n FROM coverage_rows WHERE unit_id IS NOT NULL GROUP BY unit_id)""",
                          {"clip": catalogue.ROW_CLIP}).fetchone()[0]
    lost = con.execute("SELECT coalesce(sum(rows), 0) FROM coverage_rows WHERE unit_id IS NULL").fetchone()[0]
    rows = truths["coverage_agency_rows"]
    assert rows["rows"].sum() == clipped + lost
    undated = con.execute("SELECT count(*) FROM coverage_rows WHERE report_year IS NULL").fetchone()[0]
    assert undated > 0  # the demo's rows with an impossible or empty report date
    last = rows["_year"].max()
    assert rows.loc[(rows["_year"] == last) & (rows["row_status"] == "rejected"), "rows"].sum() >= undated


def test_the_demo_leaves_the_gaps_the_page_must_show(truths):
    month = truths["coverage_agency_month"].assign(month=lambda d: pd.to_datetime(d["month"]))
    for agency, windows in demo.REPORTING_GAPS.items():
        rows = month[month["agency"] == agency]
        for start, end in windows:
            inside = rows["month"].between(pd.Timestamp(start), pd.Timestamp(end), inclusive="left")
            assert rows.loc[inside, "agency_records"].sum() == 0, (agency, start)
        assert rows["agency_records"].sum() > 0, agency
    districts = truths["district_year_total"].groupby("district_id")["cases"].sum()
    gaz = demo.gazetteer().set_index("name")["district_id"]
    assert (districts[gaz[list(demo.SILENT_DISTRICTS)]] == 0).all()
    fields = truths["coverage_agency_fields"].groupby(["agency", "field"])["records_missing"].sum()
    records = month.groupby("agency")["agency_records"].sum()
    for agency, gaps in demo.FIELD_GAPS.items():
        for field, rate in gaps.items():
            if field == "outcome":  # only concluded trials can miss their outcome
                assert fields[(agency, field)] > 0, agency
            else:  # a FIR date: only of the records with a FIR registered (about half)
                assert fields[(agency, field)] / records[agency] > rate / 4, (agency, field)


def test_the_release_publishes_which_agency_sent_files_and_not_how_many(build_summary):
    from tipcore import config

    result = build_summary["release"]
    assert result["ok"], result
    folder = config.release_dir()
    agencies = pd.read_csv(folder / "coverage" / "agencies.csv")
    assert list(agencies.columns) == ["agency", "name", "agency_type", "province", "files_received"]
    assert agencies["files_received"].all() and sorted(agencies["agency"]) == sorted(demo.LAYOUTS)
    for table in COVERAGE:
        frame = pd.read_csv(folder / "data" / f"{table.name}.csv")
        assert set(frame["agency"]) == set(demo.LAYOUTS), table.name  # every agency, every key: zeros too


def test_arrival_is_read_from_the_noisy_counts_and_only_beyond_twice_the_margin(warehouse):
    from tipdash import coverage_queries as cq

    months = cq.arrivals.uncached(2015, 2025)
    moe = months["records_moe"]
    assert (moe > 0).all()
    assert ((months["status"] == cq.ARRIVED) == (months["records"] > cq.ARRIVAL_MARGINS * moe)).all()
    assert len(months) == 132 * len(demo.LAYOUTS)
    summary = cq.agency_summary.uncached(2015, 2025).set_index("agency")
    for status in catalogue.ROW_STATUSES:
        assert summary[f"{status}_moe"].gt(0).all()
    assert (summary["read"] == summary[list(catalogue.ROW_STATUSES)].sum(axis=1)).all()
    missing = cq.missing_fields.uncached(2015, 2025)
    shown = missing["share"].notna()
    assert (missing.loc[shown, "share_moe"] <= privacy.RATE_MOE_MAX).all()
    assert set(missing["field"]) == set(catalogue.COVERAGE_FIELDS)
    silent = cq.silent_districts.uncached(2015, 2025)
    assert (silent["cases"] <= silent["cases_moe"]).all()


def test_the_coverage_page_shows_each_part_without_error(warehouse, boundaries):
    at = open_page("coverage", {"years": "2015-2025"})
    assert [h.value for h in at.subheader] == [
        "Months for which each agency's records arrived", "Rows read, loaded, merged and rejected",
        "Records that leave a field unrecorded", "Districts from which no agency reported a case"]
    rows = at.dataframe[0].value
    assert list(rows.columns)[:2] == ["Agency", "Any file received"] and len(rows) == len(demo.LAYOUTS)
    assert set(rows["Any file received"]) == {"yes"}
    assert "Punjab Police" in set(rows["Agency"])
