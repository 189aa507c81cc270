"""Urdu (issue #15) on District hotspots, Conviction gap and Tier ranking: each page at lang=ur runs without an
exception and shows no English sentence (its headings, captions, notices, tile and table headers); their charts and
maps speak Urdu in titles, axes, legends and hovers; English stays exactly as it was."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from tests.apptest import open_in_urdu
from tipdash import (
    charts,
    i18n,
    maps,
    published_charts,
    queries,
    reference_facts,
    returns_queries,
    returns_view,
    slides,
    text,
    tier_map,
)
from tipdash.filters import Filters

URDU_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# Names that stay as their publishers write them (issue #15: source names stay as published), and the language
# switch, which names each language in itself ("Language · زبان").
AS_PUBLISHED = ("Heiss & Kelley", "Global Slavery Index", "Walk Free", "Language")


@pytest.fixture
def urdu():
    i18n.set_language(i18n.URDU)
    yield
    i18n.set_language(i18n.ENGLISH)


def english_words(strings, published: tuple[str, ...] = ()) -> list[str]:
    """The English words of ``strings`` (links, HTML tags, plotly's %{placeholders}, code and names kept as published
    left out)."""
    found = []
    for value in strings:
        value = re.sub(r"<[^>]+>|%\{[^}]*\}|\(https?://[^)]*\)|https?://\S+|`[^`]*`", " ", str(value))
        for name in sorted({*AS_PUBLISHED, *published}, key=len, reverse=True):
            value = value.replace(name, " ")
        found += LATIN_WORD.findall(value)
    return found



def shown_words(at) -> list[str]:
    """Every piece of text the page shows: headings, captions, notices, tiles, widget labels, table headers."""
    shown = [str(e.value) for kind in ("markdown", "caption", "warning", "info", "subheader", "title")
             for e in getattr(at, kind) if not str(e.value).lstrip().startswith("<style")]
    shown += [m.label for m in at.metric]
    shown += [w.label for kind in ("selectbox", "slider", "select_slider", "segmented_control", "button")
              for w in getattr(at, kind)]
    shown += [b.proto.label for b in at.get("download_button")]  # the district brief's "Briefing pack: ..."
    # Table headers (a frame drawn with a column_config keeps its column ids here; those are not shown).
    shown += [str(c) for d in at.dataframe for c in d.value.columns if not re.fullmatch(r"[a-z0-9_]+", str(c))]
    return shown


PAGES = [
    ("hotspots", {}),
    ("hotspots", {"district_profile": "multan", "measure": "change"}),
    ("conviction_gap", {}),
    ("conviction_gap", {"view": "cohort", "level": "district"}),
    ("tier_ranking", {}),
]


@pytest.mark.parametrize(("page", "params"), PAGES)
def test_page_in_urdu_has_no_english_sentence(warehouse, boundaries, page, params):
    at = open_in_urdu(page, params)
    shown = shown_words(at)
    assert len(shown) > 10, shown
    # Agencies' returns keep their agency's name and citation as published.
    returns = returns_queries.returns_for(Filters(*queries.filter_options().default_years))
    published = tuple(str(v) for v in {*returns["agency"], *returns["citation"]} if isinstance(v, str))
    assert english_words(shown, published) == [], page


def figure_words(fig) -> list[str]:
    """Title, subtitle, axis titles and tick labels, legend names, hovers, bar texts and annotations of a figure."""
    layout = fig.layout
    words = [layout.title.text, layout.title.subtitle.text, *(a.text for a in layout.annotations)]
    for axis in (layout.xaxis, layout.yaxis):
        words += [axis.title.text, *(axis.ticktext or ())]
    for trace in fig.data:
        words.append(trace.name if trace.showlegend is not False else "")
        shown = ("text", "hovertemplate", *(("customdata",) if "customdata" in str(trace.hovertemplate) else ()))
        for attribute in shown:  # customdata only where the hover shows it (a map's carries district ids)
            value = getattr(trace, attribute, None)
            if value is not None:
                words += [value] if isinstance(value, str) else [str(v) for v in list(value)]
        colorbar = getattr(getattr(trace, "marker", None), "colorbar", None) or getattr(trace, "colorbar", None)
        if colorbar is not None:
            words.append(colorbar.title.text)
    return [w for w in words if w and w != "None"]


def test_charts_and_maps_speak_urdu(urdu, warehouse, boundaries):
    from tipdash import boundaries as layers

    f = Filters(2019, 2024)
    districts = queries.district_measures(f)
    progress = queries.cohort_progress(f)
    geo = layers.load_layer("districts")
    figures = {
        "district map": maps.district_map(districts, "cases_per_100k", "rate", "عنوان", text.short("cases_per_100k"),
                                          geo, extra=[("cases", text.short("cases"), "count"),
                                                      ("change", text.short("change"), "change")]),
        "rate map": maps.district_map(queries.attrition_by_area(f, "district"), "conviction_rate", "percent", "عنوان",
                                      text.short("conviction_rate"), geo),
        "bubbles": maps.district_bubbles(districts, "change", "change", "عنوان", text.short("change")),
        "funnel": charts.funnel(queries.funnel(f), f.period),
        "outcomes": charts.stacked_outcomes(queries.trial_outcomes(f), f.period),
        "victims": charts.victim_profile(queries.victim_profile(f), "عنوان"),
        "cohort rate": charts.rate_over_time(progress, "conviction_rate", "عنوان", complete=progress["complete"]),
    }
    scored = queries.score_districts(queries.scorecard_inputs(f), dict.fromkeys(queries.SCORE_INDICATORS, 1))
    figures["scorecard"] = maps.categorical_district_map(scored, "band", queries.BAND_ORDER, charts.BAND_COLOURS,
                                                         "عنوان", geo, hover=maps.scorecard_hover(scored))
    year = reference_facts.mapped_report_years()[-1]
    tiers = reference_facts.country_tiers(year)
    figures["tier map"] = tier_map.tier_map(tiers, layers.load_layer("countries"), year)
    # Country names outside Pakistan have no Urdu in the place catalogue; a placement's source names its website.
    names = (*tiers["country"], *(f"({host})" for host in tiers["source"].str.extract(r"\(([^()]*)\)$")[0].dropna()))
    for name, fig in figures.items():
        words = figure_words(fig)
        assert any(URDU_LETTER.search(w) for w in words), name
        assert english_words(words, names if name == "tier map" else ()) == [], name


def test_published_figures_read_numbers_without_latin_suffixes(urdu, warehouse):
    """Plotly's "10k" and "1.5M" are Latin letters: in Urdu the axes print whole numbers."""
    figures = reference_facts.published_figures()
    victims = figures[figures["stage"].eq("victims")]
    for fig in (published_charts.published_figures(figures),
                published_charts.estimated_against_reported(reference_facts.slavery_estimates(), victims)):
        assert {axis.tickformat for axis in (fig.layout.xaxis, fig.layout.yaxis)} & {"~s"} == set()


def test_returns_table_and_source_lines_in_urdu(urdu):
    figures = pd.DataFrame({
        "return_source": ["r1"] * 2, "agency": ["District Police Office Kohlu"] * 2, "published": [True] * 2,
        "citation": ["Balochistan Police, 2024"] * 2, "url": [None] * 2, "period": ["month"] * 2,
        "measures": ["cases firs"] * 2, "by_district": [True] * 2, "covers": ["Kohlu"] * 2, "areas": [1] * 2,
        "measure": ["cases", "firs"], "value": [12.0, None], "flags": [0, 2], "moe": [None, None]})
    table = returns_view.summary_table(figures)
    assert list(table[table.columns[0]]) == ["رپورٹ شدہ مقدمات", "ایف آئی آرز"]
    assert table.columns[1] == "District Police Office Kohlu کی رپورٹ"  # the agency's name as published
    note = returns_view.sources_note(figures)
    assert "ماہانہ گوشوارہ، کوہلو ضلع وار" in note and "شائع شدہ" in note


def test_small_count_labels_read_left_to_right_inside_urdu_sentences(urdu):
    """Inside right-to-left text a bare "<5" is drawn mirrored ("5>"): every sentence that quotes the label keeps it
    in a left-to-right isolate, as the numbers with margins are."""
    for label, sentence in ((returns_view.BELOW, returns_view.note()), (text.SUPPRESSED, text.SUPPRESSION_NOTE),
                            (html.escape(text.SUPPRESSED), slides.footer(None, "", 1, None, warning="نامعلوم"))):
        assert URDU_LETTER.search(sentence)
        assert f"\u2066{label}\u2069" in sentence
        assert sentence.count(label) == 1


def test_number_ranges_on_the_slides_read_left_to_right_in_urdu(urdu):
    """Inside right-to-left text a bare "2 / 7" (slide 2 of 7) is drawn "7 / 2", and "1–9" as "9–1": the slides'
    counter and footer keep every number range in a left-to-right isolate."""
    chrome = slides.position(2) + slides.footer(None, "", 2, None, warning="نامعلوم")
    ranges = re.findall(r"\d+ ?[–/-] ?\d+", chrome)
    assert URDU_LETTER.search(chrome) and ranges
    assert all(f"\u2066{r}\u2069" in chrome for r in ranges), ranges


def test_scorecard_band_spans_in_urdu(urdu):
    assert text.band_range("Band 1 or Band 2") == "بینڈ 1 یا بینڈ 2"
    assert text.band_range("Band 1 to Band 3") == "بینڈ 1 سے بینڈ 3 تک"
    assert text.band_range(queries.INSUFFICIENT) == "ناکافی ڈیٹا"


def test_english_pages_words_unchanged():
    assert text.band_range("Band 1 or Band 2") == "Band 1 or Band 2"
    assert tier_map.INFERRED_SUFFIX == " (inferred, not stated)"
    assert reference_facts.source_label("op-ed", "https://www.example.org/x") == \
        "an op-ed paraphrasing the TIP Report (example.org)"
    df = pd.DataFrame({"name": ["A"], "province": ["Punjab"], "cases": [None], "change": [None],
                       "population": [1]})
    assert maps.value_labels(df, "change", "change") == ["not available (fewer than 10 cases)"]
