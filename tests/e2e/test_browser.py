"""Every page in a real headless Chromium with the network blocked: drawn charts and maps, no error, screenshots."""

from __future__ import annotations

import io
from urllib.parse import urljoin, urlparse

import pytest
from PIL import Image

from tests.e2e.browser import CHROMIUM, SHOTS, settle

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

ERROR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
PLOT = '[data-testid="stPlotlyChart"] .js-plotly-plot'
NAV_LINKS = '[data-testid="stPageLink-NavLink"]'  # the page menu: links that carry the filters (tipdash/share.py)


def page_paths(page, app_url) -> list[str]:
    page.goto(app_url)
    settle(page)
    links = page.locator(NAV_LINKS)
    paths = sorted({urlparse(urljoin(app_url + "/", links.nth(i).get_attribute("href") or "")).path or "/"
                    for i in range(links.count())})
    return paths or ["/"]


def drawn_fraction(element) -> float:
    """Share of a plot's pixels that are not background: near 0 means a blank plot area."""
    image = Image.open(io.BytesIO(element.screenshot())).convert("L")
    histogram = image.histogram()
    return sum(histogram[:235]) / max(1, sum(histogram))


def test_every_page_draws_offline_without_errors(offline_page, app_url):
    page = offline_page
    paths = page_paths(page, app_url)
    assert len(paths) >= 6, paths
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path in paths:
        for width, height in ((1366, 768), (1920, 1080)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(app_url + path)
            settle(page)
            name = path.strip("/") or "home"
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            assert page.locator(ERROR).count() == 0, f"error shown on {path}"
            assert "Synthetic demo data" in page.inner_text("body") or "synthetic" in page.inner_text("body").lower()
        plots = page.locator(PLOT)
        for i in range(plots.count()):
            plot = plots.nth(i)
            plot.scroll_into_view_if_needed()
            assert drawn_fraction(plot) > 0.01, f"blank plot {i} on {path}"
    assert not [u for u in page.blocked if "plot.ly" in u or "mapbox" in u], "a chart tried to fetch from a CDN"


def test_maps_draw_polygons_offline(offline_page, app_url):
    page = offline_page
    maps = 0
    for path in page_paths(page, app_url):
        page.goto(app_url + path)
        settle(page)
        for i in range(page.locator(f"{PLOT} .maplibregl-canvas, {PLOT} canvas").count()):
            canvas = page.locator(f"{PLOT} .maplibregl-canvas, {PLOT} canvas").nth(i)
            canvas.scroll_into_view_if_needed()
            page.wait_for_timeout(800)
            assert drawn_fraction(canvas) > 0.05, f"map {i} on {path} is blank"
            maps += 1
    assert maps >= 2


@pytest.mark.parametrize("query", ["?years=2019-2020", "?offence=bonded_labour"])
def test_filters_in_the_url_change_the_view(offline_page, app_url, query):
    page = offline_page
    page.goto(app_url)
    settle(page)
    before = page.inner_text('[data-testid="stMain"]')
    page.goto(app_url + query)
    settle(page)
    after = page.inner_text('[data-testid="stMain"]')
    assert page.locator(ERROR).count() == 0
    assert before != after
