"""One area, three renderings (issue #12): the Overview page, the slides and the one-page brief show the same
numbers and the same words for the same area, because they render one set of facts (queries.headline, the funnel and
brief.findings) with one wording (tipdash/text.py)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.apptest import open_page
from tipdash import brief, queries, scopes, slides, text
from tipdash.filters import Filters


@pytest.fixture
def options(warehouse, boundaries):
    return queries.filter_options()


def _tiles(html: str) -> dict[str, tuple[str, str]]:
    """measure -> (value, margin) of the headline tiles of a slide or the brief."""
    found = re.findall(r'data-measure="([a-z_]+)"[^>]*><div class="v[^"]*">([^<]*)</div><div class="m">([^<]*)</div>',
                       html)
    return {m: (unescape(v), unescape(moe)) for m, v, moe in found}


def _slide_html(at) -> str:
    return "".join(str(m.value) for m in at.main.markdown if not str(m.value).startswith("<style>"))


@pytest.mark.parametrize("area", ["Punjab", "Multan"])
def test_page_slide_and_brief_say_the_same_about_an_area(area, options):
    scope = scopes.resolve(area, options)
    f = Filters(*options.default_years)
    head = queries.headline(scope.apply(f))
    # 1. The page: the Overview with the area's filter.
    params = {"province": area} if scope.kind == "province" else {"district": scope.value}
    page = {m.label: m.value for m in open_page("overview", params).metric}
    # 2. The slides: the key numbers and the findings.
    number = next(i for i, (key, _) in enumerate(slides.SLIDES, start=1) if key == "numbers")
    findings_slide = next(i for i, (key, _) in enumerate(slides.SLIDES, start=1) if key == "findings")
    deck = _slide_html(open_page("present", {"slide": str(number), "area": area}))
    cards = _slide_html(open_page("present", {"slide": str(findings_slide), "area": area}))
    # 3. The brief.
    html = brief.build(scope, f, options)
    on_slide, in_brief = _tiles(deck), _tiles(html)
    assert set(on_slide) == set(in_brief) == set(head["measure"])
    for row in head.itertuples():
        value, margin = in_brief[row.measure]
        assert on_slide[row.measure] == (value, margin), row.measure
        shown = page[text.short(row.measure)]
        assert shown == (f"{value} {margin}" if margin else value), row.measure  # the page's tile: "914 ± 24"
    for finding in brief.findings(brief.collect(scope, f, options)):
        for words in (finding.title, finding.detail):
            assert words in unescape(cards) and words in unescape(html), words
