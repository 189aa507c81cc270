"""Every page through Streamlit's AppTest, against the session warehouse: no error, and the numbers shown are
the query layer's. Filters reach the app the way a shared link does, through the URL.

(Widgets drawn by dashboard.py's sidebar are not reachable from AppTest once a page runs, so the shared filters
are set with ``at.query_params``; page widgets are set by key.)
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from tests.apptest import APP, open_page
from tipdash import queries, reference_facts, text, ui
from tipdash.filters import Filters

PAGES = ["overview", "hotspots", "conviction_gap", "tier_ranking", "explore", "about"]
TIMEOUT = 60


def metrics(at: AppTest) -> dict[str, str]:
    """Tile values without their margins ("914 ± 24" -> "914")."""
    return {m.label: m.value.split(" ± ")[0] for m in at.metric}


def page_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "subheader", "title") for e in
             getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def options(warehouse, boundaries):
    return queries.filter_options()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_error(page, options):
    at = open_page(page)
    assert at.title and at.title[0].value


def test_overview_metrics_are_the_headline_query(options):
    at = open_page("overview")
    head = queries.headline(Filters(*options.default_years)).set_index("base")
    shown = metrics(at)
    assert shown["Cases reported"] == text.count(head.loc["cases", "value"])
    assert head.loc["convictions", "measure"] == "period_convictions"  # Pakistan: convictions in the year
    assert shown["Convictions"] == text.count(head.loc["convictions", "value"])
    assert shown["Conviction rate"] == text.percent(head.loc["conviction_rate", "value"])
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Cases reported"] == text.with_margin(text.count(head.loc["cases", "value"]),
                                                       head.loc["cases", "moe"])
    assert " ± " in tiles["Cases reported"]
    assert any(label.startswith("Tier in the") for label in shown)
    assert "Data as of" in page_text(at)


def _metric_tiles():
    from tipdash import ui

    ui.metric("Unchanged", "270", "+0.0%")
    ui.metric("Up", "585", "+13.6%")
    ui.metric("Down", "30", "-71.4%")


def test_a_change_of_zero_has_no_arrow_and_no_colour():
    at = AppTest.from_function(_metric_tiles).run()
    direction, colour = Metric.MetricDirection, Metric.MetricColor
    shown = {m.label: (m.proto.direction, m.proto.color) for m in at.metric}
    assert shown == {"Unchanged": (direction.NONE, colour.GRAY), "Up": (direction.UP, colour.GREEN),
                     "Down": (direction.DOWN, colour.RED)}


def test_filters_in_the_url_change_the_numbers(options):
    lo = options.year_max - 1
    at = open_page("overview", {"years": f"{lo}-{options.year_max}", "offence": "bonded_labour"})
    f = Filters(lo, options.year_max, offences=("bonded_labour",))
    expected = queries.headline(f).set_index("measure").loc["cases", "value"]
    assert metrics(at)["Cases reported"] == text.count(expected)
    assert "Bonded labour" in page_text(at)


def test_garbage_in_the_url_is_ignored(options):
    at = open_page("overview", {"years": "1; DROP TABLE cases", "offence": "<script>alert(1)</script>",
                                "district": "' OR 1=1 --", "measure": "nonsense"})
    default = queries.headline(Filters(*options.default_years)).set_index("measure")
    assert metrics(at)["Cases reported"] == text.count(default.loc["cases", "value"])


def test_a_link_with_values_the_data_does_not_hold_says_what_it_left_out(options):
    at = open_page("overview", {"years": "1990-2030", "province": ["Punjab", "Atlantis"],
                                "district": "[see](https://evil.example)"})
    notes = [w.value for w in at.warning if "left out" in w.value]
    assert len(notes) == 1, [w.value for w in at.warning]
    note = notes[0]
    assert "years “1990-2030”" in note and f"{options.year_min}–{options.year_max}" in note
    assert "province “Atlantis”" in note and "Punjab" not in note and "district “?see??https???evil.example?”" in note
    punjab = queries.headline(Filters(*options.default_years, provinces=("Punjab",))).set_index("measure")
    assert metrics(at)["Cases reported"] == text.count(punjab.loc["cases", "value"])  # what it holds still applies
    assert not [w for w in open_page("overview", {"province": "Punjab"}).warning if "left out" in w.value]


def test_filters_the_release_cannot_answer_say_why_instead_of_guessing(options):
    params = {"years": str(options.year_min), "age": "48+", "sex": "transgender", "scope": "transnational",
              "offence": "organ_removal", "province": "Gilgit-Baltistan"}
    f = Filters(options.year_min, options.year_min, offences=("organ_removal",), sexes=("transgender",),
                age_bands=("48+",), scopes=("transnational",), provinces=("Gilgit-Baltistan",))
    assert not queries.answerable(f).ok
    for page in ("overview", "hotspots", "conviction_gap"):
        at = open_page(page, params)
        assert any("public release holds no table" in i.value for i in at.info), page
        assert not at.metric


def test_a_selection_with_fewer_than_ten_cases_shows_them_suppressed(options):
    f = Filters(*options.default_years)
    few = queries.district_measures(f)
    few = few[few["cases"].isna()]["district_id"]
    assert len(few), "the session warehouse has no district with 1 to 9 cases in the default years"
    for page in PAGES + ["present"]:
        at = open_page(page, {"district": few.iloc[0]})
        assert not at.info or not any("No cases match" in i.value for i in at.info), page
        if page == "overview":
            assert metrics(at)["Cases reported"] == text.SUPPRESSED
        if page == "conviction_gap":
            assert "fewer than 10 cases reported" in page_text(at).lower()


def test_hotspots_profile_of_the_busiest_district(options):
    f = Filters(*options.default_years)
    busiest = queries.top_districts(f, 1)["district_id"].iloc[0]
    at = open_page("hotspots", {"district_profile": busiest, "measure": "cases_per_100k"})
    assert at.segmented_control(key="hot_measure").value == "cases_per_100k"
    assert at.selectbox(key="hot_district").value == busiest
    row = queries.district_measures(f).set_index("district_id").loc[busiest]
    assert metrics(at)["Cases reported"] == text.count(row["cases"])
    name, province = options.districts[busiest]
    assert f"{name} ({province})" in page_text(at)
    at.selectbox(key="hot_district").set_value(None).run()
    assert not at.exception and "Cases reported" not in metrics(at)


def test_hotspots_district_picked_from_the_selectbox(options):
    at = open_page("hotspots")
    district = next(iter(options.districts))
    at.selectbox(key="hot_district").set_value(district).run()
    assert not at.exception
    assert options.districts[district][0] in page_text(at)
    at.segmented_control(key="hot_measure").set_value("change").run()
    assert not at.exception


def test_conviction_gap_sentence_uses_protected_numbers(options):
    at = open_page("conviction_gap")
    f = Filters(*options.default_years)
    # The page opens on what happened each year (the period view), in the period tables' numbers.
    totals = queries.period_totals(f)
    sentence = next(m.value for m in at.markdown if m.value.startswith("### In "))
    assert text.count_words(totals["period_firs"]) in sentence and f.period in sentence
    at.segmented_control(key="gap_view").set_value("cohort").run()
    stages = queries.funnel(f)
    sentence = next(m.value for m in at.markdown if m.value.startswith("### Of "))
    assert text.count(stages["value"].iloc[0]) in sentence and f.period in sentence
    if not queries.selection_in_court(f)["complete"]:  # an open cohort: no rate as a finding, a warning instead
        assert "so far" in sentence and "%" not in sentence
        assert any(text.STILL_IN_COURT.split()[0] in w.value or "await a verdict" in w.value for w in at.warning)
        tables = [d.value for d in at.dataframe]
        assert any("Conviction rate" in t.columns for t in tables)
        assert not any("Attrition" in t.columns for t in tables)  # pending trials are not failures
    at.segmented_control(key="gap_level").set_value("district").run()
    assert not at.exception


def test_conviction_gap_has_no_period_view_for_a_district(options):
    at = open_page("conviction_gap", {"district": "multan", "view": "period"})
    assert not at.exception
    assert at.segmented_control(key="gap_view").value == "cohort"
    assert any(m.value.startswith("### Of ") for m in at.markdown)


def test_tier_ranking_weights_and_report_year(options):
    at = open_page("tier_ranking")
    for key in queries.SCORE_INDICATORS:
        at.slider(key=f"sc_w_{key}").set_value(0)
    at.run()
    assert any("at least one indicator" in w.value for w in at.warning)
    at.slider(key="sc_w_conviction_rate").set_value(3).run()
    assert not at.exception and not any("at least one indicator" in w.value for w in at.warning)
    years = reference_facts.tier_report_years()
    at.select_slider(key="tier_year").set_value(years[0]).run()
    assert not at.exception


def test_explore_offers_the_release_catalogue_with_margins(options):
    at = open_page("explore")
    assert not at.exception
    assert at.selectbox(key="ex_table_name").options  # every table of the release
    table = at.dataframe[0].value
    assert {"year", "kind", "cases", "cases_moe"} <= set(table.columns)
    at.selectbox(key="ex_table_name").set_value("province_year_agency").run()
    assert not at.exception
    assert "agency_type" in at.dataframe[0].value.columns
    assert any("Release" in c.value or "release" in c.value for c in at.code)


def test_about_lists_sources_method_and_runs(options):
    at = open_page("about")
    body = page_text(at)
    assert "OpenStreetMap" in body and "Natural Earth" in body
    assert "differential privacy" in body and "Reported cases are not prevalence" in body
    assert "OpenDP" in body
    # The sources as a static table that wraps (a data grid cut the licence column off), then the reference tables.
    assert list(at.table[0].value.columns) == ["What", "Source", "Licence / terms"]
    assert {"table", "description", "citation", "licence"} <= set(at.table[1].value.columns)
    assert len(at.dataframe) >= 1  # the privacy loss per year
    # The budget in words: both views of time, and one case's loss per release from the manifest.
    s = queries.data_status()
    assert f"ρ = {s['rho_case']:.2f}" in body and f"ε = {s['epsilon']:.2f}" in body and "per report year" in body
    assert set(queries.budget_by_year()["tables"]) == {"cases reported in the year", "events in the year"}


def test_first_start_builds_the_data_with_progress(warehouse, tmp_path, monkeypatch):
    """No release: the app runs the build command (here a stand-in that copies the session's release), then shows
    the pages. The real command is tested in tests/test_first_run.py."""
    import sys

    from tipcore import config
    from tipdash import ui

    target = tmp_path / "release"
    monkeypatch.setattr(ui, "BUILD_COMMAND", (sys.executable, "-c",
                                              "import shutil, sys; shutil.copytree(*sys.argv[1:])",
                                              str(config.release_dir()), str(target)))
    monkeypatch.setenv("TIP_RELEASE_DIR", str(target))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert (target / "datapackage.json").exists()
    assert metrics(at)["Cases reported"]


def test_a_damaged_release_shows_a_message_not_a_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "release"
    bad.mkdir()
    (bad / "datapackage.json").write_text('{"resources": [{"name": "x", "path": "missing.csv"}]}')
    monkeypatch.setenv("TIP_RELEASE_DIR", str(bad))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("damaged" in e.value for e in at.error)


# Tables --------------------------------------------------------------------------------------------------------


def test_format_table_shows_under_10_and_not_available():
    df = pd.DataFrame({"n": pd.array([1200, pd.NA], dtype="Int64"), "r": pd.array([pd.NA, 12.34], dtype="Float64")})
    out = ui.format_table(df, {"n": ("count", "Cases"), "r": ("percent", "Rate")})
    assert out.to_dict("list") == {"Cases": ["1,200", "<10"], "Rate": ["not available", "12.3%"]}
