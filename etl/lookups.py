"""Lookups for standardising: agency codes, legal sections, countries and sentences.

Each function turns the few distinct raw values of a build into a small table that the SQL joins on, so the work
grows with the number of distinct spellings, not with the number of rows.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import pycountry

from etl.folding import folded
from etl.layouts import CODED_FIELDS, CONTRACT_CODES, Layout
from tipcore.vocab import AGE_BAND_RANGES, OTHER_LAW

YES = {"yes", "y", "true", "1", "referred", "haan", "ہاں", "جی ہاں"}
NO = {"no", "n", "false", "0", "not referred", "nahi", "نہیں", "جی نہیں"}

# Every ISO 3166-1 country comes from pycountry (alpha-2, alpha-3 and numeric codes, English short, official and
# common names). Below are the names it lacks, as written in FIA and police records, including colloquial ones
# ("Saudia", "Dubai", "Wilayat"), and the Urdu names of the countries and nationalities Pakistani registers name
# most; they win over pycountry's where both have a spelling.
COUNTRIES = {
    "PAK": ("pakistan", "pak", "pakistani", "پاکستان", "پاکستانی"),
    "AFG": ("afghanistan", "afghan", "afghani", "افغانستان", "افغان", "افغانی"),
    "IND": ("india", "indian", "بھارت", "بھارتی", "ہندوستان", "ہندوستانی"),
    "BGD": ("bangladesh", "bangladeshi", "bengali", "بنگلہ دیش", "بنگلہ دیشی", "بنگالی"),
    "MMR": ("myanmar", "burma", "burmese", "rohingya", "برما", "برمی", "میانمار", "روہنگیا"),
    "NPL": ("nepal", "nepali", "نیپال", "نیپالی"),
    "LKA": ("sri lanka", "srilanka", "سری لنکا"),
    "IRN": ("iran", "islamic republic of iran", "iranian", "ایران", "ایرانی"),
    "IRQ": ("iraq", "عراق"),
    "TUR": ("turkey", "turkiye", "türkiye", "turkish", "ترکی"),
    "GRC": ("greece", "greek", "یونان"),
    "ITA": ("italy", "اٹلی"),
    "ESP": ("spain",),
    "FRA": ("france",),
    "DEU": ("germany",),
    "GBR": ("united kingdom", "uk", "england", "britain", "great britain", "wilayat", "برطانیہ", "انگلینڈ", "ولایت"),
    "LBY": ("libya", "لیبیا"),
    "EGY": ("egypt",),
    "ARE": ("united arab emirates", "uae", "u.a.e", "u.a.e.", "dubai", "abu dhabi", "sharjah", "emirates",
            "متحدہ عرب امارات", "دبئی", "امارات"),
    "SAU": ("saudi arabia", "ksa", "k.s.a", "saudia", "saudi", "سعودی عرب", "سعودیہ"),
    "OMN": ("oman", "muscat"),
    "QAT": ("qatar", "doha", "قطر"),
    "KWT": ("kuwait", "کویت"),
    "BHR": ("bahrain", "بحرین"),
    "JOR": ("jordan",),
    "MYS": ("malaysia", "kuala lumpur", "ملائیشیا"),
    "THA": ("thailand", "bangkok", "تھائی لینڈ"),
    "IDN": ("indonesia",),
    "CHN": ("china", "chinese", "prc", "چین", "چینی"),
    "KOR": ("south korea", "korea"),
    "JPN": ("japan",),
    "AZE": ("azerbaijan",),
    "KGZ": ("kyrgyzstan",),
    "UZB": ("uzbekistan",),
    "TJK": ("tajikistan",),
    "RUS": ("russia", "russian federation"),
    "USA": ("united states", "usa", "us", "america"),
    "CAN": ("canada",),
    "AUS": ("australia",),
    "ZAF": ("south africa",),
    "KEN": ("kenya",),
    "SOM": ("somalia",),
}


def _iso_spellings() -> dict[str, str]:
    """Folded spelling -> alpha-3 for every country in ISO 3166-1: codes (numeric also without its leading
    zeros: "4" is Afghanistan's 004) and names."""
    table: dict[str, str] = {}
    for country in pycountry.countries:
        names = (getattr(country, attr, None) for attr in ("name", "official_name", "common_name"))
        codes = (country.alpha_2, country.alpha_3, country.numeric, country.numeric.lstrip("0"))
        table |= {folded(spelling): country.alpha_3 for spelling in (*codes, *names) if spelling}
    return table


_COUNTRY_BY_NAME = _iso_spellings() | {folded(alias): iso for iso, names in COUNTRIES.items() for alias in names}

# Legal sections: a citation folded (etl.folding), its Urdu words read in English, then normalised to capitals and
# digits and read by pattern. Section numbers are read whole: "3700 PPC" is not section 370.
_LAW_PATTERNS = (
    (re.compile(r"PTPA|TRAFFICKINGINPERSONS"), "PTPA"),
    (re.compile(r"PSMA|SMUGGLING"), "PSMA"),
    (re.compile(r"BLSA|BONDEDLABOU?R"), "BLSA"),
    (re.compile(r"(?<!\d)366A"), "PPC366A"),
    (re.compile(r"(?<!\d)371A"), "PPC371A"),
    (re.compile(r"(?<!\d)371B"), "PPC371B"),
    (re.compile(r"(?<!\d)370(?!\d)"), "PPC370"),
    (re.compile(r"(?<!\d)374(?!\d)"), "PPC374"),
)
# Urdu citations: "دفعہ ۳۷۱-اے ت پ" is section 371-A of the Pakistan Penal Code (تعزیرات پاکستان, "ت پ"); the
# letters A and B after a section number are written اے and بی.
_URDU_LAW_WORDS = tuple((re.compile(pattern), english) for pattern, english in (
    (r"تعزیرات\s*پاکستان|(?<!\w)ت\s*[۔.]?\s*پ(?!\w)", " ppc "),
    (r"(\d)\s*-?\s*اے(?!\w)", r"\1a"),
    (r"(\d)\s*-?\s*بی(?!\w)", r"\1b"),
    (r"دفعات|دفعہ", " section "),
    (r"ایکٹ", " act "),
))
# Citations are separated by commas (Latin or Urdu), semicolons, slashes, "and", "&", "اور" (and) and "read with"
# ("r/w"); "u/s" (under section) and a comma before an Act's year ("Act, 2018") separate nothing.
LAW_SPLIT = r"\br\s*/\s*w\b|\bread\s+with\b|[,;/+&|،؛]|\band\b|(?<!\w)اور(?!\w)"
_NOT_A_SEPARATOR = ((re.compile(r"\bu\s*/\s*s\b"), " "), (re.compile(r"[,،]\s*((?:19|20)\d\d)\b"), r" \1"))
# What a citation says besides its law: section words and section numbers ("Sec 3", "s.371-B", "371 a").
_SECTION_WORDS = re.compile(r"\b(?:sections?|secs?|s)\b\.?|\d+\s*-?\s*[ab]?(?![a-z])")
_NUMBER_WORDS = {w: i for i, w in enumerate((
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty").split())}
# Longer values are not what the field holds (a narrative in the wrong column) and are not parsed: matching a
# megabyte "district" against the gazetteer would take minutes.
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 1000
# PPC s.57: for computing terms, imprisonment for life counts as 25 years.
LIFE_MONTHS = 25 * 12
# Sentences and ages in Urdu: "عمر قید" (imprisonment for life), "صرف جرمانہ" (fine only), "7 سال قید" (7 years'
# imprisonment), "15 سال" (15 years old); سال and برس both mean years.
_LIFE_URDU = folded("عمر قید")
_FINE_ONLY_URDU = folded("صرف جرمانہ")
_YEARS = "years?|yrs?|y|سال|برس"


def _code_tables(layouts: list[Layout]) -> dict[tuple[str, str], dict[str, str]]:
    """(layout id, coded field) -> folded spelling -> contract value: the contract's own values, yes/no words, and
    the layout's [codes.<field>], which win."""
    tables: dict[tuple[str, str], dict[str, str]] = {}
    for layout in layouts:
        for fld in CODED_FIELDS:
            if fld == "law_sections":
                continue
            table = {folded(spelling): value for value in CONTRACT_CODES[fld]
                     for spelling in (value, value.replace("_", " "))}
            if fld == "victim_referred":
                table |= {folded(word): "yes" for word in YES} | {folded(word): "no" for word in NO}
            # A layout's own entry wins over a built-in word of the same spelling.
            own = {folded(code): value for code, value in layout.codes.get(fld, {}).items()}
            tables[(layout.id, fld)] = table | own
    return tables


def code_map(layouts: list[Layout], raws: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(source_id, field, raw, value) for each distinct (source_id, field, raw code) of a build that means a contract
    value: the layout's own codes and the contract's values, compared by folded spelling (etl.folding), so that
    "جبري مشقت" typed with an Arabic yeh is the mapped "جبری مشقت". Codes that mean nothing are left out."""
    tables = _code_tables(layouts)
    rows = [(source_id, fld, raw, tables[(source_id, fld)].get(folded(raw))) for source_id, fld, raw in raws]
    frame = pd.DataFrame(rows, columns=["source_id", "field", "raw", "value"], dtype="string")
    return frame.dropna(subset=["value"]).reset_index(drop=True)


def offence_map(layouts: list[Layout], raws: list[tuple[str, str]]) -> pd.DataFrame:
    """(source_id, raw, codes, unknown) for each distinct offence text: one offence, or several joined by the
    layout's offence_separator ("Forced labour;Sexual exploitation", or what its flag columns set). Codes keep the
    order written, without repeats; the first is the case's offence."""
    tables = _code_tables(layouts)
    by_id = {lay.id: lay for lay in layouts}
    rows = []
    for source_id, raw in raws:
        separator = by_id[source_id].offence_separator
        parts = [p.strip() for p in (raw.split(separator) if separator else [raw]) if p.strip()]
        found = [(p, tables[(source_id, "offence")].get(folded(p))) for p in parts]
        codes = list(dict.fromkeys(code for _, code in found if code))
        rows.append((source_id, raw, codes, [p[:40] for p, code in found if not code]))
    return pd.DataFrame(rows, columns=["source_id", "raw", "codes", "unknown"])


def age_band(raw: str) -> str | None:
    """The contract age band of an age range ("09--17", "10-14", "48+"), when the range lies inside one band
    (CTDC's bands are the contract's); None for a single age or a range across bands."""
    text = folded(raw)
    unit = rf"(?:\s*(?:{_YEARS}))?"
    bounded = re.fullmatch(r"(\d{1,3})\s*(?:-+|–|to)\s*(\d{1,3})" + unit, text)
    open_ended = re.fullmatch(r"(\d{1,3})\s*\+" + unit, text)
    if bounded:
        low, high = int(bounded.group(1)), int(bounded.group(2))
    elif open_ended:
        low, high = int(open_ended.group(1)), AGE_BAND_RANGES[-1][1]
    else:
        return None
    return next((band for first, last, band in AGE_BAND_RANGES if first <= low <= high <= last), None)


def law_code(token: str, layout_codes: dict[str, str]) -> str | None:
    """The contract law code of one cited section, or None if it is not recognised.

    ``layout_codes`` is the layout's [codes.law_sections], keyed by folded spelling (``folded``).
    """
    own = layout_codes.get(folded(token))
    if own:
        return own
    norm = re.sub(r"[^A-Z0-9]", "", _in_english(token).upper())
    for pattern, code in _LAW_PATTERNS:
        if pattern.search(norm):
            return code
    # Agencies also cite laws outside the contract (PPC 365-B kidnapping, 420 cheating, the Emigration Ordinance
    # 1979, the Child Marriage Restraint Act, PACHTO 2002 (the PTPA's predecessor)...). They are real citations,
    # kept as OTHER rather than reported.
    if re.search(r"\d|ACT|ORDINANCE|PPC|CODE|LAW", norm):
        return "OTHER"
    return None


def _in_english(token: str) -> str:
    """A citation folded, with its Urdu words read in English ("دفعہ ۳۷۱-اے ت پ" -> "section 371a ppc")."""
    text = folded(token)
    for pattern, english in _URDU_LAW_WORDS:
        text = pattern.sub(english, text)
    return text


def _law_words(token: str) -> str:
    """The words of a citation that name its law ("ptpa" in "Sec 4 PTPA"), or '' for a bare section number."""
    rest = _SECTION_WORDS.sub(" ", _in_english(token))
    return " ".join(rest.split()) if len(re.sub(r"\W", "", rest)) >= 2 else ""


def law_codes(raw: str, layout_codes: dict[str, str]) -> tuple[list[str], list[str]]:
    """(codes, unrecognised citations) of a law_sections text.

    A bare section number that is not itself a contract section takes the law of the nearest citation after it
    that names one, else before it: "3/4 PTPA" is sections 3 and 4 of the PTPA, not section 3 of some other law.
    """
    text = raw
    for pattern, replacement in _NOT_A_SEPARATOR:
        text = pattern.sub(replacement, text)
    tokens = [t.strip() for t in re.split(LAW_SPLIT, text, flags=re.IGNORECASE) if t.strip()]
    laws = [_law_words(t) for t in tokens]
    codes, unknown = [], []
    for i, token in enumerate(tokens):
        code = law_code(token, layout_codes)
        if code == OTHER_LAW and not laws[i] and re.search(r"\d", folded(token)):
            donor = next((law for law in laws[i + 1:] if law), None) or next(
                (law for law in reversed(laws[:i]) if law), None)
            code = law_code(f"{token} {donor}", layout_codes) if donor else code
        if code:
            codes.append(code)
        else:
            unknown.append(token)
    return sorted(set(codes)), unknown


def law_map(values: list[tuple[str, str]], layouts: dict[str, Layout]) -> pd.DataFrame:
    """(source_id, raw, codes, unknown) for each distinct law_sections text."""
    rows = []
    for source_id, raw in values:
        if len(raw) > MAX_TEXT_CHARS:  # a narrative pasted into the sections column, not a list of sections
            rows.append((source_id, raw, [], [raw[:40]]))
            continue
        own = {folded(code): value for code, value in layouts[source_id].codes.get("law_sections", {}).items()}
        rows.append((source_id, raw, *law_codes(raw, own)))
    return pd.DataFrame(rows, columns=["source_id", "raw", "codes", "unknown"])


def country_iso3(raw: str) -> str | None:
    key = folded(raw.replace("_", " "))
    return _COUNTRY_BY_NAME.get(key) or _COUNTRY_BY_NAME.get(key.rstrip("."))


def sentence_months(raw: str) -> int | None:
    """Months of imprisonment in a sentence text ("7 years", "2 yrs 6 months RI", "life"); None if unreadable."""
    if len(raw) > MAX_TEXT_CHARS:
        return None
    text = folded(raw)
    if "life" in text or _LIFE_URDU in text:
        return LIFE_MONTHS
    if re.search(r"fine only|only fine|no imprisonment|" + _FINE_ONLY_URDU, text):
        return 0
    years = re.search(rf"(\d+(?:\.\d+)?)\s*(?:{_YEARS})(?!\w)", text)
    months = re.search(r"(\d+)\s*(?:months?|mons?|mths?|m|ماہ|مہینے)(?!\w)", text)
    if not years and not months:
        return None
    total = (float(years.group(1)) * 12 if years else 0) + (int(months.group(1)) if months else 0)
    return int(round(total)) if 0 <= total <= 1200 else None


def whole_number(raw: str | None) -> int | None:
    """A count or age written as "3", "3.0", " 03 ", "three" or "17 years"; None if not a whole number."""
    if raw is None:
        return None
    text = folded(raw)
    if text in _NUMBER_WORDS:
        return _NUMBER_WORDS[text]
    # At most 9 digits: a longer "number" is a typo or an identifier, and would not fit the column.
    match = re.fullmatch(rf"(\d{{1,9}})(?:\.0+)?(?:\s*(?:{_YEARS}))?", text)
    return int(match.group(1)) if match else None


def register(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """Materialise a lookup frame as a temp table (a registered view would be re-scanned from pandas)."""
    con.register(f"{name}_df", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
    con.unregister(f"{name}_df")
