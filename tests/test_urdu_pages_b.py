"""Urdu (issue #15) on Explore and download, Data coverage and About and methods, and in what they hand out: the
pages run at lang=ur with no exception and no English sentence; a table download's definitions, README and
citation are Urdu while its column names and data cells stay the English identifiers researchers' code reads."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest

from tests.apptest import open_in_urdu, open_page
from tests.test_downloads import CITE, NOTES
from tipdash import citation, downloads, i18n, queries, scopes, text
from tipdash.filters import Filters

URDU_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN_LETTER = re.compile(r"[A-Za-z]")
# An English sentence: three or more English words in a row (codes, file names and proper names are shorter).
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,}){2,}")
# What may stay Latin inside Urdu text: identifiers, commands, file names, the library's and sources' names.
ALLOWED = re.compile(r"`[^`]*`|\b(?:OpenDP|OpenStreetMap|Natural Earth|ODbL|BibTeX|RIS|CNIC|CTDC|TIP_PUBLIC_URL"
                     r"|pbs\.gov\.pk|state\.gov|\S+\.(?:csv|toml|json|cff))\b")
PAGES = ["explore", "coverage", "about"]


@pytest.fixture
def urdu():
    i18n.set_language(i18n.URDU)
    yield
    i18n.set_language(i18n.ENGLISH)



def shown_text(at) -> list[str]:
    """Every sentence-bearing element of a page run: headings, text, captions, notices, labels and tabs."""
    shown = [str(e.value) for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success")
             for e in getattr(at, kind) if not str(e.value).lstrip().startswith("<style")]
    shown += [e.label for kind in ("selectbox", "expander", "tabs") for e in getattr(at, kind)]
    return shown


def english_sentences(texts: list[str]) -> list[str]:
    return [m.group(0) for t in texts for m in ENGLISH_RUN.finditer(ALLOWED.sub(" ", t))]


@pytest.mark.parametrize("page", PAGES)
def test_page_in_urdu_has_no_english_sentence(page, warehouse, boundaries):
    at = open_in_urdu(page, {"years": "2015-2025"})
    assert at.sidebar and at.title, page  # the run went through dashboard.py, which draws the sidebar
    shown = shown_text(at)
    assert shown and not english_sentences(shown), english_sentences(shown)
    letters = "".join(shown)
    urdu, latin = len(URDU_LETTER.findall(letters)), len(LATIN_LETTER.findall(letters))
    assert urdu / (urdu + latin) > 0.8, (page, urdu, latin)


def test_the_same_pages_in_english_have_english_sentences(warehouse, boundaries):
    """The check above can fail: English pages are full of English sentences."""
    assert english_sentences(shown_text(open_page("about", {"years": "2015-2025"})))


def test_urdu_download_explains_itself_in_urdu_and_keeps_its_identifiers(urdu):
    frame = pd.DataFrame({"district_id": ["lahore"], "year": [2023], "cases": [7.0], "cases_moe": [4.4]})
    files = {f.name.rsplit(".", 1)[1]: f for f in downloads.files(frame, "district_year", NOTES, ["cases"])}
    data = pd.read_csv(io.BytesIO(files["csv"].data))
    assert list(data.columns) == ["data_status", "district_id", "year", "cases", "cases_moe", "cases_flag"]
    assert data.loc[0, "cases_flag"] == downloads.FLAG_SMALL and data.loc[0, "data_status"] == downloads.DEMO_VALUE
    sheets = pd.read_excel(io.BytesIO(files["xlsx"].data), sheet_name=None)
    assert list(sheets) == ["data", "definitions", "citation"]  # sheet names are identifiers too
    defs = sheets["definitions"]
    assert list(defs.iloc[:, 0]) == list(data.columns)  # the definitions name the columns as the data does
    for meaning in defs.iloc[:, 2]:
        assert URDU_LETTER.search(meaning) and not english_sentences([meaning]), meaning
    with zipfile.ZipFile(io.BytesIO(files["zip"].data)) as z:
        readme = z.read(next(n for n in z.namelist() if n.endswith("README.md"))).decode("utf-8")
    # The README's words, leaving out its title (the caller's: English in NOTES), the table of columns (checked
    # above) and the BibTeX and RIS records (tested below).
    records = ("# ", "|", "@", "  ", "}", *(f"{tag}  - " for tag in ("TY", "AU", "TI", "PB", "PY", "DA", "ET", "UR",
                                                                       "Y2", "N1", "ER")))
    prose = "\n".join(line for line in readme.splitlines() if not line.startswith(records))
    assert not english_sentences([prose]), english_sentences([prose])
    assert CITE.text() in readme and URDU_LETTER.search(CITE.text())


def test_urdu_citation_keeps_its_identifiers(urdu):
    assert citation.MAINTAINERS == "پاکستان ٹی آئی پی ڈیٹا ڈیش بورڈ کے منتظمین"
    assert CITE.bibtex().startswith("@misc{pakistan_tip_release_abc123,")
    assert "2026-12-03" in CITE.text() and "abc123" in CITE.text() and not english_sentences([CITE.text()])


def test_urdu_area_names_in_the_picker_and_for_a_selection(urdu, warehouse, boundaries):
    options = queries.filter_options()
    assert scopes.picker_label(scopes.resolve("south-punjab", options)) == "جنوبی پنجاب (خطہ: پنجاب کے ڈویژن)"
    assert scopes.picker_label(scopes.resolve("multan", options)) == "ضلع ملتان (پنجاب)"
    five = tuple(list(options.districts)[:5])
    selection = scopes.from_filters(Filters(2020, 2024, districts=five), options)
    assert selection.kind == "selection" and text.scope_label(selection).endswith("اور مزید 2 اضلاع")
    assert not LATIN_LETTER.search(text.scope_label(selection))


@pytest.mark.slow
def test_urdu_powerpoint_deck_reads_right_to_left(warehouse, boundaries, urdu):
    """The deck built at lang=ur, as the Present page's button builds it (later, in a server thread): Urdu titles
    and text, paragraphs right to left in a font with Urdu's letters, the layout mirrored."""
    from concurrent.futures import ThreadPoolExecutor

    from pptx import Presentation
    from pptx.oxml.ns import qn

    from tipdash import boundaries as layers
    from tipdash import deck, slides

    options = queries.filter_options()
    scope, f = scopes.resolve("multan", options), Filters(*options.default_years)
    later = deck.deferred(scope, f, options, {"is_demo": True, "release_id": "r1"}, slides.THEMES["dark"],
                          layers.load_layer("districts"), layers.load_layer("provinces"))
    with ThreadPoolExecutor(1) as pool:  # a thread of its own, as Streamlit runs a deferred download
        prs = Presentation(io.BytesIO(pool.submit(later).result()))
    assert [s.shapes.title.text for s in prs.slides][0] == slides.wording("numbers")
    letters = ""
    for s in prs.slides:
        assert s.notes_slide.notes_text_frame.text.startswith("ماخذ:")
        for para in (p for sh in s.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs if p.text):
            letters += para.text
            if URDU_LETTER.search(para.text):
                assert para._p.pPr.get("rtl") == "1", para.text
            assert all(r._r.rPr.find(qn("a:cs")).get("typeface") == deck.URDU_FONT for r in para.runs), para.text
    urdu_letters, latin = len(URDU_LETTER.findall(letters)), len(LATIN_LETTER.findall(letters))
    assert urdu_letters / (urdu_letters + latin) > 0.6, (urdu_letters, latin)
    (chart,) = [sh for sh in prs.slides[1].shapes if sh.shape_type == 13]
    assert chart.left > prs.slide_width * 0.3  # the map at the right, as the Urdu page lays it out


def test_release_table_codes_are_labelled_in_urdu_only():
    table = pd.DataFrame({"kind": ["trafficking"], "offence": ["bonded_labour"], "district_id": ["multan"],
                          "cases": [5.0], "cases_moe": [3.0]})
    districts = {"multan": ("Multan", "Punjab")}
    assert text.labelled_codes(table, districts) is table  # English: the codes as published and downloaded
    i18n.set_language(i18n.URDU)
    try:
        shown = text.labelled_codes(table, districts).rename(columns=text.column_header)
    finally:
        i18n.set_language(i18n.ENGLISH)
    assert shown.iloc[0].tolist()[:3] == ["انسانی تجارت", "جبری مشقت (قرض کی غلامی)", "ملتان"]
    assert list(shown.columns)[-1] == "رپورٹ شدہ مقدمات: 95 فیصد حدِ خطا"
    assert table["kind"].tolist() == ["trafficking"]  # the query's frame is not changed
