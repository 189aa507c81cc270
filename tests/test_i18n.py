"""The Urdu catalogues (issue #15): every message translated, every marked string of the code in the catalogue,
place names with their source, number formats, and English left exactly as it was."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.apptest import open_page
from tipcore.config import REPO_ROOT
from tipdash import i18n, text, ui
from tipdash.i18n import _

REPO = Path(__file__).resolve().parent.parent
URDU_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN_LETTER = re.compile(r"[A-Za-z]")
EASTERN_DIGITS = re.compile(r"[\u0660-\u0669\u06F0-\u06F9]")


def catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale="ur")


def placeholders(message: str) -> set[str]:
    return {field[1] for field in string.Formatter().parse(message) if field[1] is not None}


@pytest.fixture
def urdu():
    i18n.set_language(i18n.URDU)
    yield
    i18n.set_language(i18n.ENGLISH)


def test_every_message_has_its_urdu_with_the_same_placeholders():
    messages = [m for m in catalogue(i18n.CATALOGUE) if m.id]
    assert len(messages) > 200
    untranslated = [m.id for m in messages if not m.string or m.fuzzy]
    assert not untranslated, untranslated
    for m in messages:
        assert placeholders(m.string) == placeholders(m.id), m.id
        if LATIN_LETTER.search(m.id.replace("TIP", "").replace("OpenDP", "")):  # words, not only codes
            assert URDU_LETTER.search(m.string), f"not Urdu: {m.id!r} -> {m.string!r}"


def test_every_string_the_code_marks_is_in_the_catalogue():
    """What `pybabel extract` (docs/translating.md) finds in the code now is what the catalogue holds: a new or
    changed English string fails here until the catalogue has it."""
    with (REPO / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    skip = {"data", "mutants", "tests", "etl", "artifacts", "benchmarks", "scripts", "tipcore", "docs"}
    marked = {message for _, _, message, _, _ in extract_from_dir(
        REPO, method_map, options_map, directory_filter=lambda path: Path(path).parts[-1] not in skip
        and not Path(path).name.startswith((".", "_")))}
    held = {m.id for m in catalogue(i18n.CATALOGUE) if m.id}
    assert marked - held == set(), "marked in the code, missing from messages.po (run pybabel extract/update)"
    assert held - marked == set(), "in messages.po but no longer in the code"


def test_every_place_of_the_gazetteer_has_its_urdu_name_and_source():
    gazetteer = pd.read_csv(REPO / "data" / "reference" / "districts.csv")
    names = {*gazetteer["name"], *gazetteer["division"], *gazetteer["province"]}
    places = {m.id: m for m in catalogue(i18n.PLACES) if m.id}
    assert names - set(places) == set()
    for name in names:
        entry = places[name]
        assert URDU_LETTER.search(entry.string) and not LATIN_LETTER.search(entry.string), name
        assert any(c.startswith("Urdu:") for c in entry.auto_comments), f"{name}: no source for its Urdu"
    # Where the gazetteer has one Urdu alias, that is the name shown.
    for _row_number, row in gazetteer.iterrows():
        aliases = [a for a in str(row["aliases"]).split("|") if URDU_LETTER.search(a)]
        if len(aliases) == 1:
            assert places[row["name"]].string == aliases[0], row["name"]


def test_english_is_the_source_and_unchanged():
    assert i18n.language() == i18n.ENGLISH
    assert _("Overview") == "Overview"
    assert text.with_margin("914", 24.4) == "914 ± 24"
    assert text.with_margin("12.5%", 3.14, " pp") == "12.5% ± 3.1 pp"
    assert text.period(2019, 2024) == "2019–2024"
    assert text.percent(1234.56) == "1234.6%"  # no thousands separator in a percentage, as before
    assert text.data_as_of(pd.Timestamp("2025-12-01")) == "December 2025"
    assert text.DEMO_NOTE.startswith("Synthetic demo data")
    assert text.OFFENCES["bonded_labour"] == "Bonded labour (debt bondage)"
    assert i18n.place("Multan") == "Multan"


@pytest.mark.parametrize("raw", [None, "", "en", "UR", "fr", "ur ", "<script>"])
def test_a_language_the_dashboard_does_not_have_is_english(raw):
    assert i18n.parse_language(raw) == i18n.ENGLISH


def test_urdu_wording_numbers_and_places(urdu):
    assert text.DEMO_NOTE == "فرضی نمونہ ڈیٹا: گھڑے ہوئے ریکارڈ، حقیقی مقدمات نہیں۔ بطور ثبوت حوالہ نہ دیں۔"
    assert text.short("cases") == "رپورٹ شدہ مقدمات"
    assert text.OFFENCES["bonded_labour"].startswith("جبری مشقت")
    assert i18n.place("Multan") == "ملتان" and i18n.place("Khyber Pakhtunkhwa") == "خیبر پختونخوا"
    assert text.district_label("Multan", "Punjab") == "ملتان (پنجاب)"
    # Western digits, thousands separators; a number with its margin kept left to right inside Urdu text.
    assert i18n.number(1234567.891, 1) == "1,234,567.9"
    assert text.percent(12.345) == "12.3%"
    assert text.with_margin("914", 24.4) == "\u2066914 ± 24\u2069"
    assert text.with_margin("12.5%", 3.14, " pp") == "\u206612.5% ± 3.1 فیصدی پوائنٹ\u2069"
    assert text.data_as_of(pd.Timestamp("2025-12-01")) == "دسمبر 2025"
    ranks = ui.format_table(pd.DataFrame({"rank": ["1", "2–7"]}), {"rank": ("rank", "Rank")})
    assert ranks.iloc[:, 0].tolist() == ["\u20661\u2069", "\u20662–7\u2069"]  # a range, not "7–2"
    assert "\u20662–7\u2069" in text.RANK_RANGE_NOTE and "فرق" in text.RANK_RANGE_NOTE
    sentence = text.smuggling_sentence(1234, included=False)
    assert "1,234" in sentence and not EASTERN_DIGITS.search(sentence) and not LATIN_LETTER.search(sentence)


def test_trafficking_and_smuggling_laws_keep_apart_in_urdu(urdu):
    """PTPA 2018 must not be called a smuggling law: the 2018 Acts separate the offences (docs/glossary.md)."""
    laws = text.LAW_GROUPS
    assert "اسمگلنگ" not in laws["PTPA 2018"] and "تجارت" in laws["PTPA 2018"]
    assert "اسمگلنگ" in laws["PSMA 2018"]
    assert "جبری مشقت" in laws["BLSA 1992"]


def test_overview_in_urdu_has_no_english_sentence(warehouse, boundaries):
    """The Overview run with lang=ur: its headings, captions and tiles are Urdu (codes and sources aside)."""
    at = open_page("overview", {"lang": "ur"})
    shown = [str(e.value) for kind in ("markdown", "caption", "warning", "subheader", "title")
             for e in getattr(at, kind) if not str(e.value).lstrip().startswith("<style")]
    shown += [m.label for m in at.metric]
    letters = "".join(shown)
    urdu_letters, latin_letters = len(URDU_LETTER.findall(letters)), len(LATIN_LETTER.findall(letters))
    assert urdu_letters / (urdu_letters + latin_letters) > 0.8, shown


def test_the_theme_serves_the_bundled_font_first_for_urdu_script_only():
    """Tables are drawn on a canvas in the theme's font list, not the page's CSS: without the bundled font there,
    letters the system's fallback lacks (ہ, ے) are empty boxes in every Urdu table."""
    settings = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    theme = settings["theme"]
    assert theme["font"].split(",")[0].strip() == i18n.FONT_FAMILY
    assert settings["server"]["enableStaticServing"] is True
    faces = [f for f in theme["fontFaces"] if f["family"] == i18n.FONT_FAMILY]
    assert {f["weight"] for f in faces} == {"400", "700"}
    for face in faces:
        assert face["url"].startswith("app/static/")
        assert (REPO_ROOT / face["url"].removeprefix("app/")).is_file()  # served from the repository's static/
        assert "U+0600-06FF" in face["unicodeRange"] and "U+0041" not in face["unicodeRange"]  # Latin falls through


def test_every_country_of_the_tier_tables_has_its_urdu_name_and_source():
    countries = set(pd.read_csv(REPO / "data" / "reference" / "tip_tiers.csv")["country"])
    places = {m.id: m for m in catalogue(i18n.PLACES) if m.id}
    assert countries - set(places) == set()
    for name in countries:
        assert URDU_LETTER.search(places[name].string) and not LATIN_LETTER.search(places[name].string), name
        assert any(c.startswith("Urdu:") for c in places[name].auto_comments), f"{name}: no source for its Urdu"
