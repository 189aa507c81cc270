"""One area, four renderings (issue #12): the Overview page, the slides, the one-page brief and the PowerPoint deck
show the same numbers and the same words for the same area, because they render one set of facts (queries.headline,
the funnel, brief.findings, the slides' ranking rows and band counts) with one wording (tipdash/text.py)."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest

from tests.apptest import open_page
from tipdash import boundaries, brief, deck, queries, scopes, slides, text
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


def _slide_number(key: str) -> int:
    return next(i for i, (name, _) in enumerate(slides.SLIDES, start=1) if name == key)


def _deck_lines(scope, f, options, monkeypatch) -> list[list[str]]:
    """Every paragraph of every slide of the PowerPoint deck (its charts left blank: kaleido is not what is tested)."""
    from PIL import Image
    from pptx import Presentation

    def blank_images(figures, paths, **_):
        for path in paths:
            Image.new("RGB", (2, 2)).save(path)

    monkeypatch.setattr(deck.pio, "write_images", blank_images)
    pptx = deck.build(scope, f, options, queries.data_status(), slides.themed("dark"),
                      boundaries.load_layer("districts"), boundaries.load_layer("provinces"))
    return [[p.text for shape in s.shapes if shape.has_text_frame for p in shape.text_frame.paragraphs]
            for s in Presentation(io.BytesIO(pptx)).slides]


@pytest.mark.parametrize("area", ["Punjab", "Multan"])
def test_the_deck_says_what_the_slides_say(area, options, monkeypatch):
    scope = scopes.resolve(area, options)
    f = Filters(*options.default_years)
    lines = _deck_lines(scope, f, options, monkeypatch)
    assert len(lines) == len(slides.SLIDES)

    def slide(key: str) -> str:
        return unescape(_slide_html(open_page("present", {"slide": str(_slide_number(key)), "area": area})))

    numbers = lines[_slide_number("numbers") - 1]
    for value, margin in _tiles(slide("numbers")).values():
        assert value in numbers and (not margin or margin in numbers), (value, margin)
    ranking = re.findall(r'<td class="i">([^<]*)</td><td>([^<]*)</td><td class="n">([^<]*)</td>', slide("map"))
    expected = [f"{i}. {name}: {value}" if i else f"{name}: {value}" for i, name, value in ranking]
    assert ranking and [line for line in lines[_slide_number("map") - 1] if line in expected] == expected
    bands = re.findall(r"</i>([^<:]*): <b>(\d+)</b>", slide("scorecard"))
    assert bands and [f"{band}: {n}" for band, n in bands] == \
        [line for line in lines[_slide_number("scorecard") - 1] if line.split(":")[0] in slides.band_order()]
    cards = slide("findings")
    for words in lines[_slide_number("findings") - 1]:
        assert words in cards, words
