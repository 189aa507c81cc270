"""The dashboard in Urdu (issue #15) in headless Chromium, with every non-local request aborted (offline):

* every page (TRANSLATED; Present slide by slide) at ``?lang=ur``: at least 60% of the visible letters in
  Urdu script (the rest are numbers, codes and proper names), the page right to left, the bundled Urdu font loaded
  and used (so glyphs, not empty boxes), no error; screenshots at 1366×768 and 390×844 (a slide at 1920×1080) in
  SHOTS for a human look;
* ``lang=ur`` survives the page menu and the copy link; the English / اردو switch changes the URL;
* the Urdu brief opens offline, reads right to left in the embedded font and prints on one A4 page.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import CHROMIUM, SHOTS, settle
from tests.e2e.test_present_browser import open_deck
from tipdash import brief, i18n, queries, scopes, slides
from tipdash.filters import Filters

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

ERROR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
# Pages whose every word is in the catalogue (Present is checked slide by slide below).
TRANSLATED = ["/", "/hotspots", "/conviction_gap", "/tier_ranking", "/explore", "/coverage", "/about"]
MIN_URDU_SHARE = 0.6

# Visible letters of the page: Urdu script against Latin, skipping Streamlit's icon ligatures (translate="no"), the
# hidden "skip to content" link and anything not rendered.
LETTERS_JS = """(root) => {
  const scope = root ? document.querySelector(root) : document.body;
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  let urdu = 0, latin = 0; const english = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('[translate="no"], script, style, [aria-hidden="true"], a[href^="#"]')) continue;
    if (!el.checkVisibility() || el.getBoundingClientRect().width === 0) continue;
    const t = n.textContent;
    urdu += (t.match(/[\\u0600-\\u06FF\\u0750-\\u077F\\uFB50-\\uFDFF\\uFE70-\\uFEFF]/g) || []).length;
    const l = (t.match(/[A-Za-z]/g) || []).length;
    latin += l;
    if (l) english.push(t.trim().slice(0, 50));
  }
  return {urdu, latin, share: urdu / Math.max(1, urdu + latin), english};
}"""
# The bundled font is declared and loaded (fonts.check alone says true for a family no rule declares), and the
# browser lays Urdu out in it: a phrase measured in the bundled font alone and in the page's font stack has the same
# width (a fallback font or missing glyphs give another width).
FONT_JS = f"""async () => {{
  await document.fonts.ready;
  const family = '"{i18n.FONT_FAMILY}"';
  const loaded = [...document.fonts].some(face => face.family.replace(/["']/g, '') === '{i18n.FONT_FAMILY}'
                                                   && face.status === 'loaded');
  const probe = document.createElement('span');
  probe.textContent = 'انسانی تجارت اور جبری مشقت';
  probe.style.cssText = 'position:absolute;top:0;white-space:nowrap;font-size:16px;font-family:' + family;
  document.body.appendChild(probe);
  const alone = probe.getBoundingClientRect().width;
  probe.style.fontFamily = '';
  const inPage = probe.getBoundingClientRect().width;
  probe.remove();
  return {{loaded, alone, inPage}};
}}"""


def check_urdu(page, name: str, root: str | None = '[data-testid="stApp"]',
               direction_of: str = '[data-testid="stMain"]'):
    assert page.locator(ERROR).count() == 0, f"error shown on {name}"
    letters = page.evaluate(LETTERS_JS, root)
    assert letters["share"] >= MIN_URDU_SHARE, (name, letters)
    assert page.evaluate(f"() => getComputedStyle(document.querySelector('{direction_of}')).direction") == "rtl", name
    font = page.evaluate(FONT_JS)
    assert font["loaded"] and abs(font["alone"] - font["inPage"]) < 0.5, (name, font)
    return letters


@pytest.mark.parametrize("path", TRANSLATED)
def test_translated_pages_read_in_urdu_right_to_left_offline(offline_page, app_url, path):
    page = offline_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{app_url}{path}?lang=ur")
        settle(page)
        letters = check_urdu(page, path)
        name = path.strip("/") or "overview"
        page.screenshot(path=str(SHOTS / f"urdu-{name}-{width}.png"), full_page=True)
        print(f"{path} at {width}px: {letters['share']:.1%} Urdu letters ({letters['urdu']} Urdu, {letters['latin']} "
              f"Latin: {letters['english']})")
    assert page.blocked == [] or not [u for u in page.blocked if "font" in u], page.blocked


def test_every_slide_reads_in_urdu(offline_page, app_url):
    page = offline_page
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(app_url)  # a first visit through the entry point, so the deep link below opens as a page
    settle(page)
    open_deck(page, app_url, "lang=ur&slide=1", 1)
    for number in range(1, len(slides.SLIDES) + 1):
        if number > 1:
            page.keyboard.press("ArrowRight")
            open_deck(page, app_url, f"lang=ur&slide={number}", number)
        letters = check_urdu(page, f"slide {number}")
        assert "lang=ur" in page.url, "the deck dropped the language"
        page.screenshot(path=str(SHOTS / f"urdu-slide-{number}.png"))
        print(f"slide {number}: {letters['share']:.1%} Urdu letters ({letters['english']})")


def test_the_language_survives_the_menu_and_the_copy_link_and_the_switch_changes_it(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/?lang=ur&years=2024-2025")
    settle(page)
    links = page.locator('[data-testid="stPageLink-NavLink"]')
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    assert hrefs and all("lang=ur" in h and "years=2024-2025" in h for h in hrefs), hrefs
    links.nth(2).click()
    settle(page)
    assert "lang=ur" in page.url and page.evaluate(LETTERS_JS, '[data-testid="stSidebar"]')["share"] > 0.6
    page.get_by_text("لنک کاپی کریں").click()  # "Copy link"
    assert "lang=ur" in page.locator('[data-testid="stCode"]').inner_text()
    page.keyboard.press("Escape")
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    settle(page)
    page.wait_for_function("() => !new URLSearchParams(location.search).has('lang')", timeout=30_000)
    assert page.evaluate(LETTERS_JS, '[data-testid="stSidebar"]')["share"] < 0.2, "still Urdu after English"


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("area", ["Multan", "Punjab", "south-punjab"])
def test_the_urdu_brief_reads_right_to_left_offline_on_one_a4_page(browser, warehouse, boundaries, area, tmp_path):
    from tipdash import boundaries as layers

    options = queries.filter_options()
    scope = scopes.resolve(area, options)
    i18n.set_language(i18n.URDU)
    try:
        html = brief.build(scope, Filters(*options.default_years), options,
                           layers.load_layer("districts") if boundaries else None)
    finally:
        i18n.set_language(i18n.ENGLISH)
    path = tmp_path / "brief-ur.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 1300})
    requests = []
    page.route("**/*", lambda r: (r.continue_() if r.request.url.startswith(("file:", "data:")) else
                                  (requests.append(r.request.url), r.abort())))
    page.goto(path.as_uri())
    check_urdu(page, f"brief {area}", root=None, direction_of="html")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"urdu-brief-{area}.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf_pages(pdf) == 1, f"{area}: the Urdu brief runs over one A4 page"
    page.close()
    assert requests == [], requests
