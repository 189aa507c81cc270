"""The query layer against a real warehouse built by the ETL: real numbers, protection, filters, safety."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from tipdash import db, filters, privacy, queries, text
from tipdash.filters import Filters

COUNT_COLUMNS = {"cases", "victims", "firs", "investigations", "charge_sheets", "trials", "convictions", "acquittals",
                 "compromises", "victims_referred", "value"}


@pytest.fixture
def options(warehouse):
    return queries.filter_options()


@pytest.fixture
def every_year(options) -> Filters:
    return Filters(options.year_min, options.year_max)


def direct(con, sql: str, params: list | None = None):
    """A protected count straight from SQL, for comparison with the query layer."""
    n, key = con.execute(sql, params or []).fetchone()
    return privacy.protected_value(int(n or 0), int(key or 0) % 256)


def published_counts(df: pd.DataFrame) -> list:
    return [v for col in df.columns if col in COUNT_COLUMNS or col.endswith("_prev") for v in df[col]]


def test_filter_options_describe_the_warehouse(con, options):
    lo, hi = con.execute("SELECT min(report_year), max(report_year) FROM cases").fetchone()
    assert (options.year_min, options.year_max) == (lo, hi)
    assert len(options.districts) == con.execute("SELECT count(*) FROM districts").fetchone()[0]
    assert options.year_min <= options.default_years[0] <= options.default_years[1] <= options.year_max
    assert set(options.agencies) == {r[0] for r in con.execute("SELECT DISTINCT agency FROM cases").fetchall()}


def test_headline_equals_a_direct_count_after_protection(con, every_year):
    head = queries.headline(every_year).set_index("measure")
    cases = direct(con, "SELECT count(*), sum(ckey) FROM cases WHERE NOT is_smuggling")
    victims = direct(con, "SELECT sum(victim_count), sum(victim_ckey) FROM cases WHERE NOT is_smuggling")
    convictions = direct(con, "SELECT count(*), sum(ckey) FROM cases WHERE NOT is_smuggling AND is_convicted")
    assert head.loc["cases", "value"] == cases > 0
    assert head.loc["victims", "value"] == victims
    assert head.loc["convictions", "value"] == convictions
    trials = direct(con, "SELECT count(*), sum(ckey) FROM cases WHERE NOT is_smuggling AND is_trial_concluded")
    assert head.loc["conviction_rate", "value"] == pytest.approx(round(convictions / trials * 100, 1))


def test_change_is_a_percentage_never_a_difference_of_counts(options):
    f = Filters(options.year_max - 1, options.year_max)
    head = queries.headline(f).set_index("measure")
    row = head.loc["cases"]
    assert row["change_unit"] == "percent"
    assert row["change"] == pytest.approx(round((row["value"] - row["previous"]) / row["previous"] * 100, 1))
    assert head.loc["conviction_rate", "change_unit"] == "pp"
    assert set(head.reset_index().columns) == {"measure", "label", "value", "previous", "change", "change_unit"}


def test_funnel_is_monotone_and_starts_at_cases_reported(every_year):
    df = queries.funnel(every_year)
    assert list(df["stage"]) == ["cases", "firs", "charge_sheets", "trials", "convictions"]
    values = [v for v in df["value"] if not pd.isna(v)]
    assert values == sorted(values, reverse=True)
    assert df["value"].iloc[0] == queries.headline(every_year).set_index("measure").loc["cases", "value"]
    assert df["share_of_reported"].iloc[0] == 100


def test_no_published_count_lies_between_1_and_9(every_year, options):
    narrow = Filters(options.year_max, options.year_max)
    district = next(iter(options.districts))
    counts_only = [h[h["change_unit"] == "percent"] for h in (queries.headline(every_year), queries.headline(narrow))]
    frames = [
        *counts_only, queries.trend(narrow, "month"),
        queries.top_districts(narrow), queries.district_measures(narrow), queries.offence_mix(narrow),
        queries.victim_profile(narrow), queries.funnel(narrow.for_district(district)),
        queries.attrition_by_area(narrow, "district"), queries.attrition_by_area(narrow, "province"),
        queries.stages_by(narrow, "law_group"), queries.trial_outcomes(narrow), queries.verdict_time(narrow),
        queries.scorecard_inputs(narrow), queries.area_indicators(narrow.for_district(district)),
        queries.explore(narrow, ("month", "district", "offence"), ("cases", "victims", "convictions")),
    ]
    values = [v for df in frames for v in published_counts(df)]
    assert len(values) > 1000
    assert any(pd.isna(v) for v in values), "a month x district x offence table must have suppressed cells"
    for v in values:
        assert pd.isna(v) or v == 0 or (v >= privacy.SUPPRESS_BELOW and v % privacy.ROUNDING_BASE == 0), v


def test_rates_are_not_available_when_a_count_is_suppressed(every_year):
    df = queries.explore(every_year, ("district", "offence"), ("trials", "convictions", "conviction_rate"))
    suppressed = df["trials"].isna() | df["convictions"].isna()
    assert suppressed.any()
    assert df.loc[suppressed, "conviction_rate"].isna().all()
    df = queries.attrition_by_area(every_year, "province")
    both = df["trials"].gt(0) & df["convictions"].notna() & df["trials"].notna()
    expected = (df.loc[both, "convictions"].astype(float) / df.loc[both, "trials"].astype(float) * 100).round(1)
    assert both.any() and (df.loc[both, "conviction_rate"].astype(float) - expected).abs().max() < 0.051


def test_per_100k_is_not_available_without_a_census_figure(every_year):
    df = queries.district_measures(every_year)
    no_census = df["population"].isna()
    assert set(df.loc[no_census, "province"]) <= set(queries.NO_CENSUS) and no_census.any()
    assert df.loc[no_census, "cases_per_100k"].isna().all()
    has_rate = df["cases_per_100k"].notna()
    row = df[has_rate].iloc[0]
    assert row["cases_per_100k"] == pytest.approx(
        round(row["cases"] / (row["population"] * every_year.years) * 100_000, 1))


def test_filters_change_results(con, every_year, options):
    everything = queries.headline(every_year).set_index("measure").loc["cases", "value"]
    offence = con.execute("SELECT offence FROM cases WHERE offence IS NOT NULL AND NOT is_smuggling "
                          "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    one = replace(every_year, offences=(offence,))
    only = queries.headline(one).set_index("measure").loc["cases", "value"]
    assert 0 < only < everything
    assert only == direct(con, "SELECT count(*), sum(ckey) FROM cases WHERE offence = ? AND NOT is_smuggling",
                          [offence])
    province = "Punjab"
    districts = queries.district_measures(replace(every_year, provinces=(province,)))
    assert set(districts["province"]) == {province}
    sexes = replace(every_year, sexes=("female",))
    assert queries.headline(sexes).set_index("measure").loc["cases", "value"] == direct(
        con, "SELECT count(*), sum(ckey) FROM cases WHERE list_contains(victim_sexes, 'female') AND NOT is_smuggling")
    year = Filters(options.year_max, options.year_max)
    assert queries.trend(year)["period"].dt.year.tolist() == [options.year_max]


AGG_ROUTED = [  # the questions that count from the ETL's aggregates when the filters allow it
    ("headline", ()), ("trend", ()), ("top_districts", (5, "victims")), ("district_measures", ()), ("funnel", ()),
    ("attrition_by_area", ("province",)), ("attrition_by_area", ("district",)), ("victim_profile", ()),
]


def test_counts_from_the_aggregates_equal_counts_from_cases(con, every_year, options, monkeypatch):
    offence = con.execute("SELECT offence FROM cases WHERE offence IS NOT NULL GROUP BY 1 ORDER BY 1").fetchone()[0]
    district = con.execute("SELECT district_id FROM cases WHERE district_id IS NOT NULL GROUP BY 1 "
                           "ORDER BY count(*) LIMIT 1").fetchone()[0]
    selections = [
        every_year,
        Filters(options.year_max, options.year_max, offences=(offence,), include_smuggling=True),
        replace(every_year, scopes=("transnational", "not_recorded"), provinces=("Sindh", "Punjab")),
        replace(every_year, districts=(district,)),
        replace(every_year, include_smuggling=True),
        replace(every_year, sexes=("female",), age_bands=("0-8", "9-17")),  # victims' aggregate only
    ]
    assert all(queries.counts_table(f, queries.STAGE_COUNTS) == queries.AGG_TABLE for f in selections[:-1])
    assert queries.counts_table(selections[-1], ["cases"]) == "cases"
    assert queries.counts_table(replace(every_year, agencies=("fia",)), ["cases"]) == "cases"
    assert queries.counts_table(every_year, ["acquittals"]) == "cases"
    from_aggregates = {(name, args, f): getattr(queries, name).uncached(f, *args)
                       for f in selections for name, args in AGG_ROUTED}
    assert {queries.AGG_TABLE, queries.VICTIM_AGG_TABLE} <= queries.tables()
    without = queries.tables() - {queries.AGG_TABLE, queries.VICTIM_AGG_TABLE}
    monkeypatch.setattr(queries, "tables", lambda: without)  # a warehouse without the aggregates
    for (name, args, f), df in from_aggregates.items():
        pd.testing.assert_frame_equal(df, getattr(queries, name).uncached(f, *args), obj=f"{name}{args} {f}")
    assert any(published_counts(df) for df in from_aggregates.values())


def test_smuggling_is_excluded_by_default_and_counted_apart(con, every_year):
    smuggling = direct(con, "SELECT count(*), sum(ckey) FROM cases WHERE is_smuggling")
    assert queries.smuggling_cases(every_year) == smuggling
    included = replace(every_year, include_smuggling=True)
    assert queries.headline(included).set_index("measure").loc["cases", "value"] == direct(
        con, "SELECT count(*), sum(ckey) FROM cases")
    mix = queries.offence_mix(every_year)
    assert text.SMUGGLING not in set(mix["offence"])


@pytest.mark.parametrize("evil", ["x'); DROP TABLE cases; --", "' OR 1=1 --", "$y0", "Punjab' OR 'a'='a"])
def test_injection_strings_in_filters_are_harmless(con, every_year, evil):
    f = replace(every_year, offences=(evil,), provinces=(evil,), agencies=(evil,), districts=(evil,))
    assert queries.headline(f).set_index("measure").loc["cases", "value"] == 0
    assert queries.explore(f, ("province",), ("cases",)).empty
    sql, params, _ = queries.explore_sql(f, ["province"], ["cases"])
    assert params["offences"] == [evil] and params["provinces"] == [evil]
    if not evil.startswith("$"):  # "$y0" is also the name of a real placeholder
        assert evil not in sql
    assert con.execute("SELECT count(*) FROM cases").fetchone()[0] > 0


def test_url_values_are_whitelisted(options):
    raw = {"years": ["1; DROP TABLE cases"], "offence": ["bonded_labour", "<script>", "bonded_labour"],
           "province": ["Punjab", "Atlantis"], "district": ["nowhere"], "smuggling": ["1"], "sex": ["female"]}
    f = filters.from_query_params(raw, options)
    assert (f.year_from, f.year_to) == options.default_years
    assert f.offences == ("bonded_labour",) and f.provinces == ("Punjab",) and f.districts == ()
    assert f.include_smuggling and f.sexes == ("female",)
    assert filters.from_query_params(filters.to_query_params(f, options), options) == f
    assert filters.parse_years(f"{options.year_min - 5}-{options.year_max}", options) is None
    assert filters.parse_years(f"{options.year_max}-{options.year_min}", options) is None


def test_trend_has_every_period_of_the_range(every_year):
    by_month = queries.trend(every_year, "month")
    assert len(by_month) == 12 * every_year.years
    assert by_month["period"].is_monotonic_increasing
    by_year = queries.trend(every_year, "year")
    assert by_year["cases"].sum() > 0 and len(by_year) == every_year.years


def test_victim_breakdowns_use_the_victims_table_and_its_keys(con, every_year):
    df = queries.victim_profile(every_year)
    cell = df.dropna(subset=["victims"]).iloc[0]
    expected = direct(con, """SELECT count(*), sum(v.ckey) FROM victims v JOIN cases c USING (case_id)
                              WHERE NOT c.is_smuggling AND v.sex = ? AND coalesce(v.age_band, 'not recorded') = ?""",
                      [cell["sex"], cell["age_band"]])
    assert cell["victims"] == expected
    table = queries.explore(every_year, ("sex",), ("victims",))
    assert set(table.columns) == {"sex", "victims"}


def test_district_comparison_has_district_province_and_pakistan(every_year, options):
    busiest = queries.top_districts(every_year, 1)["district_id"].iloc[0]
    df = queries.district_comparison(every_year, busiest, options)
    name, province = options.districts[busiest]
    assert list(df["area"]) == [name, province, "Pakistan"]
    assert df["cases"].iloc[0] <= df["cases"].iloc[1] <= df["cases"].iloc[2]


def test_outcomes_and_time_to_verdict_are_protected_shares(every_year):
    outcomes = queries.trial_outcomes(every_year)
    assert list(outcomes["outcome"]) == ["convicted", "acquitted", "compromise"]
    assert outcomes["share"].dropna().between(0, 100).all()
    bins = queries.verdict_time(every_year)
    assert list(bins["label"]) == [b[2] for b in queries.VERDICT_BINS]


def test_scorecard_bands_need_enough_cases(every_year):
    inputs = queries.scorecard_inputs(every_year)
    scored = queries.score_districts(inputs, dict.fromkeys(queries.SCORE_INDICATORS, 1))
    few = pd.to_numeric(scored["cases"], errors="coerce").fillna(0) < queries.MIN_CASES
    assert (scored.loc[few, "band"] == queries.INSUFFICIENT).all()
    banded = scored[scored["band"] != queries.INSUFFICIENT]
    assert banded["score"].between(0, 100).all()
    only_fir = queries.score_districts(inputs, {"fir_rate": 1})
    ok = only_fir["band"] != queries.INSUFFICIENT
    assert (only_fir.loc[ok, "score"] - only_fir.loc[ok, "fir_rate"].astype(float).clip(0, 100)).abs().max() < 0.051


def test_score_districts_is_a_transparent_weighted_mean():
    inputs = pd.DataFrame({"cases": [100, 20], "conviction_rate": [50.0, 90.0], "fir_rate": [70.0, 90.0],
                           "referral_rate": [30.0, None], "charge_sheet_rate": [40.0, 90.0],
                           "months_to_verdict": [30.0, 1.0]})
    out = queries.score_districts(inputs, {"conviction_rate": 2, "fir_rate": 1, "referral_rate": 1,
                                           "charge_sheet_rate": 0, "months_to_verdict": 1})
    assert out["score"].iloc[0] == pytest.approx((2 * 50 + 70 + 30 + 50) / 5)
    assert out["band"].iloc[0] == "Band 2"  # 50: at least 45, below 60
    assert out["band"].iloc[1] == queries.INSUFFICIENT  # 20 cases


def one_district(score: float, cases: int = 100, indicators: int = 5) -> pd.DataFrame:
    """Inputs for one district whose score is ``score``: the FIR rate carries all the weight, and ``indicators``
    of the five indicators are present (the others only count towards the minimum)."""
    row = {"cases": cases, "fir_rate": score, "conviction_rate": 10.0, "referral_rate": 10.0,
           "charge_sheet_rate": 10.0, "months_to_verdict": 50.0}
    for ind in ["months_to_verdict", "charge_sheet_rate", "referral_rate", "conviction_rate"][:5 - indicators]:
        row[ind] = None
    return pd.DataFrame([row])


def band_of(score: float, **kwargs) -> tuple[float, str]:
    out = queries.score_districts(one_district(score, **kwargs), {"fir_rate": 1})
    return out["score"].iloc[0], out["band"].iloc[0]


# The published rule (pages/tier_ranking.py): Band 1 >= 60, Band 2 45-60, Band 2 watch list 30-45, Band 3 < 30.
@pytest.mark.parametrize(("score", "band"), [
    (100.0, "Band 1"), (60.0, "Band 1"), (59.9, "Band 2"), (45.0, "Band 2"), (44.9, "Band 2 watch list"),
    (30.0, "Band 2 watch list"), (29.9, "Band 3"), (0.0, "Band 3"),
])
def test_scorecard_band_boundaries(score, band):
    assert band_of(score) == (score, band)


def test_scorecard_minimum_cases_and_indicators():
    cases_floor, indicators_floor = 50, 3
    assert band_of(70.0, cases=cases_floor)[1] == "Band 1"
    assert band_of(70.0, cases=cases_floor - 1)[1] == queries.INSUFFICIENT
    assert band_of(70.0, indicators=indicators_floor)[1] == "Band 1"
    insufficient = band_of(70.0, indicators=indicators_floor - 1)
    assert insufficient[1] == queries.INSUFFICIENT and pd.isna(insufficient[0])  # no score shown without a band
    # No weight on any indicator the district has: no score, no band.
    out = queries.score_districts(one_district(70.0), {"fir_rate": 0, "conviction_rate": -1})
    assert out["band"].iloc[0] == queries.INSUFFICIENT and pd.isna(out["score"].iloc[0])


def test_scorecard_bands_several_districts_at_once():
    inputs = pd.concat([one_district(s) for s in (75.0, 50.0, 35.0, 5.0)], ignore_index=True)
    out = queries.score_districts(inputs, {"fir_rate": 1})
    assert list(out["band"]) == ["Band 1", "Band 2", "Band 2 watch list", "Band 3"]


def test_reference_facts_unknown_is_not_available_never_zero(warehouse):
    tiers = queries.tier_history("PAK")
    assert not tiers.empty and tiers["report_year"].is_monotonic_increasing
    figures = queries.government_figures()
    if figures.empty:
        pytest.skip("no government figures in the reference tables")
    grid = queries.government_by_year(figures, range(int(figures["year"].min()), int(figures["year"].max()) + 1))
    cells = grid.drop(columns="year").to_numpy().ravel()
    assert text.NOT_AVAILABLE in cells
    assert "0" not in cells
    assert queries.country_tiers(int(tiers["report_year"].max()))["iso3"].is_unique


def test_explore_shows_its_sql_with_bound_parameters(every_year):
    f = replace(every_year, provinces=("Punjab",))
    sql, params, counts = queries.explore_sql(f, ["year", "offence"], ["cases", "conviction_rate"])
    assert "$provinces" in sql and "Punjab" not in sql
    assert params["provinces"] == ["Punjab"] and params["y0"] == f.year_from
    assert {"cases", "convictions", "trials"} <= set(counts)
    table = queries.explore(f, ("year", "offence"), ("cases", "conviction_rate"))
    assert list(table.columns) == ["year", "offence", "cases", "conviction_rate"]
    assert set(table["offence"]) <= set(text.OFFENCES.values())


def test_queries_follow_a_rebuilt_warehouse(warehouse, tmp_path, monkeypatch):
    """A warehouse swapped in under the same name is read on the next query, with no stale cache."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, path)
    monkeypatch.setenv("TIP_WAREHOUSE", str(path))
    f = Filters(*queries.filter_options().default_years)
    before = queries.headline(f).set_index("measure").loc["cases", "value"]
    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copy(warehouse, rebuilt)
    with duckdb.connect(str(rebuilt)) as con:
        for table in ("cases", queries.AGG_TABLE):  # a rebuild changes the cases and their aggregate together
            con.execute(f"DELETE FROM {table} WHERE report_year BETWEEN ? AND ?", [f.year_from, f.year_to])
    os.replace(rebuilt, path)  # the ETL's atomic swap
    assert queries.headline(f).set_index("measure").loc["cases", "value"] == 0 < before


def test_a_damaged_or_missing_warehouse_gives_a_message(tmp_path, monkeypatch):
    bad = tmp_path / "warehouse.duckdb"
    bad.write_bytes(b"not a database" * 1000)
    monkeypatch.setenv("TIP_WAREHOUSE", str(bad))
    assert "damaged" in db.check()
    monkeypatch.setenv("TIP_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    assert "python -m etl build" in db.check()
    with pytest.raises(db.WarehouseUnavailable):
        db.cursor()
