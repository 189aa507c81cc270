"""Aggregate returns (issue #13, section 3): counts by area, period and measure that agencies share instead of
records, loaded with a layout file, kept apart from the case records, published as published or protected like any
count, and shown beside the case-record counts with their source.

The session build holds the demo's two returns: the Punjab Labour Department's annual return by district (its own,
unpublished, exact counts, TOTAL rows) and District Police Office Kohlu's monthly return (published, "<5" values).
A build of its own (``bad``) reads returns with every kind of bad cell beside one small case register.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import demo, release
from etl.layouts import LayoutError, parse_layout
from tests.apptest import open_page
from tests.helpers import build_apart
from tipcore import catalogue
from tipdash import queries, returns_queries, returns_view, text
from tipdash.filters import Filters

REGISTER_DIR = Path(__file__).parent / "data" / "urdu_register"
LABOUR, DPO = "labour_return_punjab", "dpo_kohlu_monthly"
SOURCE = """[source]
id = "test_return"
agency = "Test District Police Office (monthly return)"
agency_type = "police"
province = "Punjab"
files = ["test_return*.csv"]
grain = "aggregate"
"""


def _layout(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "test_return.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _raw() -> Path:
    return Path(os.environ["TIP_RAW_DIR"])


def _release() -> Path:
    return Path(os.environ["TIP_RELEASE_DIR"])


# -- layouts --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("extra", "columns", "message"), [
    ("", 'district = "District"\nyear = "Year"\ncases = "Cases"', "must say whether it is published"),
    ("published = true", 'district = "District"\nyear = "Year"\ncases = "Cases"', "needs citation"),
    ("published = false", 'district = "District"\ncases = "Cases"', "must map its period"),
    ("published = false", 'year = "Year"\ncases = "Cases"\nindicator = "Indicator"\nvalue = "Value"', "Keep one kind"),
    ("published = false\nbelow = 1", 'district = "District"\nyear = "Year"\ncases = "Cases"', "below must be"),
    ('published = false\ndistrict = "Lahore"', 'district = "District"\nyear = "Year"\ncases = "Cases"', "keep one"),
    ("", 'indicator = "I"\nyear = "Y"\nvalue = "V"\ndistrict = "District"', "only a return has"),
])
def test_a_wrong_return_layout_says_what_to_fix(tmp_path, extra, columns, message):
    with pytest.raises(LayoutError) as err:
        parse_layout(_layout(tmp_path, f"{SOURCE}{extra}\n\n[columns]\n{columns}\n"))
    assert message in str(err.value) and "test_return.toml" in str(err.value)


def test_a_return_layout_says_its_level_period_and_protection(tmp_path):
    monthly = parse_layout(_layout(tmp_path, SOURCE + 'published = true\ncitation = "Gazette"\ndistrict = "Kasur"\n'
                                   '\n[columns]\nmonth = "Month"\nfirs = "FIRs"\n'))
    assert monthly.is_return and monthly.published and monthly.citation == "Gazette"
    assert (monthly.return_level, monthly.return_period, monthly.district) == ("district", "month", "Kasur")
    annual = parse_layout(_layout(tmp_path, SOURCE + 'published = false\nbelow = 5\n\n[columns]\nyear = "Year"\n'
                                  'convictions = "Convicted"\n'))
    assert (annual.return_level, annual.return_period, annual.published, annual.below) == \
        ("province", "year", False, 5)
    assert annual.required_headers() == ("Year", "Convicted")


# -- the demo's returns, loaded -------------------------------------------------------------------------------------

def test_demo_returns_are_synthetic_and_the_same_for_the_same_seed():
    labour, dpo = demo.labour_return(7), demo.dpo_return(7)
    assert (labour["Synthetic Record"] == demo.SYNTHETIC_VALUE).all() and \
        (dpo["Synthetic Record"] == demo.SYNTHETIC_VALUE).all()
    assert labour.equals(demo.labour_return(7)) and not labour.equals(demo.labour_return(8))
    assert (dpo == "<5").to_numpy().sum() > 50  # small months are written "<5"
    assert not (labour == "<5").to_numpy().any()  # the unpublished return gives exact counts


def test_a_provinces_annual_return_loads_every_district_and_matches_its_totals(build_summary, con):
    file = pd.read_csv(_raw() / demo.LABOUR_RETURN, dtype=str)
    total_rows = [i + 2 for i in file.index[file["District"] == "TOTAL"]]  # spreadsheet rows: the header is row 1
    totals = file[file["District"] == "TOTAL"].set_index("Year")
    punjab = con.execute("SELECT count(*) FROM districts WHERE province = 'Punjab'").fetchone()[0]
    loaded = con.execute("""SELECT year, measure, sum(value), count(DISTINCT district_id), bool_and(is_demo),
                                   bool_or(published), any_value(province)
                            FROM returns WHERE source_id = ? GROUP BY ALL""", [LABOUR]).fetchall()
    columns = {"cases": "Bonded Labour Cases", "firs": "FIRs Lodged", "convictions": "Convictions",
               "victims": "Labourers Released"}
    assert len(loaded) == len(totals) * len(columns)
    for year, measure, total, districts, synthetic, published, province in loaded:
        assert total == int(totals.at[str(year), columns[measure]]), (year, measure)
        assert districts == punjab and synthetic and not published and province == "Punjab"
    # The TOTAL rows are left out, each reported with the file, row, column and what to do.
    rejected = con.execute("SELECT row, \"column\", reason, action FROM rejected_rows WHERE file = ?",
                           [demo.LABOUR_RETURN]).fetchall()
    assert sorted(r[0] for r in rejected) == total_rows
    assert all(c == "District" and "total row" in why and a == "row rejected" for _, c, why, a in rejected)


def test_small_values_are_kept_as_flags_with_no_number(build_summary, con):
    file = pd.read_csv(_raw() / demo.DPO_RETURN, dtype=str).drop(columns="Synthetic Record")
    flags = int((file == "<5").to_numpy().sum())
    got = con.execute("SELECT count(*) FILTER (WHERE value_flag = '<5' AND value IS NULL), "
                      "count(*) FILTER (WHERE value_flag IS NOT NULL AND value IS NOT NULL), count(*), "
                      "count(DISTINCT month), bool_and(district_id = 'kohlu') FROM returns WHERE source_id = ?",
                      [DPO]).fetchone()
    assert got == (flags, 0, file.shape[0] * (file.shape[1] - 1), len(file), True)


def test_returns_never_become_cases(build_summary, con):
    agencies = [r[0] for r in con.execute("SELECT agency FROM return_sources").fetchall()]
    assert len(agencies) == 2
    assert con.execute("SELECT count(*) FROM cases WHERE list_contains(?, agency)", [agencies]).fetchone()[0] == 0
    files = [f["name"] for f in build_summary["input_files"] if f["layout"] in (LABOUR, DPO)]
    assert sorted(files) == sorted([demo.LABOUR_RETURN, demo.DPO_RETURN])


# -- bad input: clear messages, good rows kept -----------------------------------------------------------------------

BAD_MONTHLY = """Month,Cases Reported,FIRs Registered,Convicted
Jan-2024,12,9,<5
Febtember 2024,3,2,1
Mar-2024,7,six,0
2024-04,"1,204",<5,2
"""
BAD_ANNUAL = """District,Year,Cases,Convictions
Kasur,2023,40,<5
Atlantis,2023,3,1
Lahore,23,5,1
Qasur,2024,18,<3
"""


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    """Two returns with bad cells beside the Urdu Punjab Police register, built apart."""
    tmp = tmp_path_factory.mktemp("returns")
    raw, sources = tmp / "raw", tmp / "sources"
    raw.mkdir()
    sources.mkdir()
    shutil.copy(REGISTER_DIR / "punjab_police_urdu_register.csv", raw)
    for layout in (REGISTER_DIR / "layouts").glob("*.toml"):
        shutil.copy(layout, sources / layout.name)
    (raw / "monthly_return.csv").write_text(BAD_MONTHLY, encoding="utf-8")
    (raw / "annual_return.csv").write_text(BAD_ANNUAL, encoding="utf-8")
    (sources / "monthly.toml").write_text(
        '[source]\nid = "monthly"\nagency = "DPO Kasur"\nagency_type = "police"\nprovince = "Punjab"\n'
        'district = "Kasur"\nfiles = ["monthly_return*.csv"]\ngrain = "aggregate"\npublished = true\n'
        'citation = "DPO Kasur, crime return"\nurl = "https://example.org/returns"\n\n[columns]\nmonth = "Month"\n'
        'cases = "Cases Reported"\nfirs = "FIRs Registered"\nconvictions = "Convicted"\n', encoding="utf-8")
    (sources / "annual.toml").write_text(
        '[source]\nid = "annual"\nagency = "Labour Department"\nagency_type = "labour"\nprovince = "Punjab"\n'
        'files = ["annual_return*.csv"]\ngrain = "aggregate"\npublished = false\n\n[columns]\n'
        'district = "District"\nyear = "Year"\ncases = "Cases"\nconvictions = "Convictions"\n', encoding="utf-8")
    (raw / "flagged_return.csv").write_text("District,Year,Cases\nKasur,2024,<5\nLahore,2024,12\n", encoding="utf-8")
    (sources / "flagged.toml").write_text(
        '[source]\nid = "flagged"\nagency = "Social Welfare Department"\nagency_type = "social_welfare"\n'
        'province = "Punjab"\nfiles = ["flagged_return*.csv"]\ngrain = "aggregate"\npublished = false\nbelow = 5\n\n'
        '[columns]\ndistrict = "District"\nyear = "Year"\ncases = "Cases"\n', encoding="utf-8")
    summary = build_apart(raw, sources, tmp)
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    yield summary, con, tmp
    con.close()


def test_bad_cells_are_reported_and_good_rows_load(bad):
    summary, con, _ = bad
    problems = con.execute("SELECT file, row, \"column\", reason, action FROM rejected_rows "
                           "WHERE file LIKE '%return%' ORDER BY file, row").fetchall()
    by_cell = {(f, r, c): (why, a) for f, r, c, why, a in problems}
    assert len(by_cell) == len(problems) == 6
    assert by_cell[("monthly_return.csv", 3, "Month")] == (
        "not a month (e.g. 2024-03 or Mar 2024): the row is not loaded", "row rejected")
    assert by_cell[("monthly_return.csv", 4, "FIRs Registered")][1] == "value cleared"
    assert "not a count" in by_cell[("monthly_return.csv", 4, "FIRs Registered")][0]
    assert by_cell[("annual_return.csv", 3, "District")][1] == "row rejected"
    assert "not one district of the gazetteer" in by_cell[("annual_return.csv", 3, "District")][0]
    assert by_cell[("annual_return.csv", 4, "Year")][1] == "row rejected"
    for row, column in ((2, "Convictions"), (5, "Convictions")):  # an unpublished return's undeclared "<N"
        why, action = by_cell[("annual_return.csv", row, column)]
        assert action == "value cleared" and "below = N" in why
    loaded = con.execute("SELECT source_id, district_id, year, month, measure, value, value_flag FROM returns "
                         "WHERE source_id <> 'flagged' ORDER BY source_id, year, month, district_id, measure"
                         ).fetchall()
    assert loaded == [
        ("annual", "kasur", 2023, None, "cases", 40, None),
        ("annual", "kasur", 2024, None, "cases", 18, None),  # Qasur: the gazetteer's alias of Kasur
        ("monthly", "kasur", 2024, pd.Timestamp("2024-01-01").date(), "cases", 12, None),
        ("monthly", "kasur", 2024, pd.Timestamp("2024-01-01").date(), "convictions", None, "<5"),
        ("monthly", "kasur", 2024, pd.Timestamp("2024-01-01").date(), "firs", 9, None),
        ("monthly", "kasur", 2024, pd.Timestamp("2024-03-01").date(), "cases", 7, None),
        ("monthly", "kasur", 2024, pd.Timestamp("2024-03-01").date(), "convictions", 0, None),
        ("monthly", "kasur", 2024, pd.Timestamp("2024-04-01").date(), "cases", 1204, None),
        ("monthly", "kasur", 2024, pd.Timestamp("2024-04-01").date(), "convictions", 2, None),
        ("monthly", "kasur", 2024, pd.Timestamp("2024-04-01").date(), "firs", None, "<5"),
    ]
    # Rows rejected whole are counted as rejected in the build summary; rows with a cleared cell are loaded.
    assert (summary["return_rows_read"], summary["return_rows_rejected"]) == (4 + 4 + 2, 3)


# -- the release -------------------------------------------------------------------------------------------------

def test_published_returns_are_released_as_published_with_their_source(build_summary, con):
    figures = pd.read_csv(_release() / "returns" / "published.csv", dtype=str, keep_default_na=False)
    assert set(figures["return_source"]) == {DPO}
    want = con.execute("SELECT count(*), sum(value), count(value_flag) FROM returns WHERE published").fetchone()
    assert (len(figures), pd.to_numeric(figures["value"], errors="coerce").sum(),
            (figures["value_flag"] == "<5").sum()) == want
    sources = pd.read_csv(_release() / "returns" / "sources.csv", dtype=str, keep_default_na=False)
    dpo = sources.set_index("return_source").loc[DPO]
    assert dpo["published"] == "true" and "SYNTHETIC" in dpo["citation"] and dpo["district_id"] == "kohlu"
    labour = sources.set_index("return_source").loc[LABOUR]
    assert labour["published"] == "false" and labour["measures"] == "cases firs convictions victims"


def test_an_unpublished_return_is_released_only_with_noise_over_the_areas_it_covers(build_summary, con):
    by_district = pd.read_csv(_release() / "data" / "returns_district_year.csv")
    by_province = pd.read_csv(_release() / "data" / "returns_province_year.csv")
    truths, dom = release.true_tables(Path(os.environ["TIP_WAREHOUSE"]))
    punjab = [r[0] for r in con.execute("SELECT district_id FROM districts WHERE province = 'Punjab' ORDER BY 1")
              .fetchall()]
    # Every district of its province and the province itself, every year, zeros included; nothing else (the
    # published return is not here).
    assert set(by_district["return_source"]) == set(by_province["return_source"]) == {LABOUR}
    assert sorted(by_district["district_id"].unique()) == punjab and len(by_district) == len(punjab) * len(dom.years)
    assert list(by_province["province"].unique()) == ["Punjab"] and len(by_province) == len(dom.years)
    assert list(by_district.columns) == ["return_source", "district_id", "year", *catalogue.RETURN_MEASURES]
    # The true counts are the return's own (its victims column is not released); the province's are their sums.
    want = con.execute("""SELECT district_id, year::INTEGER AS year, sum(value) FILTER (WHERE measure = 'firs')
                          AS period_firs FROM returns WHERE source_id = ? GROUP BY ALL""", [LABOUR]).df()
    truth = truths["returns_district_year"]
    got = truth.merge(want, on=["district_id", "year"], suffixes=("", "_want"))
    assert len(got) == len(want) and (got["period_firs"] == got["period_firs_want"]).all()
    per_year = truths["returns_province_year"].set_index("year")["period_firs"]
    assert per_year.to_dict() == truth.groupby("year")["period_firs"].sum().to_dict()
    # Noisy: few cells equal their true value (sigma about 18).
    merged = by_district.merge(truth, on=["return_source", "district_id", "year"], suffixes=("", "_true"))
    assert (merged["cases"] == merged["cases_true"]).mean() < 0.2
    package = json.loads((_release() / "datapackage.json").read_text(encoding="utf-8"))
    for name in ("returns_district_year", "returns_province_year"):
        plan = package["privacy"]["tables"][name]
        assert plan["basis"] == "event" and plan["share"] == catalogue.RETURNS_SHARE / 2
        assert {m["sensitivity"] for m in plan["measures"].values()} == {catalogue.return_sensitivity([None])}


def test_a_declared_flag_is_counted_at_its_middle_and_widens_the_noise(bad):
    _, con, tmp = bad
    assert con.execute("SELECT district_id, value, value_flag FROM returns WHERE source_id = 'flagged' "
                       "ORDER BY district_id").fetchall() == [("kasur", None, "<5"), ("lahore", 12, None)]
    truth = release.true_tables(tmp / "warehouse.duckdb")[0]["returns_district_year"] \
        .set_index(["return_source", "district_id", "year"])
    assert truth.at[("flagged", "kasur", 2024), "cases"] == 2 and truth.at[("flagged", "lahore", 2024), "cases"] == 12
    assert truth.loc["annual", "cases"].sum() == 40 + 18  # the annual return's exact counts, its cleared flags not
    package = json.loads((tmp / "release" / "datapackage.json").read_text(encoding="utf-8"))
    measures = package["privacy"]["tables"]["returns_province_year"]["measures"]
    assert {m["sensitivity"] for m in measures.values()} == {catalogue.return_sensitivity([None, 5])} == {4}


@pytest.mark.parametrize(("belows", "sensitivity"), [([], 1), ([None], 1), ([5], 3), ([None, None], 2),
                                                     ([5, None], 4), ([2, 2, 2, 2], 2), ([10], 5)])
def test_a_returns_sensitivity_covers_every_return_and_the_jump_of_a_flag(belows, sensitivity):
    assert catalogue.return_sensitivity(belows) == sensitivity


def test_more_unpublished_returns_mean_more_noise_for_the_same_budget():
    one, two = release.plan(returns_sensitivity=1), release.plan(returns_sensitivity=2)
    key = ("returns_district_year", "cases")
    assert two[key].sigma == pytest.approx(2 * one[key].sigma) and two[key].spent == pytest.approx(one[key].spent)
    assert release.basis_rho(one, "event") == pytest.approx(release.basis_rho(two, "event"))


# -- the dashboard ---------------------------------------------------------------------------------------------------

def test_a_province_selection_shows_each_return_beside_the_records(build_summary):
    figures = returns_queries.returns_for(Filters(2021, 2023, provinces=("Punjab",)))
    assert set(figures["return_source"]) == {LABOUR}
    labour = figures.set_index("measure")
    assert set(labour.index) == {"cases", "firs", "convictions"}  # its victims are not released
    assert labour["moe"].notna().all() and (labour["areas"] == 1).all()  # the province's own cells, not 36 summed
    released = pd.read_csv(_release() / "data" / "returns_province_year.csv")
    want = released[released["year"].between(2021, 2023)]["period_firs"].sum()
    assert labour.at["firs", "value"] == want
    district = returns_queries.returns_for(Filters(2021, 2023, districts=("kasur",))).set_index("measure")
    by_district = pd.read_csv(_release() / "data" / "returns_district_year.csv")
    kasur = by_district[(by_district["district_id"] == "kasur") & by_district["year"].between(2021, 2023)]
    assert district.at["firs", "value"] == kasur["period_firs"].sum()
    table = returns_view.summary_table(figures)
    column = returns_view.REPORTED_BY.format(agency=labour["agency"].iloc[0])
    assert list(table.columns) == [returns_view.COLUMN_STAGE, column]
    shown = table.set_index(returns_view.COLUMN_STAGE)[column]
    assert shown["Victims identified"] == returns_view.NOT_RELEASED and "±" in shown["FIRs"]
    assert "protected" in returns_view.sources_note(figures)


def test_a_district_with_a_published_return_shows_its_figures_and_flags_with_the_citation(build_summary, con):
    figures = returns_queries.returns_for(Filters(2024, 2024, districts=("kohlu",)))
    assert set(figures["return_source"]) == {DPO} and figures["moe"].isna().all()
    want = con.execute("SELECT measure, sum(value), count(value_flag) FROM returns WHERE source_id = ? AND year = 2024 "
                       "GROUP BY measure", [DPO]).fetchall()
    got = figures.set_index("measure")
    for measure, total, flags in want:
        assert (got.at[measure, "value"], got.at[measure, "flags"]) == (total, flags)
    note = returns_view.sources_note(figures)
    assert "SYNTHETIC DEMO DATA" in note and "Monthly return, Kohlu" in note
    fig = returns_view.funnel_from_return(figures, "2024")
    assert "District Police Office Kohlu" in fig.layout.title.text and "not case records" in fig.layout.title.text
    assert list(fig.data[0].y) == ["Cases reported", "FIRs", "Charge sheets", "Trials concluded", "Convictions"]


def test_no_return_for_an_area_shows_nothing(build_summary):
    assert returns_queries.returns_for(Filters(2024, 2024, districts=("karachi-south",))).empty
    assert returns_view.funnel_from_return(returns_queries.returns_for(Filters(2024, 2024)).iloc[0:0], "2024") is None


def test_conviction_gap_page_shows_the_returns_section_and_fills_the_funnel_where_records_are_too_few(build_summary):
    at = open_page("conviction_gap", {"district": "kohlu", "years": "2022-2024", "view": "cohort"})
    titles = [m.value for m in at.markdown]
    assert f"**{returns_view.TITLE}**" in titles
    tables = [d.value for d in at.dataframe]
    assert any(returns_view.REPORTED_BY.format(agency="District Police Office Kohlu (monthly return)") in t.columns
               for t in tables)
    # Kohlu's records hold no cases: its released count is noise, drawn anew for each test session, shown only in
    # sessions where it reaches 10. The return's funnel fills in exactly when the count is not shown.
    too_few = text.is_missing(queries.funnel(Filters(2022, 2024, districts=("kohlu",)))["value"].iloc[0])
    assert any(c.value == returns_view.FILLED_NOTE for c in at.caption) == too_few
