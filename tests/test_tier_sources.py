"""Published facts with their true sources (issue 12, parts 3 and 4): every plotted figure and tier names its own
source, lines break at gaps and changes of definition, inferred tiers are drawn apart, and the tier map maps only the
report years the data holds in full."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.apptest import open_page
from tests.conftest import REPO
from tipdash import maps, published_charts, reference_facts, tier_map


def _series(year, value, definition="convictions: PTPA", family="US TIP Report", verified=True,
            source="a news report quoting the TIP Report (dawn.com)"):
    return {"stage": "convictions", "series": f"{family} · {definition}", "source_family": family,
            "definition": definition, "year": year, "report_year": year + 1, "value": value,
            "value_as_read": str(value), "verified": verified, "source": source, "source_url": "https://dawn.com/x",
            "source_note": ""}


def _square(iso3: str, lon: float, lat: float, size: float = 2.0) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Feature", "properties": {"iso3": iso3, "name": iso3},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _points(trace) -> list[tuple]:
    return [(x, y, c) for x, y, c in zip(trace.x, trace.y, trace.customdata, strict=True) if x is not None]


def test_unknown_is_not_in_the_data_never_zero(warehouse):
    figures = reference_facts.published_figures()
    assert not figures.empty
    grid = reference_facts.tip_figures_by_year(figures, range(2014, 2025))
    cells = grid.drop(columns="year").to_numpy().ravel()
    assert reference_facts.NOT_IN_DATA in cells and "0" not in cells
    assert "18,000 (unverified)" in cells  # the op-ed's figure is never shown as the report's own


def test_every_plotted_figure_names_the_source_of_its_own_row(warehouse):
    figures = reference_facts.published_figures()
    fig = published_charts.published_figures(figures)
    hovers = {}
    for trace in fig.data:
        for x, y, hover in _points(trace):
            hovers[(trace.meta, x, y)] = hover
    for row in figures.dropna(subset=["value"]).itertuples():
        hover = hovers[(row.series, int(row.year), float(row.value))]
        assert f"Source: {row.source}" in hover
        assert ("(unverified)" in hover) is (not row.verified)
    op_ed = figures[figures["value"].eq(18000)].iloc[0]
    assert "op-ed" in op_ed["source"] and "sabahnews.net" in op_ed["source"] and not op_ed["verified"]
    project = figures[figures["value"].eq(495)].iloc[0]
    assert "software project" in project["source"]
    letter = figures[figures["source"].str.contains("letter")].iloc[0]
    assert letter["value"] == 21253 and not letter["verified"]
    assert "US Department of State" not in fig.layout.title.subtitle.text
    # UNODC's GLOTIP totals are charted beside the TIP figures, under UNODC's own terms.
    unodc = figures[figures["source_family"].eq("UNODC GLOTIP")]
    assert set(unodc["definition"]) == set(reference_facts.UNODC_DEFINITIONS.values())
    assert {t.name for t in fig.data} == {"US TIP Report", "UNODC GLOTIP"}


def test_a_gap_breaks_the_line_and_definitions_are_separate_series():
    df = pd.DataFrame([_series(2019, 10.0), _series(2020, 12.0), _series(2022, 15.0),
                       _series(2023, 18000.0, definition="investigations: as stated", verified=False,
                               source="an op-ed paraphrasing the TIP Report (sabahnews.net)")])
    fig = published_charts.published_figures(df)
    ptpa, other = fig.data
    assert list(ptpa.x) == [2019, 2020, None, 2022] and ptpa.y[2] is None
    assert list(other.x) == [2023] and other.marker.symbol[0] == "circle-open"
    assert "op-ed" in other.customdata[0] and "(unverified)" in other.customdata[0]


def test_tier_timeline_draws_inferred_placements_hollow_with_their_source():
    tiers = pd.DataFrame({"report_year": [2023, 2024, 2025], "tier": ["Tier 2"] * 3, "tier_rank": [2.0] * 3,
                          "inferred": [False, False, True], "verified": [True, True, False],
                          "source": ["a copy (ecoi.net)", "news (thenews.com.pk)", "inferred: absent (cia.gov)"]})
    fig = published_charts.tier_timeline(tiers)
    markers = next(t for t in fig.data if t.mode == "markers")
    assert list(markers.marker.symbol) == ["circle", "circle", "circle-open"]
    assert "Source: news (thenews.com.pk)" in markers.customdata[1]
    assert "US Department of State" not in fig.layout.title.subtitle.text.split(":")[0]


def test_tier_map_legend_has_not_in_the_data_and_inferred_tiers_drawn_apart():
    geo = {"type": "FeatureCollection", "features": [_square("PAK", 66, 26), _square("ARE", 53, 23),
                                                     _square("IND", 75, 20), _square("IRN", 50, 30)]}
    df = pd.DataFrame({"iso3": ["PAK", "ARE", "IND"], "country": ["Pakistan", "UAE", "India"],
                       "tier": ["Tier 2", "Tier 2", "Tier 2"], "inferred": [False, True, False],
                       "verified": [True, False, True], "source": ["s1", "s2", "s3"]})
    fig = tier_map.tier_map(df, geo, 2025)
    legend = {t.name: t for t in fig.data if t.showlegend}
    shapes = {t.meta: t for t in fig.data if t.fill == "toself"}  # one filled shape per country, under its entry
    assert set(shapes) == {"PAK", "ARE", "IND", "IRN"}
    assert shapes["IRN"].legendgroup == tier_map.NOT_IN_DATA
    reported, inferred = legend["Tier 2"], legend["Tier 2" + tier_map.INFERRED_SUFFIX]
    assert shapes["ARE"].legendgroup == inferred.name
    assert shapes["IND"].legendgroup == shapes["PAK"].legendgroup == reported.name
    assert inferred.marker.color != reported.marker.color  # a lighter shade, not the reported colour
    assert shapes["ARE"].fillcolor == inferred.marker.color and shapes["PAK"].fillcolor == reported.marker.color
    assert "inferred" in shapes["ARE"].name and "UAE" in shapes["ARE"].name  # what its hover says
    assert shapes["PAK"].hoveron == "fills" and not any(t.type.endswith("map") for t in fig.data)
    # Grey is always explained, even when every country in view is in the data.
    full = tier_map.tier_map(df.assign(iso3=["PAK", "ARE", "IRN"]).iloc[:3], geo, 2025)
    assert tier_map.NOT_IN_DATA in {t.name for t in full.data if t.showlegend}


def test_light_layer_is_lighter_and_keeps_every_country_in_view():
    world = json.loads((REPO / "data" / "geo" / "countries.geojson").read_text(encoding="utf-8"))
    in_view = maps.region(world)
    light = tier_map.light_layer(world)
    assert len(json.dumps(light)) < 0.6 * len(json.dumps(in_view))
    assert [f["properties"]["iso3"] for f in light["features"]] == [f["properties"]["iso3"]
                                                                     for f in in_view["features"]]
    assert all(f["geometry"]["coordinates"] for f in light["features"])  # Macau, Bahrain, Singapore still drawn


def test_only_complete_report_years_are_mapped(warehouse):
    coverage = reference_facts.tier_coverage().set_index("report_year")
    mapped = reference_facts.mapped_report_years()
    assert {2001, 2015, 2020, 2021, 2023} <= set(mapped)
    assert not {2016, 2017, 2018, 2019, 2022, 2024, 2025} & set(mapped)
    assert all(coverage.loc[y, "countries"] >= reference_facts.MAP_MIN_COUNTRIES for y in mapped if y >= 2008)


def test_narrative_links_are_the_state_departments_own(warehouse):
    tiers = reference_facts.tier_history("PAK").set_index("report_year")
    assert tiers.loc[2025, "narrative_url"].startswith("https://www.state.gov/reports/2025-trafficking-in-persons")
    assert pd.isna(tiers.loc[2024, "narrative_url"])  # none in the data: no address made up
    assert tiers.loc[2025, "inferred"] == False and tiers.loc[2025, "verified"] == False  # noqa: E712


@pytest.mark.parametrize("year", [None, "2021"])
def test_tier_page_maps_complete_years_and_lists_the_others(warehouse, boundaries, year):
    at = open_page("tier_ranking", {"report_year": year} if year else None)
    assert at.select_slider(key="tier_year").options == [str(y) for y in reference_facts.mapped_report_years()]
    captions = " ".join(c.value for c in at.caption)
    assert "Not mapped" in captions and "2025 (" in captions
    assert "no uncertainty range" not in captions  # said on the chart itself, from the data
    tier_table = next(d.value for d in at.dataframe if "narrative_url" in d.value.columns)
    assert tier_table["narrative_url"].notna().any()
    at.selectbox(key="tier_partial_year").set_value(2024).run()
    assert not at.exception


def test_estimate_against_identified_names_both_sources_and_the_missing_range():
    estimates = pd.DataFrame({"edition": ["2023"], "value": [2_349_000.0], "low": [pd.NA], "high": [pd.NA],
                              "source": ["Walk Free, Global Slavery Index 2023 (as reported by statista.com)"]})
    reported = pd.DataFrame([{**_series(2022, 26_539.0, definition="Detected trafficking victims",
                                        family="UNODC GLOTIP", source="UNODC GLOTIP data"), "stage": "victims"}])
    fig = published_charts.estimated_against_reported(estimates, reported)
    assert "statista.com" in fig.layout.title.subtitle.text
    assert "no range published in the data" in fig.layout.title.subtitle.text and fig.data[0].error_x.array is None
    assert "1.1% of the estimate" in fig.data[0].text[1] and "Source: UNODC GLOTIP data" in fig.data[0].customdata[1]
    ranged = published_charts.estimated_against_reported(estimates.assign(low=2e6, high=2.7e6), reported)
    assert ranged.data[0].error_x.array[0] == pytest.approx(351_000)
    assert "no range" not in ranged.layout.title.subtitle.text
