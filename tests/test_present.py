"""Present mode through Streamlit's AppTest: the slide named in the URL, next and previous, every slide for several
areas without an error, the same numbers as the dashboard, "<10" where counts are small, the deck settings, the
brief download (present mode and the district profile) and the "copy link" on every page.
"""

from __future__ import annotations

import itertools
import json
import re
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import shapely
from shapely.geometry import shape
from streamlit.testing.v1 import AppTest

from tests.apptest import open_page
from tipdash import boundaries, brief, maps, qr, queries, scopes, slides, text
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
    at = present({"slide": "99", "area": "district:atlantis", "theme": "neon", "auto": "7", "controls": "maybe"})
    assert "1 / 7" in position(at)
    assert any("Pakistan ·" in p for p in html_parts(at))
    assert "theme" not in at.query_params and "auto" not in at.query_params and "controls" not in at.query_params


@pytest.mark.parametrize(("area", "label"), [("south-punjab", "South Punjab"), ("Multan Division", "Multan Division"),
                                             ("punjab", "Punjab"), ("multan", "Multan district")])
def test_the_area_can_be_a_plain_name_or_slug(options, area, label):
    """The README's `/present?area=south-punjab`: the area is shown, and the URL keeps it as given."""
    at = present({"slide": "1", "area": area})
    assert any(p.startswith('<div class="pr-slide pr-head"><div><div class="pr-kicker">' + label + " ·")
               for p in html_parts(at)), html_parts(at)[:2]
    assert not any("pr-warn" in p for p in html_parts(at))
    assert qp(at, "area") == [area]


def test_an_unknown_area_is_named_on_the_slide_not_silently_replaced(options):
    at = present({"slide": "2", "area": "atlantis"})
    warning = next(p for p in html_parts(at) if "pr-warn" in p)
    assert '<span class="pr-warn">“atlantis” is not a known area: showing Pakistan.' in warning
    assert qp(at, "area") == ["atlantis"]  # kept, so the link shows the same message
    at = present({"slide": "1", "area": "<script>alert(1)</script>"})
    warning = next(p for p in html_parts(at) if "pr-warn" in p)
    assert "<script>" not in warning and "&lt;script&gt;" in warning


def test_controls_hide_by_url_and_button_and_the_keys_stay(options):
    hidden = '.st-key-pr_controls { display: none !important; }'
    at = present({"slide": "2"})
    assert hidden not in stylesheet(at)
    assert at.button(key="pr_hide").proto.shortcut
    at.button(key="pr_hide").click().run()
    assert hidden in stylesheet(at) and qp(at, "controls") == ["off"]
    at.button(key="pr_next").click().run()  # hidden, still there: the arrow keys press it
    assert "3 / 7" in position(at)
    at.button(key="pr_hide").click().run()
    assert hidden not in stylesheet(at) and "controls" not in at.query_params
    at = present({"slide": "1", "controls": "off"})
    assert hidden in stylesheet(at)


def stylesheet(at: AppTest) -> str:
    return next(str(m.value) for m in at.main.markdown if str(m.value).startswith("<style>"))


def test_slides_scale_to_the_window(options):
    """Sizes in the stylesheet are multiples of the window's design pixel; figures follow the reported size."""
    css = stylesheet(present({"slide": "1"}))
    assert "--u: min(calc(100vw / 1920), calc(100vh / 1080))" in css
    assert re.search(r"font-size: \d+px", css) is None, "a font size that does not scale"
    assert slides.zoom_for((1280, 720)) == pytest.approx(2 / 3, abs=0.001)
    assert slides.zoom_for((1024, 768)) == pytest.approx(1024 / 1920, abs=0.001)
    assert slides.zoom_for((3840, 2160)) == 2 and slides.zoom_for(None) == 1
    small = slides.funnel_figure(queries.funnel(Filters(*options.default_years)), "2020", "Pakistan",
                                 slides.themed("dark", 0.5))
    big = slides.funnel_figure(queries.funnel(Filters(*options.default_years)), "2020", "Pakistan",
                               slides.themed("dark", 1.0))
    assert small.layout.height * 2 == pytest.approx(big.layout.height, abs=2)
    assert small.layout.font.size * 2 == pytest.approx(big.layout.font.size, abs=1)


def test_slide_maps_name_the_districts_of_the_area(options):
    south = scopes.region("south-punjab", options)
    for slide in ("map", "scorecard"):
        figure = next(iter(charts_of(present({"slide": slide, "area": "south-punjab"})).values()))
        named = [n for t in figure["data"] if t.get("name") == "District names" for n in t["text"]]
        assert sorted(named) == sorted(options.districts[d][0] for d in south.districts), slide
    figure = next(iter(charts_of(present({"slide": "map", "area": "multan"})).values()))
    named = {n for t in figure["data"] if t.get("name") == "District names" for n in t["text"]}
    assert {"Multan", "Khanewal", "Lodhran", "Vehari"} <= named  # the district and its neighbours
    # Pakistan: the districts with the most cases, not all of them on top of each other
    figure = next(iter(charts_of(present({"slide": "map", "area": "pakistan"})).values()))
    named = [n for t in figure["data"] if t.get("name") == "District names" for n in t["text"]]
    assert len(named) == slides.LABEL_TOP


def test_slide_map_names_stay_whole_on_the_area_at_1280_by_720(options):
    """At 1280×720 the South Punjab map's names at the area's edge ran past its districts onto the dark slide's
    black, where black names vanish ("a Ghazi Khan", "Bahawalna"). Every name is now whole on the districts, and
    no two overlap (MapLibre would draw only one)."""
    south = scopes.region("south-punjab", options)
    ids = south.district_ids(options)
    df = queries.district_measures(south.apply(Filters(*options.default_years)))
    # Light fills (black names) everywhere but one interior district, whatever the demo's counts.
    df = df.assign(cases=np.where(df["name"] == "Lodhran", 0, 300))
    geo = boundaries.load_layer("districts")
    theme = slides.themed("dark", slides.zoom_for((1280, 720)))
    view = maps.area_view(geo, ids, df, width_px=theme.px(1060), height_px=theme.px(slides.MAP_HEIGHT))
    fig = slides.hotspot_map(df, geo, boundaries.load_layer("provinces"), theme, "", view,
                             labelled=slides.labelled_districts(south, df, ids))
    filled = np.array([shape(f["geometry"]) for t in fig.data if t.type == "choroplethmap"
                       for f in t.geojson["features"]], dtype=object)
    em = theme.px(18) * boundaries.degrees_per_pixel(view["zoom"])
    names = [(n, lat, lon, t.textfont.color) for t in fig.data if t.name == "District names"
             for n, lat, lon in zip(t.text, t.lat, t.lon, strict=True)]
    assert len(names) == len(ids) and sum(colour == "#000000" for *_, colour in names) == len(ids) - 1
    for name, lat, lon, colour in names:
        if colour == "#000000":
            along = lon + np.linspace(-1, 1, 9) * len(name) * maps.LABEL_EM / 2 * em
            assert shapely.contains_xy(filled[:, None], along, lat).any(axis=0).all(), name
    pad = 2 * maps.LABEL_PADDING / theme.px(18)  # the room MapLibre keeps between two names, in ems
    for (name, lat, lon, _), (other, lat2, lon2, _) in itertools.combinations(names, 2):
        apart_across = abs(lon - lon2) / em >= (len(name) + len(other)) * maps.LABEL_EM / 2 + pad - 1e-6
        apart_up = abs(maps._mercator(lat) - maps._mercator(lat2)) / np.radians(em) >= maps.LABEL_LINE + pad - 1e-6
        assert apart_across or apart_up, (name, other)


def test_only_names_coloured_like_the_background_are_kept_off_it():
    """A name running past the districts moves onto them when it would vanish on the background, and stays at its
    point when it reads there (black names on the light theme's white)."""
    square = {"type": "Polygon", "coordinates": [[[70, 30], [72, 30], [72, 31], [70, 31], [70, 30]]]}
    fig = go.Figure(go.Choroplethmap(geojson={"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square, "properties": {"district_id": "a"}}]},
        featureidkey="properties.district_id", locations=["a"], z=[1]))
    fig.update_layout(map=dict(zoom=6))
    points = pd.DataFrame({"district_id": ["a"], "name": ["Dera Ghazi Khan"], "lat": [30.5], "lon": [70.2]})
    half = len("Dera Ghazi Khan") * maps.LABEL_EM / 2 * 12 * boundaries.degrees_per_pixel(6)
    assert 70.2 - half < 70  # at its point the name starts west of the district
    _, (kept,) = maps.label_places(fig, points, 12, confined=[True])
    assert kept - half >= 70 and kept + half <= 72
    _, (free,) = maps.label_places(fig, points, 12, confined=[False])
    assert free == 70.2


def test_qr_code_opens_the_same_view_when_a_public_address_is_set(options, monkeypatch):
    from tipcore import config

    monkeypatch.setattr(config, "PUBLIC_URL", None)
    for slide in ("1", "7"):
        at = present({"slide": slide, "area": "south-punjab"})
        block = next(p for p in html_parts(at) if "pr-qr" in p)
        assert 'data-qr="none"' in block and "set TIP_PUBLIC_URL" in block and "<svg" not in block
    monkeypatch.setattr(config, "PUBLIC_URL", "https://tip.example.org")
    for slide in ("1", "7"):
        at = present({"slide": slide, "area": "south-punjab", "years": "2023-2024", "auto": "20"})
        block = next(p for p in html_parts(at) if "pr-qr" in p)
        url = re.search(r'data-qr="([^"]+)"', block).group(1).replace("&amp;", "&")
        assert url.startswith("https://tip.example.org/present?")
        query = dict(parse_qsl(url.split("?", 1)[1]))
        assert query["area"] == "south-punjab" and query["years"] == "2023-2024" and query["slide"] == slide
        assert "auto" not in query  # a presenter's setting, not the view
        assert "<svg" in block
    assert not any("pr-qr" in p for p in html_parts(present({"slide": "3"})))


def test_qr_code_is_inline_svg_of_the_address():
    """Dark modules on a light ground with a quiet zone (phones read inverted codes badly), offline (no image URL)."""
    url = "https://tip.example.org/present?area=south-punjab&slide=1"
    svg = qr.svg(url)
    assert svg.startswith("<svg") and 'stroke="#000"' in svg and 'fill="#fff"' in svg
    assert "href" not in svg
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    assert (side - 8 - 21) % 4 == 0  # a QR symbol (21 + 4k modules) and a quiet zone of 4 on each side
    assert qr.svg(url.replace("slide=1", "slide=2")) != svg
    assert qr.view_url(None, "present", {"area": "x"}) is None
    assert qr.view_url("https://a.org/", "present", {"slide": "2", "controls": "off"}) == \
        "https://a.org/present?slide=2"


@pytest.mark.slow
def test_powerpoint_deck_holds_the_slides_numbers_and_sources(options, tmp_path):
    """The .pptx: one slide per slide with the slides' titles, the dashboard's numbers, charts as pictures at
    projector resolution and sources in every slide's notes."""
    from pptx import Presentation
    from pptx.util import Emu

    from tipdash import boundaries as layers
    from tipdash import deck

    scope = scopes.resolve("multan", options)
    f = Filters(*options.default_years)
    status = {"is_demo": True, "release_id": "r1"}
    data = deck.build(scope, f, options, status, slides.THEMES["dark"], layers.load_layer("districts"),
                      layers.load_layer("provinces"), "https://tip.example.org/present?area=multan")
    path = tmp_path / deck.filename(scope, f)
    path.write_bytes(data)
    prs = Presentation(str(path))
    assert len(prs.slides) == N
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[0] == "Trafficking in persons and bonded labour: the key numbers"
    assert titles[2] == "The conviction gap: from report to conviction" and titles[3].startswith("Pakistan's TIP tier")
    words = [" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in prs.slides]
    head = queries.headline(scope.apply(f))
    for _, row in head.iterrows():
        assert f"{brief.tile_value(row)}\n{brief.tile_margin(row)}\n{text.short(row['measure'])}" in \
            next(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame
                 and text.short(row["measure"]) in sh.text_frame.text)
    assert "Synthetic demo data" in prs.slides[0].notes_slide.notes_text_frame.text
    for s in prs.slides:
        notes = s.notes_slide.notes_text_frame.text
        assert notes.startswith("Sources:") and len(notes.splitlines()) >= 3
    assert "State" in prs.slides[3].notes_slide.notes_text_frame.text or \
        "http" in prs.slides[3].notes_slide.notes_text_frame.text
    pictures = {i: [sh for sh in s.shapes if sh.shape_type == 13] for i, s in enumerate(prs.slides)}
    assert [len(pictures[i]) for i in range(N)] == [0, 1, 1, 2, 1, 0, 1]  # maps, funnel, two charts, QR
    for sh in pictures[1] + pictures[2]:
        width_px = sh.image.size[0]
        assert width_px >= 1100 and Emu(sh.width).inches > 7  # a 1920-pixel-wide slide's resolution
    ranked = queries.district_measures(scope.context(options).apply(f)).sort_values(
        ["cases", "name"], ascending=[False, True], na_position="last").reset_index(drop=True)
    place = queries.rank_labels(ranked["cases"], ranked["cases_moe"]).iloc[0]  # "1", or "1–2" within the margins
    top = ranked.iloc[0]
    assert place.startswith("1") and f"\n{place}. {top['name']}: {text.count(top['cases'])}\n" in words[1]


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


def test_slide_ranks_are_ranges_where_the_margins_overlap():
    """The slide's ranking gives a place only where the 95% margins separate a district from its neighbours, as the
    hotspots page does; a count under 10 gets none; the range is explained on the slide."""
    df = pd.DataFrame({"district_id": ["a", "b", "c", "d"], "name": ["A", "B", "C", "D"],
                       "cases": pd.array([300, 290, 120, pd.NA], dtype="Int64"), "cases_moe": [15.0, 15.0, 15.0, 15.0]})
    rows = slides.ranked_rows(df, "cases", "count", n=4)
    assert [(r.place, r.name) for r in rows] == [("1–2", "A"), ("1–2", "B"), ("3", "C"), ("", "D")]
    html = slides.ranking(df, "cases", "count", "Most cases", n=4)
    assert html.count('<td class="i">1–2</td>') == 2 and text.RANK_RANGE_NOTE in html
    assert text.RANK_RANGE_NOTE not in slides.ranking(df.iloc[2:], "cases", "count", "Most cases", n=2)


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


def test_maps_fall_back_to_points_without_boundary_files(options, monkeypatch):
    from tipdash import ui

    monkeypatch.setattr(ui, "boundary_layer", lambda name: None)
    for slide in ("map", "scorecard"):
        at = present({"slide": slide, "area": "region:south-punjab"})
        figure = next(iter(charts_of(at).values()))
        assert {t["type"] for t in figure["data"]} == {"scattermap"}
        assert sum(len(t.get("text") or []) for t in figure["data"]) >= 11  # a point per district


def test_a_district_without_a_score_is_told_which_condition_it_misses():
    row = {"band": queries.INSUFFICIENT, "score": float("nan"), "indicators_available": 1}
    few_cases = slides.district_verdict(pd.Series(row | {"cases": queries.MIN_CASES - 1}))
    assert f"{queries.MIN_CASES - 1} cases reported, a score needs {queries.MIN_CASES}" in few_cases
    imprecise = slides.district_verdict(pd.Series(row | {"cases": 456}))
    assert (f"1 of its {len(queries.SCORE_INDICATORS)} indicators are precise enough to show, a score needs "
            f"{queries.MIN_INDICATORS} (456 cases reported)") in imprecise
    scored = slides.district_verdict(pd.Series({"band": "Band 2", "score": 51.4, "cases": 456,
                                                "indicators_available": 4}))
    assert scored == "Band 2, score 51"


def test_the_scorecard_slide_of_a_district_says_why_it_has_no_band(options):
    at = present({"slide": "scorecard", "area": "multan"})
    notes = " ".join(html_parts(at))
    assert "Multan: " in notes and "insufficient data (" not in notes
    assert f"fewer than {queries.MIN_INDICATORS} indicators precise enough to show" in notes
