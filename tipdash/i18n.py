"""The dashboard's languages: English (the source) and Urdu, read from a gettext catalogue with Babel.

Every English string a user reads is a message id: ``_("Overview")`` returns it in the language of the current run.
The Urdu wording lives in ``locales/ur/LC_MESSAGES/messages.po``, read once per process with Babel's PO reader
(no compile step, so a translator edits the .po file and restarts the server). ``N_`` marks a string for the
catalogue where it is defined (a constant) and leaves it in English; it is translated where it is shown.

The language of a run is a context variable, set by ``dashboard.py`` from the URL's ``lang`` before anything is
drawn: Streamlit runs each script run in a thread of its own, and builders (charts, slides, the brief) read the
language from here without calling Streamlit.
"""

from __future__ import annotations

import base64
import functools
from contextvars import ContextVar
from pathlib import Path

import pandas as pd
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

ENGLISH = "en"
URDU = "ur"
LANGUAGES = {ENGLISH: "English", URDU: "اردو"}  # each language named in itself, as a switch shows it
URL_KEY = "lang"

LOCALES = Path(__file__).resolve().parent.parent / "locales"
CATALOGUE = LOCALES / URDU / "LC_MESSAGES" / "messages.po"
# Place names (provinces, divisions, districts of the gazetteer) in a catalogue of their own: they are data, not
# strings of the code, and each Urdu spelling carries its source as a comment.
PLACES = LOCALES / URDU / "LC_MESSAGES" / "places.po"
# The font files: embedded in slides and briefs, and served to the page by the theme (.streamlit/config.toml).
FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_FAMILY = "TIP Urdu"  # Noto Naskh Arabic (SIL OFL), bundled so Urdu renders the same offline and in print
# Babel's locale for Urdu as written in Pakistan: Western digits (CLDR's default numbering for ur_PK), as
# Pakistani official documents mostly print them.
URDU_LOCALE = "ur_PK"

_language: ContextVar[str] = ContextVar("tip_language", default=ENGLISH)


def parse_language(raw: str | None) -> str:
    """The language a URL value asks for; English for anything else (the value is never trusted further)."""
    return raw if raw in LANGUAGES else ENGLISH


def set_language(lang: str) -> None:
    """The language of this run (and of everything built in it)."""
    _language.set(parse_language(lang))


def language() -> str:
    return _language.get()


def is_urdu() -> bool:
    return _language.get() == URDU


def direction() -> str:
    """'rtl' for Urdu, 'ltr' for English: the ``dir`` of pages, slides and the brief."""
    return "rtl" if is_urdu() else "ltr"


def _translations(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=URDU)
    return {m.id: m.string for m in catalogue if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


@functools.cache
def urdu_messages() -> dict[str, str]:
    """msgid -> Urdu text, for every translated message of the catalogue (read once per process)."""
    return _translations(CATALOGUE)


@functools.cache
def urdu_places() -> dict[str, str]:
    """English place name (as the gazetteer spells it) -> its Urdu name."""
    return _translations(PLACES)


def _(message: str) -> str:
    """``message`` in the language of this run (the English source when no translation exists)."""
    if _language.get() == ENGLISH:
        return message
    return urdu_messages().get(message, message)


def isolate(value: str) -> str:
    """In Urdu, a number with its margin or sign ("927 ± 60") kept left to right inside right-to-left text (Unicode
    isolates); unchanged in English."""
    return f"\u2066{value}\u2069" if _language.get() != ENGLISH and value else value


RTL_EMBEDDING = ("\u202b", "\u202c")  # right-to-left embedding and its end


def right_to_left(line: str) -> str:
    """In Urdu, one line of SVG text (a chart title) read right to left: plotly writes its text left to right, which
    puts an Urdu line's punctuation and numbers at the wrong end. Unchanged in English."""
    if _language.get() == ENGLISH or not line:
        return line
    return RTL_EMBEDDING[0] + line + RTL_EMBEDDING[1]


def place(name: str) -> str:
    """A province, division or district name in the language of this run (as the gazetteer spells it in English)."""
    if _language.get() == ENGLISH or not isinstance(name, str):
        return name
    return urdu_places().get(name, name)


def N_(message: str) -> str:
    return message


def number(value: float, decimals: int = 0, grouping: bool = True) -> str:
    """A number with ``decimals`` places (and thousands separators unless ``grouping`` is off), as the current
    language writes it. English keeps Python's own formatting, so its wording and rounding are unchanged."""
    if _language.get() == ENGLISH:
        return f"{value:{',' if grouping else ''}.{decimals}f}"
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=URDU_LOCALE)


def date_time(when: pd.Timestamp) -> str:
    """'03 Dec 2026 14:05', or its Urdu."""
    if _language.get() == ENGLISH:
        return when.strftime("%d %b %Y %H:%M")
    return format_date(when.date(), "d MMMM y", locale=URDU_LOCALE) + when.strftime(" %H:%M")


def month_year(when: pd.Timestamp) -> str:
    """'December 2025', or its Urdu ('دسمبر 2025')."""
    if _language.get() == ENGLISH:
        return when.strftime("%B %Y")
    return format_date(when.date(), "MMMM y", locale=URDU_LOCALE)


@functools.cache
def _font_data(weight: int) -> str:
    data = (FONT_DIR / f"noto-naskh-arabic-arabic-{weight}-normal.woff2").read_bytes()
    return base64.b64encode(data).decode("ascii")


# The Arabic-script ranges of the bundled subset: other characters fall through to the page's own font.
_ARABIC_RANGE = "U+0600-06FF,U+0750-077F,U+0870-08FF,U+200C-200F,U+2010-2011,U+FB50-FDFF,U+FE70-FEFC"


def font_face_css() -> str:
    """@font-face rules for the bundled Urdu font, embedded as data URIs: nothing is fetched, so the page, the
    slides and the saved brief render Urdu with no internet and no system font."""
    return "".join(
        f"@font-face{{font-family:'{FONT_FAMILY}';font-style:normal;font-weight:{weight};font-display:block;"
        f"src:url(data:font/woff2;base64,{_font_data(weight)}) format('woff2');unicode-range:{_ARABIC_RANGE};}}"
        for weight in (400, 700)
    )


def extract_text_module(fileobj, keywords, comment_tags, options):
    """Babel's extraction method for ``tipdash/text.py`` (``babel.cfg``): its marked strings, and the labels of
    the code lists it takes from ``tipcore.vocab`` and shows translated (they are not literals in this package)."""
    from babel.messages.extract import extract_python  # noqa: PLC0415 - only the catalogue tools need it

    from tipdash import text  # noqa: PLC0415 - text imports this module

    yield from extract_python(fileobj, keywords, comment_tags, options)
    for labels in text.CODE_LISTS.values():
        for words in labels.values():
            yield 0, "N_", words, []
