"""The briefing pack and the areas it (and present mode) can cover.

* areas: provinces, divisions, the "South Punjab" region and districts resolve to the right district sets, and a
  region's count is one protected cell (not a sum of protected district counts);
* findings: the biggest drop-off, the weakest district, the trend, in plain words, from protected numbers only;
* the HTML: self-contained (nothing to fetch), demo note and data version, numbers identical to the queries;
* in headless Chromium with every request blocked: it opens, its numbers read as the dashboard's, and it prints on
  exactly one A4 page, for "Multan" and for "Punjab".
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape as html_escape
from html import unescape

import pandas as pd
import pytest

from tipcore import config
from tipdash import brief, privacy, queries, scopes, share, text
from tipdash.filters import Filters
from tipdash.scopes import Scope

SOUTH_PUNJAB_DIVISIONS = {"Bahawalpur", "Multan", "Dera Ghazi Khan"}


@pytest.fixture
def options(warehouse, boundaries):
    return queries.filter_options()


@pytest.fixture
def f(options):
    return Filters(*options.default_years)


@pytest.fixture
def geo(boundaries):
    from tipdash import boundaries as layers

    return layers.load_layer("districts") if boundaries else None


# Areas ----------------------------------------------------------------------------------------------------------


def test_names_resolve_to_areas(options):
    assert scopes.resolve("Punjab", options) == scopes.province("Punjab")
    multan = scopes.resolve("Multan", options)
    assert (multan.kind, multan.districts, multan.province) == ("district", ("multan",), "Punjab")
    division = scopes.resolve("Multan Division", options)
    assert division.kind == "division" and set(division.districts) == {"multan", "khanewal", "lodhran", "vehari"}
    south = scopes.resolve("South Punjab", options)
    assert south.kind == "region" and south.label == "South Punjab"
    gazetteer = {d: (div, prov) for d, _, div, prov in scopes.gazetteer()}
    assert {gazetteer[d][0] for d in south.districts} == SOUTH_PUNJAB_DIVISIONS
    assert len(south.districts) == 11 and all(gazetteer[d][1] == "Punjab" for d in south.districts)
    assert scopes.resolve("Atlantis", options) is None


def test_url_tokens_round_trip_and_garbage_is_refused(options):
    for scope in scopes.choices(options):
        assert scopes.parse(scope.token, options) == scope
    for bad in ["", "district:nowhere", "province:Texas", "region:north-pole", "division:'; DROP TABLE cases",
                "banana", None]:
        assert scopes.parse(bad, options) is None


def test_sidebar_filters_are_named_when_an_area_fits(options, f):
    south = scopes.region("south-punjab", options)
    assert scopes.from_filters(replace(f, districts=south.districts), options) == south
    assert scopes.from_filters(replace(f, provinces=("Punjab",)), options) == scopes.province("Punjab")
    assert scopes.from_filters(replace(f, provinces=("Punjab",), districts=("multan",)), options).kind == "district"
    mixed = scopes.from_filters(replace(f, districts=("multan", "karachi-central")), options)
    assert mixed.kind == "selection" and mixed.apply(f).districts == ("multan", "karachi-central")


def test_a_region_is_the_sum_of_its_districts_released_cells(options, f):
    """A region has no table of its own: its count is post-processing of its districts' released values, with the
    margin of that many cells."""
    south = scopes.region("south-punjab", options)
    head = queries.headline(south.apply(f)).set_index("measure")
    table = queries.released(south.apply(f), ["cases"]).attrs["tables"]["cases"]
    assert table == "district_year_total"
    cells = pd.read_csv(config.release_dir() / "data" / f"{table}.csv", keep_default_na=False)
    cells = cells[cells["district_id"].isin(south.districts) & cells["year"].between(f.year_from, f.year_to)
                  & (cells["kind"] == "trafficking")]
    total = round(cells["cases"].sum())
    assert head.loc["cases", "value"] == (total if total >= privacy.SHOW_BELOW else pd.NA)
    assert head.loc["cases", "moe"] == pytest.approx(privacy.margin(queries.sigma(table, "cases"), len(cells)))


# Findings --------------------------------------------------------------------------------------------------------


def _funnel(values, lost):
    stages = queries.STAGE_COUNTS
    return pd.DataFrame({"stage": stages, "label": [text.title(s) for s in stages],
                         "value": pd.array(values, dtype="Int64"), "share_lost": pd.array(lost, dtype="Float64")})


def test_dropoff_names_the_biggest_loss():
    found = brief.dropoff_finding(_funnel([400, 300, 100, 40, 20], [None, 25.0, 66.7, 60.0, 50.0]))
    assert found.title == "Biggest drop-off: from FIR to charge sheet"
    assert "Of 300 FIRs registered, 67% did not lead to a charge sheet" in found.detail


def test_dropoff_says_when_it_cannot_be_shown():
    found = brief.dropoff_finding(_funnel([15, None, None, 0, 0], [None, None, None, None, None]))
    assert "cannot be shown" in found.title and "fewer than 10" in found.detail


def test_district_finding_names_a_district_only_beyond_the_margin():
    by = pd.DataFrame({"district_id": ["a", "b", "c", "d"], "name": ["Ada", "Bel", "Cor", "Dun"],
                       "trials": pd.array([40, 20, 30, None], dtype="Int64"),
                       "conviction_rate": pd.array([50.0, 25.0, 40.0, None], dtype="Float64"),
                       "conviction_rate_moe": [4.0, 5.0, 4.0, None]})
    rates = pd.DataFrame({"conviction_rate": [40.0], "conviction_rate_moe": [2.0]})
    punjab = scopes.province("Punjab")
    found = brief.district_finding(by, rates, punjab, punjab)
    assert found.title == "Lowest conviction rate in Punjab: Bel"
    assert "25.0% ± 5.0 pp of 20 concluded trials, against 40.0% ± 2.0 pp across Punjab" in found.detail
    # The same lowest district within the margin of the area's rate is not named.
    close = brief.district_finding(by.assign(conviction_rate_moe=[4.0, 14.0, 4.0, None]), rates, punjab, punjab)
    assert close.title == "No district's conviction rate stands out in Punjab" and "within the margin" in \
        close.detail
    nothing = brief.district_finding(by.iloc[:2], rates, punjab, punjab)
    assert nothing.title == "No district comparison possible"


def test_a_district_brief_finding_is_about_that_district():
    """Issue #12: Multan's brief speaks of Multan, with the ranks its margin allows, counted from the highest."""
    by = pd.DataFrame({"district_id": ["a", "b", "c"], "name": ["Ada", "Bel", "Cor"],
                       "trials": pd.array([40, 20, 30], dtype="Int64"),
                       "conviction_rate": pd.array([50.0, 20.0, 40.0], dtype="Float64"),
                       "conviction_rate_moe": [4.0, 5.0, 12.0]})
    rates = pd.DataFrame({"conviction_rate": [40.0], "conviction_rate_moe": [2.0]})
    ada = Scope("district", "a", "Ada district", districts=("a",), province="Punjab")
    found = brief.district_finding(by, rates, ada, scopes.province("Punjab"))
    assert found.title == "Ada's conviction rate: 50.0%" and "Bel" not in found.title + found.detail
    assert "ranks anywhere from 1st to 2nd of 3 districts, counting from the highest" in found.detail
    bel = Scope("district", "b", "Bel district", districts=("b",), province="Punjab")
    assert "ranks 3rd of 3 districts, counting from the highest" in brief.district_finding(by, rates, bel,
                                                                              scopes.province("Punjab")).detail


def test_trend_words_follow_the_sign():
    head = pd.DataFrame({"measure": ["cases", "period_conviction_rate"], "base": ["cases", "conviction_rate"],
                         "value": [120, 30.0], "previous": [100, 35.0], "change": [20.0, -5.0],
                         "change_unit": ["percent", "pp"], "note": ["", ""]})
    found = brief.trend_finding(head, "2023–2025", "2020–2022")
    assert found.title == "Cases reported rose by 20%"
    assert "The conviction rate in the year fell by 5.0 percentage points, to 30.0%" in found.detail
    head.loc[0, "change"] = None
    assert brief.trend_finding(head, "2023–2025", "2020–2022").title == "No trend can be shown"


def test_cohorts_still_in_court_are_not_turned_into_findings():
    """Issue #12: an open cohort's convictions are neither compared nor read as a drop-off."""
    head = pd.DataFrame({"measure": ["cases", "conviction_rate"], "base": ["cases", "conviction_rate"],
                         "value": [120, 30.0], "previous": [100, 35.0], "change": [20.0, pd.NA],
                         "change_unit": ["percent", "pp"], "note": ["", text.STILL_IN_COURT]})
    found = brief.trend_finding(head, "2023–2025", "2020–2022")
    assert "not compared" in found.detail and "fell" not in found.detail and "30.0%" not in found.detail
    stages = _funnel([400, 300, 200, 20, 10], [None, 25.0, 33.3, 90.0, 50.0])
    complete = brief.dropoff_finding(stages, {"share": 5.0, "moe": 2.0, "complete": True}, "2016–2018")
    assert complete.title == "Biggest drop-off: from charge sheet to verdict"
    still = brief.dropoff_finding(stages, {"share": 85.0, "moe": 6.0, "complete": False}, "2023–2025")
    assert still.title == "Biggest drop-off: from FIR to charge sheet"
    assert "85.0% of the charge-sheeted cases reported in 2023–2025 still await a verdict" in still.detail


# The HTML --------------------------------------------------------------------------------------------------------


def tile_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-measure="([a-z_]+)" data-value="([^"]*)"><div class="v[^"]*">', html))


def shown_tiles(html: str) -> dict[str, str]:
    found = re.findall(r'data-measure="([a-z_]+)" data-value="[^"]*"><div class="v[^"]*">([^<]*)</div>', html)
    return {measure: unescape(value) for measure, value in found}


@pytest.mark.parametrize("name", ["Multan", "Punjab", "South Punjab", "Multan Division", "Pakistan"])
def test_brief_is_self_contained_and_matches_the_queries(name, options, f, geo):
    scope = scopes.resolve(name, options)
    html = brief.build(scope, f, options, geo)
    # Nothing to fetch: no scheme, no external resource, no script file, no web font.
    for banned in ("http:", "https:", "//", "<script", "<link", "<img", "@import", "url("):
        assert banned not in html.replace("<!DOCTYPE", ""), banned
    assert len(html) < 400_000
    assert text.DEMO_NOTE in html  # the test warehouse is demo data
    status = queries.data_status()
    assert status["release_id"] in html and status["run_id"] in html
    assert "Cite as." in html and "Sources." in html
    head = queries.headline(scope.apply(f)).set_index("measure")
    shown = shown_tiles(html)
    for measure, row in head.iterrows():  # each tile: the value, and its 95% margin under it
        is_rate = row["change_unit"] == "pp"
        expected = text.percent(row["value"]) if is_rate else text.count(row["value"])
        assert shown[measure] == expected, measure
        if expected not in (text.NOT_AVAILABLE, text.SUPPRESSED):
            margin = f"± {row['moe']:.1f} pp" if is_rate else f"± {row['moe']:,.0f}"
            assert f'{html_escape(expected)}</div><div class="m">{margin}</div>' in html, measure
    funnel = queries.funnel(scope.apply(f))
    for row in funnel.itertuples():
        assert f'data-stage="{row.stage}" data-value="{"" if pd.isna(row.value) else int(row.value)}"' in html
    assert len(re.findall(r"<li><b>\d\. ", html)) == 3
    if geo:
        assert html.count("<path") >= len(scope.districts or [1])


def test_suppressed_counts_stay_suppressed_in_the_brief(options, f, geo):
    """A small area: every count under 10 reads "<10" and no true small number appears in its place."""
    # The release's noise is drawn anew for each test session: take a district with a stage under 10.
    district = next(d for d in sorted(options.districts)
                    if queries.funnel(replace(f, districts=(d,)))["value"].isna().any())
    scope = scopes.resolve(f"district:{district}", options)
    data = brief.collect(scope, f, options)
    html = brief.render(data, brief.map_for(data, geo, options))
    suppressed = [r.stage for r in data.funnel.itertuples() if pd.isna(r.value)]
    assert suppressed
    for stage in suppressed:
        assert re.search(rf'data-stage="{stage}" data-value="">.*?<td class="num">&lt;10</td>', html)
    for value in re.findall(r'data-value="(\d+)"', html):
        assert int(value) == 0 or int(value) >= privacy.SHOW_BELOW


def test_share_builds_the_same_brief_as_the_builder(options, f, geo):
    scope = scopes.resolve("Punjab", options)
    via_page = share.brief_html(scope, f)
    assert tile_values(via_page) == tile_values(brief.build(scope, f, options, geo))
    assert brief.filename(scope, f) == f"tip-brief-punjab-{f.year_from}-{f.year_to}.html"


# In a browser -------------------------------------------------------------------------------------------------------


@pytest.fixture
def chromium(browser):
    return browser


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("name", ["Multan", "Punjab"])
def test_brief_opens_offline_and_prints_on_one_a4_page(name, chromium, options, f, geo, tmp_path):
    scope = scopes.resolve(name, options)
    path = tmp_path / brief.filename(scope, f)
    path.write_text(brief.build(scope, f, options, geo), encoding="utf-8")
    page = chromium.new_page(viewport={"width": 1000, "height": 1300})
    requests = []
    page.route("**/*", lambda r: (r.continue_() if r.request.url.startswith("file:") else
                                  (requests.append(r.request.url), r.abort())))
    page.goto(path.as_uri())
    body = page.inner_text("body")
    head = queries.headline(scope.apply(f)).set_index("base")
    assert text.count(head.loc["cases", "value"]) in body and text.count(head.loc["firs", "value"]) in body
    assert f"{scope.label}: trafficking in persons" in body
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf_pages(pdf) == 1, f"{name}: the brief runs over one A4 page"
    page.emulate_media(media="print")
    assert page.locator("button.print").is_hidden()
    if geo:
        box = page.locator("svg.map").bounding_box()
        assert box and box["width"] > 150 and box["height"] > 100
    page.close()
    assert requests == [], requests


def test_without_boundaries_the_map_is_points(options, f):
    html = brief.build(scopes.resolve("South Punjab", options), f, options, None)
    assert html.count("<circle") == 11 and "<path" not in html  # South Punjab's districts as dots


def test_one_wording_of_smuggling_and_data_as_of():
    """Issue #12: the same fact in the same words on page, slide and brief (one function each)."""
    assert text.smuggling_sentence(140, included=False) == \
        "Not included: 140 cases of smuggling of migrants in the same period (not trafficking)."
    assert text.smuggling_sentence(None, included=True) == \
        "Smuggling of migrants is included in these numbers (fewer than 10 cases)."
    assert text.data_as_of(pd.Timestamp("2025-12-01")) == "December 2025" and text.data_as_of(None) == "unknown"
