"""Reference facts in the warehouse: every figure has a source, unknown stays NULL, caveats are carried."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.districts import PROVINCES
from etl.reference import TABLES, ReferenceDataError, load_reference
from tipcore.config import reference_dir
from tipdash.boundaries import ATTRIBUTIONS

FIGURE_TABLES = ("ref_tip_tiers", "ref_law_enforcement", "ref_tip_stats", "ref_provincial", "ref_context")


@pytest.fixture(scope="module")
def loaded():
    connection = duckdb.connect()
    counts = load_reference(connection)
    yield connection, counts
    connection.close()


@pytest.fixture(scope="module")
def con(loaded):
    return loaded[0]


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(reference_dir() / name, dtype=str, keep_default_na=False)


def test_row_counts_match_the_files(loaded):
    _, counts = loaded
    for table in TABLES:
        assert counts[table.name] == len(_csv(table.file)), table.name
    assert counts["ref_sources"] == len(TABLES)


@pytest.mark.parametrize("table", FIGURE_TABLES)
def test_every_figure_has_a_source(con, table):
    missing = con.execute(f"SELECT count(*) FROM {table} WHERE coalesce(trim(source_url), '') = ''").fetchone()[0]
    assert missing == 0


def test_sources_table_cites_each_table(con):
    rows = con.execute("SELECT table_name, citation, licence FROM ref_sources").fetchall()
    assert {r[0] for r in rows} == {t.name for t in TABLES}
    assert all(citation and licence for _, citation, licence in rows)
    citations = " ".join(r[1] for r in rows)
    assert ATTRIBUTIONS["census"] in citations and ATTRIBUTIONS["tip_report"] in citations


def test_pakistan_tier_every_report_year(con):
    rows = con.execute("SELECT report_year, tier, tier_rank FROM ref_tip_tiers WHERE iso3 = 'PAK' "
                       "ORDER BY report_year").fetchall()
    assert [r[0] for r in rows] == list(range(2001, 2026))
    assert {r[1]: r[2] for r in rows} == {"Tier 2": 2.0, "Tier 2 Watch List": 2.5, "Tier 3": 3.0}


def test_tier_rows_needing_verification_are_flagged(con):
    unverified = set(con.execute("SELECT iso3, report_year FROM ref_tip_tiers WHERE NOT verified").fetchall())
    assert ("PAK", 2025) in unverified  # rests on secondary summaries
    assert ("ARE", 2025) in unverified  # inferred from absence on the Watch List / Tier 3 lists
    assert ("PAK", 2024) not in unverified


def test_kosovo_has_one_code(con):
    codes = {r[0] for r in con.execute("SELECT DISTINCT iso3 FROM ref_tip_tiers WHERE country = 'Kosovo'").fetchall()}
    assert codes == {"XKX"}


def test_unknown_stays_null(con):
    # AJK and Gilgit-Baltistan have no 2023 census figures: NULL, never 0.
    populations = con.execute("SELECT province, population_2023 FROM districts").fetchall()
    assert all(pop is None for prov, pop in populations if prov in ("Azad Jammu & Kashmir", "Gilgit-Baltistan"))
    assert all(pop and pop > 0 for prov, pop in populations
               if prov not in ("Azad Jammu & Kashmir", "Gilgit-Baltistan"))
    # Context indicators not found in any source keep an empty value.
    empty_in_file = (_csv("context_indicators.csv")["value"] == "").sum()
    assert empty_in_file > 0
    assert con.execute("SELECT count(*) FROM ref_context WHERE value IS NULL").fetchone()[0] == empty_in_file


def test_no_figure_is_invented_as_zero(con):
    for table, file in (("ref_law_enforcement", "pakistan_law_enforcement.csv"),
                        ("ref_tip_stats", "pakistan_tip_report_stats.csv"),
                        ("ref_provincial", "pakistan_provincial.csv"), ("ref_context", "context_indicators.csv")):
        zeros_in_file = (_csv(file)["value"].isin(["0", "0.0"])).sum()
        assert con.execute(f"SELECT count(*) FROM {table} WHERE value = 0").fetchone()[0] == zeros_in_file


def test_district_table(con):
    columns = [r[0] for r in con.execute("DESCRIBE districts").fetchall()]
    for column in ("district_id", "name", "division", "province", "lat", "lon", "population_2023",
                   "households_2023", "area_km2", "population_source", "aliases"):
        assert column in columns
    assert con.execute("SELECT count(*), sum(population_2023) FROM districts").fetchone() == (156, 241_499_431)
    assert con.execute("SELECT count(*) FROM districts WHERE area_km2 IS NULL").fetchone()[0] == 0
    provinces = {r[0] for r in con.execute("SELECT DISTINCT province FROM districts").fetchall()}
    assert provinces == set(PROVINCES)


def test_unverified_figures_are_flagged(con):
    rows = con.execute("SELECT indicator, value, verified FROM ref_tip_stats WHERE report_year = 2025 "
                       "AND series = 'us_tip_report'").fetchall()
    assert rows and not any(verified for *_, verified in rows)  # the software project's design-document figures
    letters = con.execute("SELECT bool_or(verified) FROM ref_law_enforcement "
                          "WHERE source_kind = 'us_tip_report_via_letter'").fetchone()[0]
    assert letters is False
    assert con.execute("SELECT bool_and(verified) FROM ref_tip_stats WHERE source_kind LIKE 'TIP Report text%'"
                       ).fetchone()[0] is True


def test_series_are_kept_apart(con):
    series = dict(con.execute("SELECT series, count(*) FROM ref_tip_stats GROUP BY ALL").fetchall())
    assert set(series) == {"us_tip_report", "unodc", "ssdo"}
    prefixed = con.execute("SELECT count(*) FROM ref_tip_stats WHERE series = 'us_tip_report' "
                           "AND (indicator LIKE 'unodc_%' OR indicator LIKE 'ssdo_%')").fetchone()[0]
    assert prefixed == 0
    qualifier = con.execute("SELECT value_qualifier FROM ref_tip_stats WHERE value_as_read LIKE 'over 18,000%'"
                            ).fetchone()[0]
    assert qualifier == "over"


def test_provincial_names_follow_the_gazetteer(con):
    provinces = {r[0] for r in con.execute("SELECT DISTINCT province FROM ref_provincial "
                                           "WHERE province IS NOT NULL").fetchall()}
    assert provinces <= set(PROVINCES)
    assert con.execute("SELECT district_id FROM ref_provincial WHERE district = 'Lahore' LIMIT 1").fetchone() \
        == ("lahore",)
    assert con.execute("SELECT count(*) FROM ref_provincial WHERE level = 'national' AND province IS NOT NULL"
                       ).fetchone()[0] == 0


def _copy_reference(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(reference_dir(), target)
    return target


def test_missing_file_is_a_clear_error(tmp_path):
    folder = _copy_reference(tmp_path)
    (folder / "tip_tiers.csv").unlink()
    with pytest.raises(ReferenceDataError, match="tip_tiers.csv: file not found"):
        load_reference(duckdb.connect(), folder)


def test_figure_without_source_is_a_clear_error(tmp_path):
    folder = _copy_reference(tmp_path)
    frame = pd.read_csv(folder / "pakistan_law_enforcement.csv", dtype=str, keep_default_na=False)
    frame.loc[2, "source_url"] = ""
    frame.to_csv(folder / "pakistan_law_enforcement.csv", index=False)
    with pytest.raises(ReferenceDataError, match=r"pakistan_law_enforcement.csv row 4: the figure has no source"):
        load_reference(duckdb.connect(), folder)


def test_bad_number_and_missing_column_are_clear_errors(tmp_path):
    folder = _copy_reference(tmp_path)
    frame = pd.read_csv(folder / "context_indicators.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "value"] = "about two million"
    frame.to_csv(folder / "context_indicators.csv", index=False)
    with pytest.raises(ReferenceDataError, match=r"context_indicators.csv row 2: value 'about two million'"):
        load_reference(duckdb.connect(), folder)
    frame.drop(columns="value").to_csv(folder / "context_indicators.csv", index=False)
    with pytest.raises(ReferenceDataError, match=r"context_indicators.csv: missing column 'value'"):
        load_reference(duckdb.connect(), folder)


def test_tier_file_is_the_revised_reference_set(con):
    per_year = dict(con.execute("SELECT report_year, count(*) FROM ref_tip_tiers GROUP BY ALL").fetchall())
    assert per_year[2021] == 188  # complete since the December 2026 revision (was Pakistan and comparators only)
    assert all(per_year[y] >= 150 for y in (*range(2008, 2016), 2020, 2021, 2023))
    assert all(per_year[y] < 150 for y in (2016, 2017, 2018, 2019, 2022, 2024, 2025))  # partial years


def test_special_case_is_unranked_not_an_error(con):
    rows = con.execute("SELECT iso3, tier_rank FROM ref_tip_tiers WHERE tier = 'Special Case'").fetchall()
    assert {iso3 for iso3, _ in rows} == {"LBY", "SOM", "YEM"} and all(rank is None for _, rank in rows)


def test_inferred_tiers_are_marked(con):
    inferred = set(con.execute("SELECT iso3, report_year FROM ref_tip_tiers WHERE inferred").fetchall())
    assert ("ARE", 2025) in inferred  # absent from the 2025 Watch List / Tier 3 lists: Tier 2 assumed
    assert ("IND", 2021) in inferred  # from a later report's "remained on Tier 2"
    assert ("PAK", 2024) not in inferred
    assert con.execute("SELECT bool_or(verified) FROM ref_tip_tiers WHERE inferred").fetchone()[0] is False


def test_narrative_links_are_the_state_departments_own(con):
    rows = con.execute("SELECT report_year, iso3, narrative_url FROM ref_tip_narratives").fetchall()
    assert (2025, "PAK", "https://www.state.gov/reports/2025-trafficking-in-persons-report/pakistan/") in rows
    assert all("state.gov/reports/" in url for *_, url in rows)


def test_narrative_link_off_state_gov_is_a_clear_error(tmp_path):
    folder = _copy_reference(tmp_path)
    frame = pd.read_csv(folder / "tip_narratives.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "narrative_url"] = "https://bahifazat.com/trafficking-in-persons-report-2025"
    frame.to_csv(folder / "tip_narratives.csv", index=False)
    with pytest.raises(ReferenceDataError, match=r"tip_narratives.csv row 2: narrative_url .* is not on state.gov"):
        load_reference(duckdb.connect(), folder)
