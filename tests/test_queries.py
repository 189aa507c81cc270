"""The query layer against a real release built by the ETL: released numbers, margins, table choice, filters, safety.

The truth (counted from the private warehouse, which the dashboard never opens) is used only to check that the
released answers are what the release says they are: within their margins, nothing more.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd
import pytest

from tipcore import catalogue, config
from tipdash import db, filters, privacy, queries, text
from tipdash.filters import Filters


@pytest.fixture
def options(warehouse):
    return queries.filter_options()


@pytest.fixture
def every_year(options) -> Filters:
    return Filters(options.year_min, options.year_max)


def release_csv(table: str) -> pd.DataFrame:
    return pd.read_csv(config.release_dir() / "data" / f"{table}.csv", keep_default_na=False)


def test_filter_options_come_from_the_release(con, options):
    lo, hi = con.execute("SELECT min(report_year), max(report_year) FROM cases").fetchone()
    assert (options.year_min, options.year_max) == (max(lo, config.RELEASE_FROM), hi)
    assert len(options.districts) == con.execute("SELECT count(*) FROM districts").fetchone()[0]
    assert options.year_min <= options.default_years[0] <= options.default_years[1] <= options.year_max
    assert options.agencies == catalogue.AGENCY_TYPES


@pytest.mark.parametrize(("change", "table"), [
    ({}, "national_year"),
    ({"offences": ("bonded_labour",)}, "national_year_offence"),
    ({"provinces": ("Punjab",)}, "province_year_total"),
    ({"districts": ("lahore",)}, "district_year_total"),
    ({"offences": ("bonded_labour",), "districts": ("lahore",)}, "district_year_offence"),
    ({"agencies": ("fia",)}, "province_year_agency"),
])
def test_each_question_reads_the_coarsest_table_that_holds_it(every_year, change, table):
    df = queries.released(replace(every_year, **change), ["cases"])
    assert df.attrs["tables"] == {"cases": table}


def test_a_question_no_table_holds_is_not_answered_and_says_why(every_year):
    f = replace(every_year, offences=("bonded_labour",), districts=("lahore",))
    df = queries.released(f, ["cases", "firs"])
    assert df["cases"].notna().all() and df["firs"].isna().all()
    assert "district" in df.attrs["unanswered"]["firs"]
    assert not queries.answerable(replace(every_year, sexes=("female",)), "cases").ok
    assert queries.answerable(replace(every_year, sexes=("female",)), "victims").ok


def test_headline_is_the_sum_of_the_national_release(every_year):
    nat = release_csv("national_year")
    nat = nat[(nat["kind"] == "trafficking") & nat["year"].between(every_year.year_from, every_year.year_to)]
    head = queries.headline(every_year)
    assert head.attrs["view"] == "period"  # Pakistan: the steps are counted in the year they happened
    head = head.set_index("measure")
    for m in ("cases", "victims"):
        assert head.loc[m, "value"] == round(nat[m].sum())
    cells = len(nat)
    assert head.loc["cases", "moe"] == pytest.approx(privacy.margin(queries.sigma("national_year", "cases"), cells))
    period = release_csv("national_period")
    period = period[(period["kind"] == "trafficking") & period["year"].between(every_year.year_from,
                                                                                every_year.year_to)]
    # The test release is small: a sum under 10 is shown as "<10" (NA), and a rate only where its base, numerator
    # and margin allow; the expectations follow the same display rules from the release's own cells.
    conv, trials = (pd.Series([period[m].sum()]) for m in ("period_convictions", "period_trials"))
    conv_moe, trials_moe = (pd.Series([privacy.margin(queries.sigma("national_period", m), len(period))])
                            for m in ("period_convictions", "period_trials"))
    shown = privacy.shown(conv).iloc[0]
    got = head.loc["period_convictions", "value"]
    assert (pd.isna(got) and pd.isna(shown)) or got == shown
    rate = privacy.rate(conv, trials).iloc[0]
    if privacy.rate_margin(conv, trials, conv_moe, trials_moe).iloc[0] > privacy.RATE_MOE_MAX:
        rate = pd.NA
    got = head.loc["period_conviction_rate", "value"]
    assert (pd.isna(got) and pd.isna(rate)) or got == pytest.approx(rate)


def test_without_the_period_view_open_cohorts_are_not_compared(options):
    """A district has no period table: its conviction measures come from cohorts, and open ones are not compared."""
    f = Filters(*options.default_years, districts=("multan",))
    assert not queries.period_answerable(f)
    head = queries.headline(f)
    assert head.attrs["view"] == "cohort" and set(head["measure"]) == set(head["base"])
    open_now = not (queries.selection_in_court(f)["complete"] and queries.selection_in_court(f.previous())["complete"])
    court = head.set_index("base").loc[["convictions", "conviction_rate"]]
    if open_now:
        assert (court["note"] == text.STILL_IN_COURT).all() and court["change"].isna().all()
    assert (head.set_index("base").loc[["cases", "victims"], "note"] == "").all()


def test_cohorts_are_complete_once_most_verdicts_have_come(options):
    """A cohort is complete when it is older than the time in which 80% of concluded trials got their verdict."""
    bins = queries.verdict_time(Filters(options.year_min, options.year_max))
    counts = bins["trials_raw"].clip(lower=0).to_numpy()
    ends = [hi for _code, _lo, hi, _label in queries.VERDICT_BINS]
    months = next(end for end, share in zip(ends, counts.cumsum() / counts.sum(), strict=True) if share >= 0.8)
    years = queries.years_to_mature()
    assert years == -(-months // 12) and 1 <= years <= 5
    last = options.year_max
    assert queries.is_complete(pd.Series([last - years, last - years + 1, None])).tolist() == [True, False, False]
    progress = queries.cohort_progress(Filters(options.year_min, last))
    assert not progress["complete"].iloc[-1] and progress["complete"].iloc[0] == (options.year_min + years <= last)
    done = queries.complete_years(Filters(last - 2, last))
    assert done is None or (done[1] == last - years and done[1] - done[0] <= 2)


def test_the_share_still_in_court_has_a_margin_and_a_minimum_base():
    got, margin = queries.in_court(pd.Series([100.0, 10.0]), pd.Series([80.0, 2.0]), pd.Series([5.0, 5.0]),
                                   pd.Series([5.0, 5.0]))
    assert got.iloc[0] == 20.0 and margin.iloc[0] > 0 and pd.isna(got.iloc[1])  # a base under 20 has no share


def test_released_counts_lie_near_the_truth_within_their_margins(con, every_year):
    """Province-year counts against the private truth: about 95% within the 95% margin, none wildly off."""
    df = queries.released(every_year, ["cases"], by=("province", "year"))
    truth = con.execute("""SELECT coalesce(province, $none) AS province, report_year AS year, count(*) AS n
                           FROM cases WHERE NOT is_smuggling GROUP BY ALL""",
                        {"none": catalogue.NO_PROVINCE}).df()
    both = df.merge(truth, on=["province", "year"], how="left").fillna({"n": 0})
    inside = ((both["cases"] - both["n"]).abs() <= both["cases" + queries.MOE]).mean()
    # About 95% expected inside; the bounds leave room for chance (the noise is not seeded) but not for a wrong
    # margin (half the true one puts about 68% inside) or a wrong table.
    assert inside >= 0.8
    assert ((both["cases"] - both["n"]).abs() <= 3 * both["cases" + queries.MOE]).all()


def test_every_table_covers_its_full_domain(every_year):
    nat = release_csv("national_year_offence")
    years = every_year.years
    assert len(nat) == years * len(catalogue.OFFENCES) * len(catalogue.SCOPES)
    dist = release_csv("district_year")
    assert len(dist) == years * len(queries.filter_options().districts) * len(catalogue.KINDS)


def test_change_is_a_percentage_never_a_difference_of_counts(options):
    f = Filters(*options.default_years)
    head = queries.headline(f).set_index("base")
    cases = head.loc["cases"]
    if not text.is_missing(cases["change"]):
        expected = (cases["value"] - cases["previous"]) / cases["previous"] * 100
        assert abs(cases["change"] - expected) < 1.0  # from raw released sums, then shown rounded
    assert head.loc["conviction_rate", "change_unit"] == "pp"


def test_funnel_starts_at_cases_reported_and_carries_margins(every_year):
    fun = queries.funnel(every_year)
    assert list(fun["stage"]) == queries.STAGE_COUNTS
    assert fun["share_of_reported"].iloc[0] == 100.0
    assert (fun["moe"] > 0).all()


def test_no_shown_count_lies_between_1_and_9(every_year, options):
    district = next(iter(options.districts))
    f = replace(every_year, districts=(district,))
    frames = [queries.trend(f, "year"), queries.district_measures(every_year), queries.top_districts(every_year),
              queries.offence_mix(f), queries.victim_profile(every_year), queries.funnel(f)]
    for df in frames:
        for col in df.columns:
            if col in catalogue.MEASURES or col == "value":
                values = pd.to_numeric(df[col], errors="coerce").dropna()
                assert not values.between(0.5, privacy.SHOW_BELOW - 0.5).any(), col
                assert (values >= privacy.SHOW_BELOW).all() or values.empty, col


def test_rates_need_a_minimum_base(every_year):
    small = pd.Series([5.0]), pd.Series([float(privacy.RATE_MIN_BASE - 1)])
    assert privacy.rate(*small).isna().all()
    assert privacy.rate(pd.Series([10.0]), pd.Series([40.0])).iloc[0] == 25.0
    assert privacy.rate(pd.Series([9.0]), pd.Series([40.0])).isna().all()  # a share of "<10" is not shown
    assert privacy.rate(pd.Series([10.0]), pd.Series([float(privacy.RATE_MIN_BASE)])).iloc[0] == 50.0
    assert privacy.rate(pd.Series([30.0]), pd.Series([25.0])).iloc[0] == 100.0  # noise can exceed the base


def test_per_100k_is_not_available_without_a_census_figure(every_year):
    df = queries.district_measures(every_year)
    no_census = df["population"].isna()
    assert no_census.any()
    assert df.loc[no_census, "cases_per_100k"].isna().all()


def test_an_areas_population_is_its_districts_census_total_or_unknown(every_year, options):
    g = queries.gazetteer().assign(population=lambda d: pd.to_numeric(d["population"], errors="coerce"))
    ajk = g.loc[g["population"].isna(), "province"].iloc[0]
    punjab = g[g["province"] == "Punjab"]
    lahore = g[g["district_id"] == "lahore"]
    areas = ((every_year.for_province("Punjab"), ""), (every_year.for_province(ajk), ""),
             (every_year.for_district("lahore"), ""), (every_year.for_pakistan(), ""),
             (replace(every_year, provinces=("Sindh",), districts=("lahore",)), ""))  # no district in both
    population = queries.area_comparison(areas)["population"].tolist()
    assert population[0] == punjab["population"].sum() and population[2] == lahore["population"].iloc[0]
    assert pd.isna(population[1]) and pd.isna(population[4])
    assert population[3] == g["population"].sum() > population[0]  # Pakistan: the provinces with a census


def test_filters_change_results(every_year):
    base = queries.headline(every_year).set_index("measure").loc["cases", "value"]
    punjab = queries.headline(replace(every_year, provinces=("Punjab",))).set_index("measure").loc["cases", "value"]
    assert 0 < punjab < base
    labour = queries.headline(replace(every_year, offences=("bonded_labour",))).set_index("measure")
    assert labour.loc["cases", "value"] < base


def test_smuggling_is_excluded_by_default_and_counted_apart(every_year):
    nat = release_csv("national_year")
    nat = nat[nat["year"].between(every_year.year_from, every_year.year_to)]
    smuggling = round(nat.loc[nat["kind"] == "smuggling", "cases"].sum())
    assert queries.smuggling_cases(every_year) == (smuggling if smuggling >= privacy.SHOW_BELOW else pd.NA)
    included = replace(every_year, include_smuggling=True)
    assert queries.headline(included).set_index("measure").loc["cases", "value"] == round(nat["cases"].sum())
    assert catalogue.SMUGGLING not in set(queries.offence_mix(every_year)["offence"])


@pytest.mark.parametrize("evil", ["x'); DROP TABLE cases; --", "' OR 1=1 --", "$y0", "Punjab' OR 'a'='a"])
def test_injection_strings_in_filters_are_harmless(every_year, evil):
    for f in (replace(every_year, offences=(evil,), provinces=(evil,), districts=(evil,)),
              replace(every_year, agencies=(evil,)), replace(every_year, scopes=(evil,))):
        assert queries.released(f, ["cases"])["cases"].iloc[0] == 0
    assert queries.released(every_year, ["cases"])["cases"].iloc[0] > 0


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


def test_victim_profile_reads_the_victims_release(every_year):
    df = queries.victim_profile(every_year)
    nat = release_csv("national_year_victims")
    nat = nat[nat["year"].between(every_year.year_from, every_year.year_to) & (nat["offence"] != catalogue.SMUGGLING)]
    cell = df.dropna(subset=["victims"]).iloc[0]
    band = "not_recorded" if cell["age_band"] == text.NOT_RECORDED else cell["age_band"]
    expected = nat[(nat["sex"] == cell["sex"]) & (nat["age_band"] == band)]["victims"].sum()
    assert cell["victims"] == round(expected)


def test_district_comparison_has_district_province_and_pakistan(every_year, options):
    busiest = queries.top_districts(every_year, 1)["district_id"].iloc[0]
    df = queries.district_comparison(every_year, busiest, options)
    name, province = options.districts[busiest]
    assert list(df["area"]) == [name, province, "Pakistan"]
    assert df["cases"].iloc[0] <= df["cases"].iloc[1] <= df["cases"].iloc[2]


def test_questions_read_together_get_the_answers_each_gets_alone(every_year, options):
    """One statement for several questions (a view about several areas) answers each exactly as its own would:
    each area's own tables, filters and periods, rows in the same order, the same unanswered reasons."""
    district = next(iter(options.districts))
    questions = [(every_year.for_district(district), queries.INDICATOR_COUNTS, ()),
                 (every_year.for_province(options.provinces[0]), ["trials"], ("verdict_months",)),
                 (replace(every_year, offences=("forced_labour",)), ["cases", "victims"], ("sex",)),
                 (every_year.for_pakistan(), ["cases", "firs"], ("year",)),
                 (every_year.for_district(district), ["victims"], ("scope",))]  # no table holds it
    together = queries.released_together(questions)
    for (f, measures, by), answer in zip(questions, together, strict=True):
        alone = queries.released(f, measures, by)
        if by:
            alone = alone.sort_values(list(by)).reset_index(drop=True)
        pd.testing.assert_frame_equal(answer.reset_index(drop=True), alone)
        assert answer.attrs == alone.attrs


def test_an_area_comparison_is_each_areas_indicators(every_year, options):
    busiest = queries.top_districts(every_year, 1)["district_id"].iloc[0]
    name, province = options.districts[busiest]
    areas = ((every_year.for_district(busiest), name), (every_year.for_province(province), province),
             (every_year.for_pakistan(), "Pakistan"))
    together = queries.area_comparison(areas)
    for i, (f, label) in enumerate(areas):
        alone = queries.area_indicators(f, label)
        pd.testing.assert_frame_equal(together.iloc[[i]].reset_index(drop=True), alone)
        assert together["months_to_verdict"].iloc[i] == queries.median_months_to_verdict(f) or \
            pd.isna(together["months_to_verdict"].iloc[i]) and queries.median_months_to_verdict(f) is None


def test_outcomes_and_time_to_verdict_come_from_the_release(every_year):
    outcomes = queries.trial_outcomes(every_year)
    assert list(outcomes["outcome"]) == ["convicted", "acquitted", "compromise"]
    assert outcomes["share"].dropna().between(0, 100).all()
    bins = queries.verdict_time(every_year)
    assert list(bins["label"]) == [b[3] for b in queries.VERDICT_BINS]
    median = queries.median_months_to_verdict(every_year)
    assert median is None or 0 <= median <= 60
    # The grouped median of the bins the page shows: half the trials fall before it, found within its bin.
    counts = bins["trials_raw"].clip(lower=0).to_numpy(dtype=float)
    if counts.sum() < privacy.RATE_MIN_BASE:
        assert median is None
    else:
        i = int(np.searchsorted(np.cumsum(counts), counts.sum() / 2))
        _code, lo, hi, _label = queries.VERDICT_BINS[i]
        before = counts[:i].sum()
        assert median == round(lo + (counts.sum() / 2 - before) / counts[i] * (hi - lo), 1)


def test_scorecard_bands_need_enough_cases(every_year):
    inputs = queries.scorecard_inputs(every_year)
    scored = queries.score_districts(inputs, dict.fromkeys(queries.SCORE_INDICATORS, 1))
    few = pd.to_numeric(scored["cases"], errors="coerce").fillna(0) < queries.MIN_CASES
    assert (scored.loc[few, "band"] == queries.INSUFFICIENT).all()
    banded = scored[scored["band"] != queries.INSUFFICIENT]
    assert banded["score"].between(0, 100).all()


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


def test_a_band_is_given_only_where_the_margin_stays_inside_it():
    """Issue #12: scores 0.1-0.5 points apart must not get different bands when their margins overlap a boundary."""
    inputs = pd.concat([one_district(s) for s in (75.0, 61.0, 59.0, 31.0)], ignore_index=True)
    inputs["fir_rate_moe"] = [5.0, 5.0, 0.5, 5.0]
    out = queries.score_districts(inputs, {"fir_rate": 1})
    assert list(out["band"]) == ["Band 1", queries.UNSEPARATED, "Band 2", queries.UNSEPARATED]
    assert list(out["band_range"]) == ["Band 1", "Band 1 or Band 2", "Band 2", "Band 2 watch list or Band 3"]
    assert out["score_moe"].tolist() == [5.0, 5.0, 0.5, 5.0]
    wide = one_district(50.0).assign(fir_rate_moe=30.0)
    assert queries.score_districts(wide, {"fir_rate": 1})["band_range"].iloc[0] == "Band 1 to Band 3"
    # Two indicators: the margin of a weighted mean, as for independent errors.
    two = one_district(50.0).assign(fir_rate_moe=6.0, conviction_rate_moe=8.0)
    got = queries.score_districts(two, {"fir_rate": 1, "conviction_rate": 1})
    assert got["score_moe"].iloc[0] == pytest.approx(5.0)  # sqrt(6² + 8²) / 2


def test_release_tables_are_offered_as_published_with_margins(every_year):
    cat = queries.release_catalogue()
    assert set(cat["table"]) == set(catalogue.TABLES)
    f = replace(every_year, provinces=("Punjab",))
    table = queries.release_table("district_year", f)
    assert set(table["district_id"]) <= {d for d, (_, p) in queries.filter_options().districts.items() if p == "Punjab"}
    assert (table["cases" + queries.MOE] > 0).all()


def test_the_dashboard_answers_with_the_private_warehouse_gone(warehouse, tmp_path, monkeypatch):
    """A web server holds only the release: with no warehouse anywhere, every question still answers."""
    monkeypatch.setenv("TIP_WAREHOUSE", str(tmp_path / "absent" / "warehouse.duckdb"))
    f = Filters(*queries.filter_options().default_years)
    assert queries.headline.uncached(f).set_index("measure").loc["cases", "value"] > 0


def test_queries_follow_a_rebuilt_release(warehouse, tmp_path, monkeypatch):
    """A release swapped in under the same name is read on the next query, with no stale cache."""
    copy = tmp_path / "release"
    shutil.copytree(config.release_dir(), copy)
    monkeypatch.setenv("TIP_RELEASE_DIR", str(copy))
    f = Filters(*queries.filter_options().default_years)
    before = queries.headline(f).set_index("measure").loc["cases", "value"]
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(copy, rebuilt)
    nat = pd.read_csv(rebuilt / "data" / "national_year.csv", keep_default_na=False)
    nat.loc[nat["year"].between(f.year_from, f.year_to), "cases"] = 0
    nat.to_csv(rebuilt / "data" / "national_year.csv", index=False)
    package = json.loads((rebuilt / "datapackage.json").read_text())
    (rebuilt / "datapackage.json").write_text(json.dumps(package))
    shutil.rmtree(copy)
    os.replace(rebuilt, copy)  # the ETL's atomic swap
    assert queries.headline(f).set_index("measure").loc["cases", "value"] is pd.NA
    assert before > 0


def test_facts_kept_per_release_follow_a_rebuilt_release(warehouse, tmp_path, monkeypatch):
    """The gazetteer and the filter options are kept once per release (queries.per_release), never across one."""
    copy = tmp_path / "release"
    shutil.copytree(config.release_dir(), copy)
    monkeypatch.setenv("TIP_RELEASE_DIR", str(copy))
    f = Filters(*queries.filter_options().default_years)
    busiest = queries.top_districts.uncached(f, 1)["district_id"].iloc[0]
    assert queries.filter_options.uncached().districts[busiest][0] != "Renamed"
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(copy, rebuilt)
    package = json.loads((rebuilt / "datapackage.json").read_text())
    path = rebuilt / next(r["path"] for r in package["resources"] if r["name"] == queries.GAZETTEER)
    districts = pd.read_csv(path, keep_default_na=False)
    districts.loc[districts["district_id"] == busiest, "name"] = "Renamed"
    districts.to_csv(path, index=False)
    (rebuilt / "datapackage.json").write_text(json.dumps(package))
    shutil.rmtree(copy)
    os.replace(rebuilt, copy)  # the ETL's atomic swap
    assert queries.top_districts.uncached(f, 1)["name"].iloc[0] == "Renamed"
    assert queries.filter_options.uncached().districts[busiest][0] == "Renamed"


def test_a_damaged_or_missing_release_gives_a_message(tmp_path, monkeypatch):
    bad = tmp_path / "release"
    bad.mkdir()
    (bad / "datapackage.json").write_text("{not json")
    monkeypatch.setenv("TIP_RELEASE_DIR", str(bad))
    assert "cannot be read" in db.check()
    monkeypatch.setenv("TIP_RELEASE_DIR", str(tmp_path / "absent"))
    assert "python -m etl build" in db.check()
    with pytest.raises(db.ReleaseUnavailable):
        db.release()


def test_no_query_can_read_a_file(warehouse):
    with pytest.raises(duckdb.Error):
        db.fetch_df("SELECT * FROM read_csv($p)", {"p": str(config.release_dir() / "datapackage.json")})


def test_ranks_are_shown_only_where_the_margins_separate_them():
    values = pd.Series([100.0, 60.0, 55.0, 10.0, None])
    margins = pd.Series([5.0, 4.0, 4.0, 4.0, 4.0])
    assert queries.rank_labels(values, margins).tolist() == ["1", "2–3", "2–3", "4", ""]
    tight = queries.rank_labels(values, pd.Series([1.0] * 5))
    assert tight.tolist() == ["1", "2", "3", "4", ""]


def test_a_shown_number_carries_its_margin():
    assert text.with_margin("914", 23.6) == "914 ± 24"
    assert text.with_margin("12.5%", 3.14, " pp") == "12.5% ± 3.1 pp"
    assert text.with_margin(text.SUPPRESSED, 12.0) == text.SUPPRESSED
    assert text.with_margin("914", float("nan")) == "914"


def test_time_to_verdict_says_how_many_trials_are_in_no_bin(every_year):
    """Issue #12: bins that sum to 575 of 640 trials must say what is left out."""
    table = release_csv("province_year_verdict_time")
    table = table[(table["kind"] == "trafficking") & table["year"].between(every_year.year_from, every_year.year_to)]
    undated = table.loc[table["verdict_months"] == "not_recorded", "trials"].sum()
    got = queries.verdict_time(every_year).attrs["undated"]
    assert (pd.isna(got) and undated < privacy.SHOW_BELOW) or got == round(undated)
    assert text.undated_trials(got).endswith("are in no bin.") or "fewer than 10" in text.undated_trials(got)


def test_every_released_measure_has_words_for_people():
    """A measure without a label would crash a page where it should say why a question cannot be answered."""
    assert set(catalogue.MEASURES) <= set(text.MEASURES)
    for measure in catalogue.MEASURES:
        assert text.label(measure) in queries.unanswerable_reason(measure, {"district"})
