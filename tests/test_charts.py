"""Chart and map builders: the expected traces, offline-safe map types, and "<10" (never 0) for suppressed cells."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from tipdash import charts, maps, privacy, text

NA = pd.NA


def square(lon: float, lat: float, size: float = 1.0) -> list:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def layer(prop: str, ids: list[str]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {prop: i, "name": i}, "geometry": {"type": "Polygon",
                                                                             "coordinates": square(65 + n, 28)}}
        for n, i in enumerate(ids)]}


@pytest.fixture
def districts() -> pd.DataFrame:
    return pd.DataFrame({
        "district_id": ["a", "b", "c"], "name": ["Alpha", "Beta", "Gamma"],
        "province": ["Punjab", "Punjab", "Gilgit-Baltistan"], "lat": [28.5, 28.5, 28.5], "lon": [65.5, 66.5, 67.5],
        "population": pd.array([1_000_000, 2_000_000, NA], dtype="Int64"),
        "cases": pd.array([120, NA, 40], dtype="Int64"),
        "cases_per_100k": pd.array([12.0, NA, NA], dtype="Float64"),
        "change": pd.array([25.0, NA, -10.0], dtype="Float64"),
    })


def all_text(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), default=str)


def test_trend_marks_suppressed_points_as_under_10_not_zero():
    df = pd.DataFrame({"period": pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01"]),
                       "cases": pd.array([40, 25, 15], dtype="Int64"),
                       "convictions": pd.array([10, NA, 0], dtype="Int64")})
    fig = charts.trend_lines(df, ["cases", "convictions"], "year", "2021–2023")
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["Cases reported", "Convictions"]
    convictions = lines[1]
    assert convictions.y[1] is None and convictions.y[2] == 0  # suppressed is a gap; a true zero stays 0
    stubs = [t for t in fig.data if t.mode == "markers+text"]
    assert len(stubs) == 1 and list(stubs[0].text) == ["", text.SUPPRESSED, ""]
    assert "fewer than 10" in stubs[0].hovertemplate
    assert "2021–2023" in fig.layout.title.text and "per year" in fig.layout.title.text


def test_ranked_bars_show_under_10_as_a_labelled_stub():
    df = pd.DataFrame({"label": ["Lahore", "Kasur", "Okara"], "cases": pd.array([1500, NA, 30], dtype="Int64")})
    fig = charts.ranked_bars(df, "cases", "label", "Cases reported by district, 2023", "cases reported")
    main, stub = fig.data
    assert list(main.x) == [1500.0, None, 30.0]
    assert list(main.text) == ["1,500", "", "30"]
    assert list(stub.x) == [None, privacy.SHOW_BELOW, None] and stub.text[1] == text.SUPPRESSED
    assert stub.name == f"Fewer than {privacy.SHOW_BELOW}"


def test_percent_bars_say_not_available():
    df = pd.DataFrame({"label": ["A", "B"], "rate": pd.array([40.0, NA], dtype="Float64")})
    fig = charts.ranked_bars(df, "rate", "label", "Conviction rate, 2023 (%)", "conviction rate (%)", percent=True)
    assert "not available" in all_text(fig)
    assert fig.data[0].x[1] is None


def test_funnel_has_five_stages_with_share_lost():
    df = pd.DataFrame({"stage": ["cases", "firs", "charge_sheets", "trials", "convictions"],
                       "label": [text.title(k) for k in text.FUNNEL],
                       "value": pd.array([1000, 700, 350, 200, NA], dtype="Int64")})
    df["share_of_previous"] = privacy.rate(df["value"], df["value"].shift(1))
    df["share_lost"] = 100 - df["share_of_previous"]
    df["share_of_reported"] = privacy.rate(df["value"], pd.Series([1000] * 5, dtype="Int64"))
    fig = charts.funnel(df, "2023")
    bar = fig.data[0]
    assert len(bar.y) == 5 and bar.x[-1] == privacy.SHOW_BELOW
    assert bar.text[0] == "1,000" and bar.text[1] == "700  (30% lost)"
    assert bar.text[3] == "200  (43% lost)"
    assert bar.text[-1].startswith(text.SUPPRESSED)
    assert "2023" in fig.layout.title.text
    # A cohort still in court loses nothing at the verdict stages: its trials are pending, not lost (issue #12).
    still = charts.funnel(df, "2023", complete=False).data[0]
    assert still.text[3] == f"200  ({text.STILL_IN_COURT})" and still.text[2] == "350  (50% lost)"


def test_one_wording_of_each_stage_loss_on_page_slide_and_brief():
    assert text.stage_loss("cases", 10.0) == ""
    assert text.stage_loss("firs", 39.4) == "39% lost"
    assert text.stage_loss("convictions", 17.2) == "17% not convicted"  # acquittals and compromises
    assert text.stage_loss("trials", 74.0, complete=False) == text.STILL_IN_COURT
    assert text.stage_loss("firs", 39.4, complete=False) == "39% lost"


def test_victim_profile_keeps_true_zeros_and_suppressed_apart():
    df = pd.DataFrame({"sex": ["female", "male", "female"], "age_band": ["0-8", "0-8", "9-17"],
                       "victims": pd.array([25, NA, 40], dtype="Int64")})
    fig = charts.victim_profile(df, "Victims by age and sex, 2023")
    female, male = fig.data
    assert list(male.customdata) == [text.SUPPRESSED, "0"]  # 9-17 male absent: a true zero
    assert list(female.customdata) == ["25", "40"]


def test_count_axes_with_nothing_above_zero_tick_whole_cases():
    """All-zero counts (a district with no verdicts yet) label the axis 0, 1 — not 0, 0, 1, 1 from a 0–1 span."""
    zeros = pd.array([0, 0, 0], dtype="Int64")
    figures = {
        "columns": (charts.count_columns(pd.DataFrame({"bin": ["<1 year", "1-2 years", "2+ years"], "cases": zeros}),
                                         "bin", "cases", "Time from FIR to verdict", "cases"), "yaxis"),
        "ranked": (charts.ranked_bars(pd.DataFrame({"label": ["A", "B", "C"], "cases": zeros}), "cases", "label",
                                      "Cases", "cases"), "xaxis"),
        "trend": (charts.trend_lines(pd.DataFrame({"period": pd.to_datetime(["2021-01-01", "2022-01-01",
                                                                            "2023-01-01"]), "cases": zeros}),
                                     ["cases"], "year", "2021–2023"), "yaxis"),
    }
    for name, (fig, axis) in figures.items():
        layout = fig.layout[axis]
        assert (layout.dtick, tuple(layout.range)[0], layout.tickformat) == (1, 0, ",d"), name
        assert tuple(layout.range)[1] >= 1, name
    busy = charts.count_columns(pd.DataFrame({"bin": ["a", "b"], "cases": pd.array([40, NA], dtype="Int64")}),
                                "bin", "cases", "t", "cases")
    assert busy.layout.yaxis.dtick is None  # real counts keep plotly's own tick spacing


def test_trial_outcomes_without_shares_say_why_instead_of_an_empty_axis():
    df = pd.DataFrame({"outcome": ["convicted", "acquitted", "compromise"], "label": ["Convicted", "Acquitted", "C"],
                       "value": pd.array([0, 0, 0], dtype="Int64"), "share": pd.array([NA] * 3, dtype="Float64")})
    fig = charts.stacked_outcomes(df, "2023–2025")
    assert not fig.data and "too few concluded trials" in fig.layout.annotations[0].text
    df["value"], df["share"] = pd.array([30, 60, 10], dtype="Int64"), pd.array([30.0, 60.0, 10.0], dtype="Float64")
    assert [t.x[0] for t in charts.stacked_outcomes(df, "2023–2025").data] == [30.0, 60.0, 10.0]


def test_district_map_is_an_offline_choropleth_with_outlines(districts):
    geo = layer("district_id", ["a", "b", "c"])
    provinces = layer("province", ["Punjab"])
    fig = maps.district_map(districts, "cases_per_100k", "rate", "Cases per 100,000 a year, 2023", "Per 100,000",
                            geo, provinces, extra=[("cases", "Cases reported", "count")])
    types = [t.type for t in fig.data]
    assert types == ["choroplethmap", "choroplethmap", "scattermap"]
    assert fig.layout.map.style == "white-bg"
    missing, shown = fig.data[0], fig.data[1]
    assert list(shown.locations) == ["a"] and list(missing.locations) == ["b", "c"]
    hover = " ".join(missing.text)
    assert "no 2023 census figure" in hover  # Gamma (GB): no population, never 0
    assert "Cases reported: <10" in hover  # Beta: suppressed count, rate not shown
    assert not any(t.type in ("choropleth", "scattergeo") for t in fig.data)


def test_district_map_falls_back_to_bubbles_without_boundaries(districts):
    fig = maps.district_map(districts, "cases", "count", "Cases reported, 2023", "Cases", None, None)
    assert {t.type for t in fig.data} == {"scattermap"}
    assert "boundary files not available" in fig.layout.title.text
    grey = fig.data[0]
    assert list(grey.customdata) == ["b"] and text.SUPPRESSED in grey.text[0]


def test_change_map_is_diverging_around_zero(districts):
    fig = maps.district_map(districts, "change", "change", "Change, 2023 vs 2022", "Change (%)",
                            layer("district_id", ["a", "b", "c"]))
    shown = fig.data[-1]
    assert shown.zmid == 0 and shown.zmin == -shown.zmax


def test_outline_lines_split_rings_with_gaps():
    lons, lats = maps.outline_lines(layer("province", ["x", "y"]))
    assert lons.count(None) == 2 and len(lons) == len(lats) == 12


def test_categorical_district_map_lists_bands(districts):
    districts = districts.assign(band=["Band 1", "Insufficient data", "Band 3"])
    fig = maps.categorical_district_map(districts, "band", ["Band 1", "Band 2", "Band 3", "Insufficient data"],
                                        {"Band 1": "#009E73"}, "Bands, 2023", layer("district_id", ["a", "b", "c"]))
    assert [t.name for t in fig.data if t.showlegend] == ["Band 1", "Band 3", "Insufficient data"]


def test_tier_timeline_and_government_figures():
    tiers = pd.DataFrame({"report_year": [2022, 2023, 2024], "tier": ["Tier 2", "Tier 2 Watch List", "Tier 2"],
                          "tier_rank": [2.0, 2.5, 2.0]})
    fig = charts.tier_timeline(tiers)
    assert {t.name for t in fig.data if t.mode == "markers"} == {"Tier 2", "Tier 2 Watch List"}
    figures = pd.DataFrame({"year": [2023, 2024, 2023], "indicator": ["convictions", "convictions", "prosecutions"],
                            "value": pd.array([10.0, NA, 50.0], dtype="Float64"), "verified": [True, True, False],
                            "breakdown": [None, None, "PTPA"]})
    fig = charts.government_figures(figures)
    convictions = fig.data[0]
    assert convictions.y[1] is None and convictions.customdata[1] == "not available"
    assert fig.data[1].marker.symbol[0] == "circle-open" and "unverified" in fig.data[1].customdata[0]
    # Published facts, real even when the case data are demo data: their source under the title, never the stamp.
    for fig in (charts.tier_timeline(tiers), charts.government_figures(figures)):
        assert charts.mark_demo(fig).layout.title.subtitle.text == charts.TIP_REPORTS
    cases = charts.count_columns(pd.DataFrame({"bin": ["a"], "cases": pd.array([40], dtype="Int64")}), "bin",
                                 "cases", "t", "cases")
    assert charts.mark_demo(cases).layout.title.subtitle.text == charts.DEMO_MARK


def test_export_config_and_demo_stamp():
    config = charts.plotly_config("cases")
    assert config["toImageButtonOptions"]["scale"] >= 2 and config["toImageButtonOptions"]["width"] >= 1600
    assert config["scrollZoom"] is False  # scrolling down a page must not zoom the map under the pointer
    plain = charts.base_layout(go.Figure(), "Cases, 2023")
    # mark_demo changes its figure in place and returns it: stamp copies to compare before and after.
    once = charts.mark_demo(go.Figure(plain))
    assert plain.layout.title.subtitle.text is None
    assert once.layout.title.subtitle.text == charts.DEMO_MARK
    assert once.layout.margin.t > (plain.layout.margin.t or 0)  # room under the title for the stamp
    twice = charts.mark_demo(go.Figure(once))
    assert twice.to_dict() == once.to_dict()  # stamping twice changes nothing


def test_long_titles_wrap_and_empty_figures_explain():
    assert "<br>" in charts.wrap_title("Conviction rate by district, cases reported in 2019–2024 (%)", 30)
    assert "No data" in all_text(charts.empty_figure("No data for these filters"))


def test_number_formats():
    assert text.count(pd.NA) == text.SUPPRESSED == "<10"
    assert text.count(12345) == "12,345"
    assert text.percent(None) == "not available"
    assert text.change_percent(-3.25) == "−3.2%" and text.change_points(1.0) == "+1.0 pp"
    assert text.period(2019, 2024) == "2019–2024" and text.period(2023, 2023) == "2023"


def test_map_hovers_carry_the_margin_of_each_value():
    df = pd.DataFrame({"cases": pd.array([120, NA], dtype="Int64"), "cases_moe": [15.6, 15.6],
                       "population": [1e6, 1e6]})
    assert maps.value_labels(df, "cases", "count") == ["120 (± 16)", text.SUPPRESSED]


def test_a_capped_colour_scale_says_so_on_its_top_tick():
    """Issue #12: the hotspot scale stops at the 95th percentile; its top tick reads "500+", not "500"."""
    from tipdash import maps
    counts = maps.capped_ticks({"zmin": 0, "zmax": 500.0}, "count")
    assert counts["ticktext"][-1] == "500+" and counts["ticktext"][0] == "0" and counts["tickvals"][-1] == 500
    change = maps.capped_ticks({"zmin": -80.0, "zmax": 80.0}, "change")
    assert change["ticktext"][0] == "≤ −80%" and change["ticktext"][-1] == "≥ 80%"


def test_the_district_map_labels_its_capped_top_only_when_values_pass_it():
    geo = layer("district_id", [f"d{i}" for i in range(40)])
    df = pd.DataFrame({"district_id": [f"d{i}" for i in range(40)], "name": [f"D{i}" for i in range(40)],
                       "province": "Punjab", "lat": 30.0, "lon": 70.0,
                       "cases": pd.array([20 + i for i in range(39)] + [5000], dtype="Int64")})
    def colorbar(fig):
        return next(t for t in fig.data if t.type == "choroplethmap" and t.showscale is not False).colorbar

    capped = colorbar(maps.district_map(df, "cases", "count", "Cases", "Cases", geo, None))
    assert capped.ticktext[-1].endswith("+") and capped.tickvals[-1] < 5000
    even = maps.district_map(df.assign(cases=pd.array([50] * 40, dtype="Int64")), "cases", "count", "Cases", "Cases",
                             geo, None)
    assert colorbar(even).ticktext is None


def test_monthly_small_values_are_markers_not_a_smear_of_labels():
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    df = pd.DataFrame({"period": months, "cases": pd.array([NA, 15] * 12, dtype="Int64"), "cases_moe": 9.0})
    monthly = charts.trend_lines(df, ["cases"], "month", "2023–2024")
    stubs = next(t for t in monthly.data if t.marker.symbol == "circle-open")
    assert stubs.mode == "markers" and stubs.showlegend and "fewer than" in stubs.name
    yearly = charts.trend_lines(df.iloc[:3].assign(period=pd.date_range("2021-01-01", periods=3, freq="YS")),
                                ["cases"], "year", "2021–2023")
    assert next(t for t in yearly.data if t.marker.symbol == "circle-open").mode == "markers+text"
