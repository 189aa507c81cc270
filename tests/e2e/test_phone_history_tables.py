"""A phone, the browser's Back button and wide tables, in headless Chromium (issue #14, sections 2 to 4).

* at 390×844 (a phone) every page opens with the sidebar closed, nothing is wider than the screen, no chart's
  legend or toolbar lies over its title and no title is cut off at the chart's edge; the district maps show their
  whole area (a province, or all Pakistan) and no map's colour bar or legend lies over its map;
* a page switch and a deliberate filter change each add one history entry, and Back returns to the view before it
  (page, URL and filters shown);
* at 1440×900 the tables of the hotspots, conviction gap and tier pages show every column without scrolling
  sideways, and no table is taller than its rows (also a ranking of a province's few districts).

Screenshots of every page on a phone go to SHOTS for a human look.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from tests.e2e.browser import CHROMIUM, SHOTS, settle
from tipdash import queries

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
MENU = '[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]'
ERROR = '[data-testid="stException"], [data-testid="stAlertContentError"]'

# Boxes of each drawn chart's title, legend and (visible) toolbar, in page coordinates.
CHART_BOXES_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')].map(plot => {
  const box = el => {
    if (!el || getComputedStyle(el).display === 'none' || getComputedStyle(el).visibility === 'hidden') return null;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? [r.left, r.top, r.right, r.bottom] : null;
  };
  const title = plot.querySelector('.gtitle');
  return {title: title ? title.textContent.slice(0, 50) : '', titleBox: box(title),
          svg: box(plot.querySelector('.main-svg')),
          legend: box(plot.querySelector('.legend')), toolbar: box(plot.querySelector('.modebar-container .modebar'))};
})"""

# Each drawn map: its canvas, its colour bars and legend, and (district maps) where the corners of the districts it
# was given fall on the canvas, projected by the map itself. Null until there is a map and every map has loaded.
MAPS_JS = """() => {
  const plots = [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')]
    .filter(p => p._fullLayout?.map);
  if (!plots.length) return null;
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const out = [];
  for (const plot of plots) {
    const map = plot._fullLayout.map._subplot?.map;
    if (!map || !map.loaded()) return null;
    const districts = plot.data.filter(t => t.type === 'choroplethmap' && t.featureidkey === 'properties.district_id');
    const points = districts.flatMap(t => t.geojson.features)
      .flatMap(f => f.geometry.coordinates.flat(f.geometry.type === 'Polygon' ? 1 : 2));
    const lons = points.map(p => p[0]), lats = points.map(p => p[1]);
    const corners = points.length ? [[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]]
      .map(c => map.project(c)).map(p => [p.x, p.y]) : [];
    const canvas = map.getCanvas();
    out.push({title: (plot.querySelector('.gtitle') || {}).textContent || '', canvas: box(canvas),
              size: [canvas.clientWidth, canvas.clientHeight], corners,
              keys: [...plot.querySelectorAll('.colorbar, .legend')].map(box)});
  }
  return out;
}"""
PHONE_MAPS = ["hotspots", "hotspots?province=Punjab", "tier_ranking"]

# Each drawn table's scroller: how wide and tall its content is against what it shows (tables in closed expanders
# have no scroller).
TABLES_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')]
  .map(t => [t, t.querySelector('.dvn-scroller')]).filter(([t, s]) => s)
  .map(([t, s]) => ({headers: [...t.querySelectorAll('th')].map(h => h.textContent).join(' | '),
                     scrollWidth: s.scrollWidth, clientWidth: s.clientWidth,
                     contentHeight: t.querySelector('.dvn-stack').offsetHeight, clientHeight: s.clientHeight}))"""


def overlaps(a, b) -> bool:
    return bool(a and b) and a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


def menu_paths(page, app_url) -> list[str]:
    """Every page of the menu, as paths (the menu's links carry the filters; these start without any)."""
    page.goto(app_url)
    settle(page)
    hrefs = page.locator(MENU).evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return sorted({"/" + re.sub(r"^.*?://[^/]+/?", "", h).split("?")[0].lstrip("/") for h in hrefs})


def open_settled(page, url: str) -> None:
    page.goto(url)
    settle(page)
    page.wait_for_timeout(1500)  # maps and late charts: settle again once they have started to draw
    settle(page)


def sidebar_covers_page(page) -> bool:
    box = page.locator('[data-testid="stSidebar"]').bounding_box()
    return bool(box) and box["width"] > 0 and box["x"] + box["width"] > 1


def test_phone_every_page_fits_with_the_sidebar_closed(browser, app_url):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        paths = menu_paths(page, app_url)
        assert len(paths) >= 6, paths
        SHOTS.mkdir(parents=True, exist_ok=True)
        for path in paths:
            open_settled(page, app_url + path)
            name = path.strip("/") or "home"
            page.screenshot(path=str(SHOTS / f"phone-{name}.png"))
            assert page.locator(ERROR).count() == 0, f"error shown on {path}"
            assert not sidebar_covers_page(page), f"the sidebar covers {path} on a phone"
            widths = page.evaluate("""() => [document.documentElement.scrollWidth,
                                             document.querySelector('[data-testid="stMain"]').scrollWidth]""")
            assert max(widths) <= PHONE["width"], f"{path} is {max(widths)} px wide on a {PHONE['width']} px screen"
            for chart in page.evaluate(CHART_BOXES_JS):
                assert not overlaps(chart["legend"], chart["titleBox"]), f"legend over the title {chart} on {path}"
                assert not overlaps(chart["toolbar"], chart["titleBox"]), f"toolbar over the title {chart} on {path}"
                if chart["titleBox"]:
                    assert chart["titleBox"][2] <= chart["svg"][2] + 1, f"title cut off at the right {chart} on {path}"
    finally:
        context.close()


@pytest.mark.parametrize("path", PHONE_MAPS)
def test_phone_maps_show_their_whole_area_with_nothing_over_them(browser, app_url, warehouse, path):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_settled(page, f"{app_url}/{path}")
        drawn = page.wait_for_function(MAPS_JS, timeout=60_000).json_value()
        assert drawn, f"no map drawn on {path}"
        for m in drawn:
            assert m["canvas"][0] >= -1 and m["canvas"][2] <= PHONE["width"] + 1, f"map wider than the screen {m}"
            for key in m["keys"]:
                assert not overlaps(key, m["canvas"]), f"colour bar or legend over the map {m} on {path}"
            width, height = m["size"]
            for x, y in m["corners"]:  # the area's corners on the canvas: the whole area is in view
                assert -1 <= x <= width + 1 and -1 <= y <= height + 1, f"map cut off on {path}: {m}"
        if path.startswith("hotspots"):
            assert any(m["corners"] for m in drawn), f"no district map on {path}"
    finally:
        context.close()


def test_desktop_keeps_the_sidebar_open(browser, app_url):
    """The other side of "auto": on a wide screen the filters stay in view."""
    page = browser.new_page(viewport=DESKTOP)
    try:
        open_settled(page, app_url)
        assert sidebar_covers_page(page)
    finally:
        page.close()


def _shown_filters(page) -> str:
    """The filters as the page states them ("Showing 2023–2025 · province: Punjab ...")."""
    return page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]', has_text="Showing").first \
        .inner_text()


def _wait_for_filters(page, *words: str) -> str:
    """The filters the page states, once they say every one of ``words`` (Back reruns the page after it settles)."""
    page.wait_for_function("""words => [...document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stCaptionContainer"]')]
        .some(c => c.innerText.startsWith('Showing') && words.every(w => c.innerText.includes(w)))""",
                           arg=list(words), timeout=30_000)
    return _shown_filters(page)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_back_returns_to_the_previous_view(browser, app_url, warehouse):
    province = queries.filter_options().provinces[0]
    page = browser.new_page(viewport=DESKTOP)
    try:
        open_settled(page, f"{app_url}/?{urlencode({'province': province})}")
        start = page.evaluate("history.length")
        overview = page.url

        page.locator(MENU, has_text="Conviction gap").click()
        settle(page)
        assert urlsplit(page.url).path == "/conviction_gap" and _query(page.url) == {"province": [province]}
        assert f"province: {province}" in _shown_filters(page)
        assert page.evaluate("history.length") == start + 1, "a page switch adds one history entry"
        gap = page.url

        page.locator('[data-testid="stSidebar"] label', has_text="Include smuggling of migrants").click()
        page.wait_for_function("() => location.search.includes('smuggling=1')", timeout=30_000)
        settle(page)
        assert _query(page.url) == {"province": [province], "smuggling": ["1"]}
        assert "smuggling of migrants included" in _shown_filters(page)
        assert page.evaluate("history.length") == start + 2, "a filter change adds one history entry"

        page.go_back()
        settle(page)
        assert page.url == gap
        _wait_for_filters(page, "smuggling of migrants excluded", f"province: {province}")
        assert page.locator('[data-testid="stMain"] h1').first.inner_text().startswith("Conviction gap")

        page.go_back()
        settle(page)
        assert page.url == overview
        _wait_for_filters(page, "smuggling of migrants excluded", f"province: {province}")
        assert page.locator('[data-testid="stMain"] h1').first.inner_text().startswith("Overview")

        page.go_forward()
        settle(page)
        assert page.url == gap
        _wait_for_filters(page, "smuggling of migrants excluded", f"province: {province}")
        assert page.locator('[data-testid="stMain"] h1').first.inner_text().startswith("Conviction gap")
    finally:
        page.close()


def _fewest_districts() -> str:
    """The province with the fewest districts: its ranking is shorter than the table's usual height."""
    provinces = [p for _, p in queries.filter_options().districts.values()]
    return min(set(provinces), key=provinces.count)


@pytest.mark.parametrize("path", ["hotspots", "hotspots?province={few}", "conviction_gap", "tier_ranking"])
def test_tables_show_every_column_and_no_empty_rows(browser, app_url, warehouse, path):
    page = browser.new_page(viewport=DESKTOP)
    try:
        open_settled(page, f"{app_url}/{path.format(few=quote(_fewest_districts()))}")
        tables = page.evaluate(TABLES_JS)
        assert tables, f"no table drawn on {path}"
        for t in tables:
            assert t["scrollWidth"] <= t["clientWidth"] + 1, f"a table on {path} scrolls sideways: {t}"
            assert t["clientHeight"] <= t["contentHeight"] + 2, f"a table on {path} shows empty rows: {t}"
    finally:
        page.close()
