"""Present mode and the briefing pack in headless Chromium, with every non-local request aborted.

* the deck opens at the slide in the URL, and the arrow keys move between slides (the URL follows);
* at 1024×768, 1280×720, 1366×768, 1920×1080 and 3840×2160 every slide has drawn content, the demo banner and no
  error; it fits the window (nothing wider or taller, the control bar on screen), no chart label or title is cut
  off and no text is smaller than 20 design pixels (charts 18) at the window's scale; a screenshot of each at
  1280×720 and 1920×1080 goes to SHOTS for a human look;
* the H key hides the controls (the arrow keys still move the deck) and shows them again;
* the auto-advance timer moves on by itself;
* the brief downloads from present mode for "Multan" and "Punjab", opens offline, prints on one A4 page and shows
  the Overview's numbers for the same filters;
* every page has a "copy link" that reproduces the view.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.e2e.browser import CHROMIUM, SHOTS, settle
from tipdash import queries, slides, text
from tipdash.filters import Filters

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

ERROR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
PLOT = '[data-testid="stMain"] .js-plotly-plot'
HALL = {"width": 1920, "height": 1080}
SIZES = [(1024, 768), (1280, 720), (1366, 768), (1920, 1080), (3840, 2160)]
SHOT_SIZES = {(1280, 720), (1920, 1080)}
N = len(slides.SLIDES)

# What a slide must not do: run off the screen, cut a chart label or a title, or use small type (sizes in design
# pixels of a 1920×1080 slide, times the window's scale).
LAYOUT_JS = """(zoom) => {
  const out = {minHtml: 999, minSvg: 999, small: [], cut: []};
  for (const el of document.querySelectorAll('[data-testid="stMain"] .pr-slide, [data-testid="stMain"] .pr-slide *')) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    out.minHtml = Math.min(out.minHtml, size);
    if (size < 20 * zoom - 0.5) out.small.push(el.textContent.slice(0, 40) + ' ' + size + 'px');
  }
  for (const plot of document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')) {
    const box = plot.getBoundingClientRect();
    for (const t of plot.querySelectorAll('.main-svg text')) {
      if (!t.textContent.trim() || t.closest('.hoverlayer')) continue;
      const size = parseFloat(getComputedStyle(t).fontSize);
      out.minSvg = Math.min(out.minSvg, size);
      if (size < 18 * zoom - 0.5) out.small.push('chart: ' + t.textContent.slice(0, 40) + ' ' + size + 'px');
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                      || r.bottom > box.bottom + 1)) out.cut.push(t.textContent.slice(0, 60));
    }
  }
  for (const el of document.querySelectorAll('.pr-title, .pr-kicker')) {
    if (el.scrollWidth > el.clientWidth + 1) out.cut.push('title: ' + el.textContent.slice(0, 60));
  }
  out.bottom = document.querySelector('.pr-footer').getBoundingClientRect().bottom;
  const bar = document.querySelector('.st-key-pr_controls');
  out.bar = bar && bar.offsetParent ? bar.getBoundingClientRect().bottom : 0;
  const main = document.querySelector('[data-testid="stMain"]');
  out.width = Math.max(document.documentElement.scrollWidth, main.scrollWidth);
  out.height = Math.max(document.documentElement.scrollHeight, main.scrollHeight);
  return out;
}"""


def open_deck(page, app_url: str, query: str, number: int | None = None) -> None:
    page.goto(f"{app_url}/present?{query}")
    wait_for_slide(page, number)


SCRIPT_DONE = """() => document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state')
                      === 'notRunning'"""
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stPlotlyChart"]')]
                       .every(c => c.querySelector('.main-svg'))"""


def wait_for_slide(page, number: int | None) -> None:
    """The slide's script has finished, built for this window, the position and the URL say ``number`` and every
    chart has drawn."""
    page.wait_for_selector(".pr-footer", timeout=60_000)
    size = page.viewport_size
    page.wait_for_selector(f'.pr-footer[data-window="{size["width"]}x{size["height"]}"]', timeout=60_000)
    if number is not None:
        # The position as read: without the invisible marks that keep "2 / 7" left to right in Urdu.
        page.wait_for_function(
            f"() => (document.querySelector('.pr-bar') || {{innerText: ''}}).innerText"
            f".replace(/[\\u2066-\\u2069]/g, '').startsWith('{number} / ')", timeout=30_000)
        page.wait_for_function(f"() => new URLSearchParams(location.search).get('slide') === '{number}'",
                               timeout=30_000)
    page.wait_for_function(SCRIPT_DONE, timeout=45_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=45_000)
    page.wait_for_timeout(1000)  # maps paint their canvas a moment after the chart mounts


def drawn_fraction(element) -> float:
    """Share of pixels unlike the background (the top-left pixel): near 0 means nothing was drawn."""
    pixels = np.asarray(Image.open(io.BytesIO(element.screenshot())).convert("L"), dtype=np.int16)
    return float((np.abs(pixels - pixels[0, 0]) > 40).mean()) if pixels.size else 0.0


def walk(page, deck: str, numbers) -> None:
    """Move on with → to each of ``numbers`` in turn and check the slide."""
    for number in numbers:
        page.keyboard.press("ArrowRight")
        wait_for_slide(page, number)
        check_slide(page, deck, number)


@pytest.fixture
def hall(offline_page):
    offline_page.set_viewport_size(HALL)
    return offline_page


def check_slide(page, deck: str, number: int) -> None:
    """The slide on screen: screenshot, no error, the banner, drawn content, on screen, nothing cut, large type."""
    name = slides.SLIDES[number - 1][0]
    size = page.viewport_size
    width, height = size["width"], size["height"]
    if (width, height) in SHOT_SIZES:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"present-{deck}-{width}x{height}-{number}-{name}.png"))
    assert page.locator(ERROR).count() == 0, f"error on slide {number}"
    assert "Synthetic demo data" in page.inner_text('[data-testid="stMain"]')
    assert page.locator(".pr-title").inner_text().strip()
    plots = page.locator(PLOT)
    for i in range(plots.count()):
        assert drawn_fraction(plots.nth(i)) > 0.02, f"blank chart {i} on slide {number}"
    maps = page.locator(f"{PLOT} .maplibregl-canvas")
    for i in range(maps.count()):
        assert drawn_fraction(maps.nth(i)) > 0.05, f"blank map on slide {number}"
    if plots.count() == 0:
        body = page.locator(".pr-tiles, .pr-findings, .pr-panel").first
        assert body.is_visible() and drawn_fraction(body) > 0.02, f"slide {number} has no drawn content"
    layout = page.evaluate(LAYOUT_JS, slides.zoom_for((width, height)))
    assert layout["bottom"] <= height, f"slide {number} runs off the screen ({layout['bottom']:.0f}px)"
    assert layout["bar"] <= height, f"the control bar of slide {number} is below the window"
    assert layout["width"] <= width, f"slide {number} is wider than the window ({layout['width']}px)"
    assert layout["height"] <= height, f"slide {number} is taller than the window ({layout['height']}px)"
    assert not layout["cut"], f"cut-off chart labels on slide {number}: {layout['cut']}"
    assert not layout["small"], f"small type on slide {number}: {layout['small']}"


def test_opens_at_the_url_slide_arrow_keys_move_and_every_slide_reads_well(hall, app_url):
    """The South Punjab deck (the dialogue's case): open at slide 3, then walk the whole deck with the arrow keys."""
    page = hall
    deck = "south-punjab"
    open_deck(page, app_url, "slide=3&area=region:south-punjab", 3)
    assert "Conviction funnel" in page.inner_text(".pr-bar")
    assert page.locator('[data-testid="stSidebar"]').is_hidden()  # chrome hidden in present mode
    assert page.locator('[data-testid="stHeader"]').is_hidden()
    check_slide(page, deck, 3)
    for number in (2, 1):
        page.keyboard.press("ArrowLeft")
        wait_for_slide(page, number)
        check_slide(page, deck, number)
    page.keyboard.press("ArrowLeft")  # nothing before the first slide
    page.wait_for_timeout(500)
    assert page.inner_text(".pr-bar").startswith("1 / ")
    page.keyboard.press("ArrowRight")
    wait_for_slide(page, 2)
    page.keyboard.press("ArrowRight")
    wait_for_slide(page, 3)
    for number in range(4, N + 1):
        page.keyboard.press("ArrowRight")
        wait_for_slide(page, number)
        check_slide(page, deck, number)
    assert "area=region" in page.url
    assert page.blocked == [], page.blocked


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_slide_fits_the_window(offline_page, app_url, width, height):
    """The README's `area=south-punjab` at each projector size: every slide on screen, nothing cut or small."""
    page = offline_page
    page.set_viewport_size({"width": width, "height": height})
    open_deck(page, app_url, "slide=1&area=south-punjab", 1)
    assert page.locator(".pr-kicker").first.inner_text().startswith("South Punjab")
    check_slide(page, "south-punjab", 1)
    walk(page, "south-punjab", range(2, N + 1))
    assert "area=south-punjab" in page.url
    assert page.blocked == [], page.blocked


def test_the_h_key_hides_the_controls_and_the_arrows_still_work(offline_page, app_url):
    page = offline_page
    page.set_viewport_size({"width": 1280, "height": 720})
    open_deck(page, app_url, "slide=2&area=multan", 2)
    bar = page.locator(".st-key-pr_controls")
    assert bar.is_visible()
    page.keyboard.press("h")
    page.wait_for_function("() => new URLSearchParams(location.search).get('controls') === 'off'", timeout=30_000)
    wait_for_slide(page, 2)
    assert bar.is_hidden()
    page.keyboard.press("ArrowRight")
    wait_for_slide(page, 3)
    assert bar.is_hidden()
    page.keyboard.press("h")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('controls')", timeout=30_000)
    wait_for_slide(page, 3)
    assert bar.is_visible()


def test_plotly_loads_while_the_title_slide_shows(hall, app_url):
    """The title slide has no chart, so nothing of it needs plotly.js; the page loads it while the browser is idle,
    and the first slide with a chart does not wait for it after the → key."""
    page = hall
    open_deck(page, app_url, "slide=1&area=multan", 1)
    assert page.locator(PLOT).count() == 0
    page.wait_for_function("() => performance.getEntriesByType('resource')"
                           ".some(e => e.name.includes('/PlotlyChart.'))", timeout=15_000)


def test_the_deck_downloads_as_powerpoint(hall, app_url, tmp_path):
    """The button on the last slide builds the .pptx in the server (charts drawn by Chromium, offline)."""
    from pptx import Presentation

    page = hall
    open_deck(page, app_url, "slide=7&area=multan", 7)
    with page.expect_download(timeout=240_000) as info:
        page.get_by_role("button", name=re.compile("PowerPoint")).click()
    download = info.value
    assert download.suggested_filename.startswith("tip-deck-multan-district-")
    assert download.suggested_filename.endswith(".pptx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    prs = Presentation(str(path))
    assert [s.shapes.title.text for s in prs.slides][1] == "Where cases are reported: Punjab"
    assert len(prs.slides) == N and all(s.notes_slide.notes_text_frame.text.startswith("Sources:") for s in prs.slides)
    assert page.blocked == [], page.blocked


def test_light_theme_for_a_district(hall, app_url):
    page = hall
    open_deck(page, app_url, "slide=1&area=district:multan&theme=light", 1)
    check_slide(page, "multan-light", 1)
    # The display rule holds on slides: "<10" exactly where the headline query has a count under 10 (the release's
    # noise is drawn anew for each test session, so which tiles are small varies).
    head = queries.headline(Filters(*queries.filter_options().default_years, districts=("multan",)))
    small = head[head["change_unit"] == "percent"]["value"].isna().any()
    assert ("<10" in page.inner_text(".pr-tiles")) == small
    walk(page, "multan-light", (2, 3))
    assert "theme=light" in page.url
    assert page.blocked == [], page.blocked


def test_auto_advance_moves_on_by_itself(hall, app_url):
    page = hall
    open_deck(page, app_url, "slide=6&auto=10", 6)
    wait_for_slide(page, 7)  # within the 30 s the wait allows; the timer is 10 s
    assert "auto=10" in page.url


# How each headline measure's label starts (a province's may add words: "Charge sheets submitted" in the year).
HEADLINE_LABELS = ("Cases reported", "Victims", "FIRs registered", "Charge sheets", "Convictions", "Conviction rate")


def _overview_numbers(page, app_url: str, query: str) -> dict[str, str]:
    page.goto(f"{app_url}/?{query}")
    # Every headline metric must be there: right after the navigation the previous page's elements and a part of
    # the new page's can be on screen together, with the script already reported as finished.
    page.wait_for_function(
        """labels => {
            const shown = [...document.querySelectorAll('[data-testid="stMetric"] [data-testid="stMetricLabel"]')]
                .map(e => e.textContent.trim());
            return labels.every(l => shown.some(s => s.startsWith(l)));
        }""", arg=list(HEADLINE_LABELS), timeout=60_000)
    settle(page)
    metrics = page.locator('[data-testid="stMetric"]')
    out = {}
    for i in range(metrics.count()):
        label = metrics.nth(i).locator('[data-testid="stMetricLabel"]').inner_text().strip()
        # The brief shows the number; the page adds its 95% margin ("753 ± 24").
        out[label] = metrics.nth(i).locator('[data-testid="stMetricValue"]').inner_text().strip().split(" ± ")[0]
    return out


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize(("area", "sidebar_query", "name"), [
    ("district:multan", "district=multan", "multan-district"),
    ("province:Punjab", "province=Punjab", "punjab"),
])
def test_brief_downloads_opens_offline_and_fits_one_a4_page(hall, browser, app_url, tmp_path, area, sidebar_query,
                                                            name):
    page = hall
    open_deck(page, app_url, f"slide=7&area={area}", 7)
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("Brief")).first.click()
    download = info.value
    assert download.suggested_filename.startswith(f"tip-brief-{name}-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    html = path.read_text(encoding="utf-8")
    assert "http" not in html and "<script" not in html

    reader = browser.new_page(viewport={"width": 1000, "height": 1300})
    fetched = []
    reader.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else
                 (fetched.append(r.request.url), r.abort()))
    reader.goto(path.as_uri())
    # Read from the DOM by measure (text_content does not depend on fonts or layout), named as the page names them.
    tiles = reader.locator(".tile")
    shown = {text.short(tiles.nth(i).get_attribute("data-measure")): tiles.nth(i).locator(".v").text_content().strip()
             for i in range(tiles.count())}
    assert [tiles.nth(i).locator(".l").text_content().strip() for i in range(tiles.count())] == list(shown)
    reader.screenshot(path=str(SHOTS / f"brief-{name}.png"), full_page=True)
    assert pdf_pages(reader.pdf(format="A4", print_background=True)) == 1
    reader.close()
    assert fetched == []

    overview = _overview_numbers(page, app_url, sidebar_query)
    def by_start(values: dict[str, str], label: str) -> str | None:
        return next((v for k, v in values.items() if k.startswith(label)), None)

    for label in HEADLINE_LABELS:
        assert by_start(shown, label) == by_start(overview, label) is not None, (label, shown, overview)


def test_every_page_has_a_copy_link(hall, app_url):
    page = hall
    page.goto(f"{app_url}/hotspots?measure=victims")
    settle(page)  # (the page's own choices are in the URL only once it has run)
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name=re.compile("Copy link")).click()
    link = page.locator('[data-testid="stPopoverBody"] code, [data-testid="stPopoverBody"] pre').first
    link.wait_for()
    text = link.inner_text()
    assert text.startswith(app_url) and "/hotspots" in text and "measure=victims" in text
    for path in ("/", "/conviction_gap", "/about"):
        page.goto(app_url + path)
        button = page.locator('[data-testid="stSidebar"]').get_by_role("button", name=re.compile("Copy link"))
        button.wait_for(timeout=60_000)  # drawn after the page, so its presence means the page ran to the end
        assert button.count() == 1, path
