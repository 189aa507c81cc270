"""Present mode through Streamlit's AppTest: the slide named in the URL, next and previous, every slide for several
areas without an error, the same numbers as the dashboard, "<10" where counts are small, the deck settings, the
brief download (present mode and the district profile) and the "copy link" on every page.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import open_page
from tipdash import queries, scopes, slides, text
from tipdash.filters import Filters

N = len(slides.SLIDES)


def qp(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key)
    return [] if value is None else [str(v) for v in value] if isinstance(value, list) else [str(value)]


def present(params: dict | None = None) -> AppTest:
    return open_page("present", params)


def html_parts(at: AppTest) -> list[str]:
    """The slide's HTML blocks (not the page's stylesheet, which names every class)."""
    return [str(m.value) for m in at.main.markdown if not str(m.value).startswith("<style>")]


def position(at: AppTest) -> str:
    return next(p for p in html_parts(at) if 'class="pr-slide pr-bar"' in p)


def charts_of(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page, by element key (their JSON spec)."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[el.proto.id] = spec
    return out


@pytest.fixture
def options(warehouse, boundaries):
    return queries.filter_options()


def test_opens_at_the_slide_in_the_url(options):
    at = present({"slide": "3"})
    assert "3 / 7 · Conviction funnel" in position(at)
    assert any("The conviction gap" in p for p in html_parts(at))
    assert len(charts_of(at)) == 1
    assert qp(at, "slide") == ["3"]


def test_a_slide_can_be_named_and_bad_values_fall_back(options):
    assert "5 / 7" in position(present({"slide": "scorecard"}))
    at = present({"slide": "99", "area": "district:atlantis", "theme": "neon", "auto": "7"})
    assert "1 / 7" in position(at)
    assert any("Pakistan ·" in p for p in html_parts(at))
    assert "area" not in at.query_params and "theme" not in at.query_params and "auto" not in at.query_params


def test_next_and_previous_buttons_move_and_keep_the_url_in_step(options):
    at = present({"slide": "3"})
    assert at.button(key="pr_next").proto.shortcut and at.button(key="pr_prev").proto.shortcut
    at.button(key="pr_next").click().run()
    assert "4 / 7" in position(at) and qp(at, "slide") == ["4"]
    at.button(key="pr_prev").click().run()
    at.button(key="pr_prev").click().run()
    assert "2 / 7" in position(at) and qp(at, "slide") == ["2"]
    at = present({"slide": "1"})
    assert at.button(key="pr_prev").disabled
    at = present({"slide": str(N)})
    assert at.button(key="pr_next").disabled


@pytest.mark.parametrize("area", ["pakistan", "region:south-punjab", "district:multan",
                                  "district:neelum"])  # (Neelum: no cases in the test data)
def test_every_slide_draws_without_error(area, options):
    at = present({"slide": "1", "area": area})
    scope = scopes.parse(area, options)
    for number in range(1, N + 1):
        if number > 1:
            at.button(key="pr_next").click().run()
        assert not at.exception, (area, number, [e.message for e in at.exception])
        parts = html_parts(at)
        assert f"{number} / {N}" in position(at)
        assert any('class="pr-title"' in p for p in parts), (area, number)
        assert any(scope.label in p for p in parts if "pr-footer" in p)
        name = slides.SLIDES[number - 1][0]
        expected_charts = {"map": 1, "funnel": 1, "tiers": 2, "scorecard": 1}.get(name, 0)
        assert len(charts_of(at)) == expected_charts, (area, name)
        # (the demo banner is drawn by dashboard.py before the page; AppTest drops it after switch_page, so the
        # browser test checks it on every slide)


def test_key_numbers_are_the_dashboards_numbers(options):
    """The tiles show what the Overview shows for the same district filter (and what the query returns)."""
    deck = present({"slide": "1", "area": "district:multan"})
    overview = open_page("overview", {"district": "multan"})
    shown = {m.label: m.value.split(" ± ")[0] for m in overview.metric}
    tiles = next(p for p in html_parts(deck) if "pr-tiles" in p)
    head = queries.headline(Filters(*options.default_years, districts=("multan",))).set_index("measure")
    for measure, row in head.iterrows():
        is_rate = row["change_unit"] == "pp"
        value = text.percent(row["value"]) if is_rate else text.count(row["value"])
        margin = text.with_margin(value, row["moe"], " pp" if is_rate else "")[len(value):].strip()
        assert f'data-measure="{measure}"><div class="v{" na" if value == text.NOT_AVAILABLE else ""}">' \
               f'{value.replace("<", "&lt;")}</div><div class="m">{margin}</div>' in tiles
        assert shown[text.short(measure)] == value


def test_small_counts_are_suppressed_on_slides(options):
    # The release's noise is drawn anew for each test session: take a district with a small stage and a small tile.
    def small(d):
        f = Filters(*options.default_years, districts=(d,))
        head = queries.headline(f)
        return queries.funnel(f)["value"].isna().any() and head[head["change_unit"] == "percent"]["value"].isna().any()

    district = next(d for d in sorted(options.districts) if small(d))
    stages = queries.funnel(Filters(*options.default_years, districts=(district,)))
    at = present({"slide": "funnel", "area": f"district:{district}"})
    figure = next(iter(charts_of(at).values()))
    labels = figure["data"][0]["text"]
    for label, value in zip(labels, stages["value"], strict=True):
        assert label.startswith(text.count(value))
    assert any(label.startswith(text.SUPPRESSED) for label in labels)
    at = present({"slide": "numbers", "area": f"district:{district}"})
    assert "&lt;10" in next(p for p in html_parts(at) if "pr-tiles" in p)
    at = present({"slide": "map", "area": "region:south-punjab"})
    ranking = next(p for p in html_parts(at) if "pr-rank" in p)
    measures = queries.district_measures(scopes.region("south-punjab", options).apply(Filters(*options.default_years)))
    top = measures.sort_values(["cases", "name"], ascending=[False, True], na_position="last").iloc[0]
    assert f"<td>{top['name']}</td><td class=\"n\">{text.count(top['cases'])}</td>" in ranking


def test_deck_settings_change_the_area_and_period(options):
    at = present({"slide": "1"})
    at.selectbox(key="pr_scope_pick").set_value("division:Multan").run()
    assert qp(at, "area") == ["division:Multan"]
    assert any("Multan Division" in p for p in html_parts(at) if "pr-kicker" in p)
    lo = options.year_max - 1
    next(w for w in at.select_slider if w.key.startswith("pr_years")).set_value((lo, options.year_max)).run()
    # The period goes to the URL, where the shared filters pick it up (AppTest runs a page without dashboard.py
    # after switch_page, so the new period itself is checked by opening a deck with it below and in the browser).
    assert qp(at, "years") == [f"{lo}-{options.year_max}"]
    at.segmented_control(key="pr_theme").set_value("light").run()
    assert qp(at, "theme") == ["light"]
    at.segmented_control(key="pr_auto").set_value(20).run()
    assert qp(at, "auto") == ["20"]
    assert not at.exception


def test_the_period_comes_from_the_shared_filters(options):
    lo = options.year_max - 1
    at = present({"slide": "1", "years": f"{lo}-{options.year_max}", "area": "province:Punjab"})
    period = text.period(lo, options.year_max)
    assert any(f"Punjab · {period}" in p for p in html_parts(at) if "pr-footer" in p)
    head = queries.headline(Filters(lo, options.year_max, provinces=("Punjab",))).set_index("measure")
    tiles = next(p for p in html_parts(at) if "pr-tiles" in p)
    cases = text.count(head.loc["cases", "value"])
    assert f">{cases}</div><div class=\"m\">± {head.loc['cases', 'moe']:,.0f}</div><div class=\"l\">Cases reported" \
        in tiles


def test_the_sidebar_area_is_used_when_the_url_names_none(options):
    at = present({"slide": "1", "province": "Sindh"})
    assert any("Sindh ·" in p for p in html_parts(at) if "pr-kicker" in p)


def test_brief_downloads_from_present_mode_and_the_district_profile(options):
    at = present({"slide": "sources", "area": "district:multan"})
    keys = {b.proto.id for b in at.get("download_button")}
    assert any("pr_brief" in k for k in keys) and any("pr_brief_sources" in k for k in keys)
    profile = open_page("hotspots", {"district_profile": "multan"})
    assert any("hot_brief" in b.proto.id for b in profile.get("download_button"))


def test_the_copy_link_holds_the_filters(options):
    """dashboard.py draws it after every page (AppTest only runs dashboard.py on the default page; the browser
    test checks the other pages)."""
    at = open_page("overview", {"years": f"{options.year_max - 1}-{options.year_max}", "offence": "bonded_labour"})
    links = [c.value for c in at.sidebar.code]
    assert links and "years=" in links[-1] and "offence=bonded_labour" in links[-1]


def test_slide_numbers_parse():
    assert slides.slide_number("3") == 3 and slides.slide_number("Funnel") == 3
    assert slides.slide_number("0") is None and slides.slide_number("8") is None
    assert slides.slide_number("x") is None and slides.slide_number(None) is None


def test_map_view_zooms_to_the_area(options, boundaries):
    from tipdash import boundaries as layers

    geo = layers.load_layer("districts") if boundaries else None
    if geo is None:
        pytest.skip("no boundaries")
    pakistan = slides.map_view(geo, list(options.districts))
    south = slides.map_view(geo, scopes.region("south-punjab", options).districts)
    multan = slides.map_view(geo, ["multan"])
    assert pakistan["zoom"] < south["zoom"] < multan["zoom"]
    assert 28 < south["center"]["lat"] < 31.5 and 69.5 < south["center"]["lon"] < 73
    assert pd.notna(pakistan["center"]["lat"])


def test_maps_fall_back_to_points_without_boundary_files(options, monkeypatch):
    from tipdash import ui

    monkeypatch.setattr(ui, "boundary_layer", lambda name: None)
    for slide in ("map", "scorecard"):
        at = present({"slide": slide, "area": "region:south-punjab"})
        figure = next(iter(charts_of(at).values()))
        assert {t["type"] for t in figure["data"]} == {"scattermap"}
        assert sum(len(t.get("text") or []) for t in figure["data"]) >= 11  # a point per district
