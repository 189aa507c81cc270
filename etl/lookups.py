"""Lookups for standardising: agency codes, legal sections, countries and sentences.

Each function turns the few distinct raw values of a build into a small table that the SQL joins on, so the work
grows with the number of distinct spellings, not with the number of rows.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from etl.layouts import CODED_FIELDS, CONTRACT_CODES, Layout

YES = {"yes", "y", "true", "1", "referred", "haan", "ہاں"}
NO = {"no", "n", "false", "0", "not referred", "nahi", "نہیں"}

# Countries agencies name for destinations and origins (ISO 3166-1 alpha-3). Names as written in FIA and police
# records, including colloquial ones ("Saudia", "Dubai", "Wilayat").
COUNTRIES = {
    "PAK": ("pakistan", "pak", "pakistani"),
    "AFG": ("afghanistan", "afghan", "afghani"),
    "IND": ("india", "indian"),
    "BGD": ("bangladesh", "bangladeshi", "bengali"),
    "MMR": ("myanmar", "burma", "burmese", "rohingya"),
    "NPL": ("nepal", "nepali"),
    "LKA": ("sri lanka", "srilanka"),
    "IRN": ("iran", "islamic republic of iran", "iranian"),
    "IRQ": ("iraq",),
    "TUR": ("turkey", "turkiye", "türkiye", "turkish"),
    "GRC": ("greece", "greek"),
    "ITA": ("italy",),
    "ESP": ("spain",),
    "FRA": ("france",),
    "DEU": ("germany",),
    "GBR": ("united kingdom", "uk", "england", "britain", "great britain", "wilayat"),
    "LBY": ("libya",),
    "EGY": ("egypt",),
    "ARE": ("united arab emirates", "uae", "u.a.e", "u.a.e.", "dubai", "abu dhabi", "sharjah", "emirates"),
    "SAU": ("saudi arabia", "ksa", "k.s.a", "saudia", "saudi"),
    "OMN": ("oman", "muscat"),
    "QAT": ("qatar", "doha"),
    "KWT": ("kuwait",),
    "BHR": ("bahrain",),
    "JOR": ("jordan",),
    "MYS": ("malaysia", "kuala lumpur"),
    "THA": ("thailand", "bangkok"),
    "IDN": ("indonesia",),
    "CHN": ("china", "chinese", "prc"),
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
_COUNTRY_BY_NAME = {alias: iso for iso, names in COUNTRIES.items() for alias in (*names, iso.lower())}

# Legal sections: a token normalised to capitals and digits, then read by pattern.
_LAW_PATTERNS = (
    (re.compile(r"PTPA|TRAFFICKINGINPERSONS"), "PTPA"),
    (re.compile(r"PSMA|SMUGGLING"), "PSMA"),
    (re.compile(r"BLSA|BONDEDLABOU?R"), "BLSA"),
    (re.compile(r"366A"), "PPC366A"),
    (re.compile(r"371A"), "PPC371A"),
    (re.compile(r"371B"), "PPC371B"),
    (re.compile(r"370"), "PPC370"),
    (re.compile(r"374"), "PPC374"),
)
LAW_SPLIT = r"[,;/+&|]|\band\b"
_NUMBER_WORDS = {w: i for i, w in enumerate((
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty").split())}
# Longer values are not what the field holds (a narrative in the wrong column) and are not parsed: matching a
# megabyte "district" against the gazetteer would take minutes.
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 1000
# PPC s.57: for computing terms, imprisonment for life counts as 25 years.
LIFE_MONTHS = 25 * 12


def code_map(layouts: list[Layout]) -> pd.DataFrame:
    """(source_id, field, code, value): each layout's codes plus the contract's own values, lower-cased."""
    rows = []
    for layout in layouts:
        for fld in CODED_FIELDS:
            if fld == "law_sections":
                continue
            for value in CONTRACT_CODES[fld]:
                rows.append((layout.id, fld, value.lower(), value))
                rows.append((layout.id, fld, value.replace("_", " ").lower(), value))
            for code, value in layout.codes.get(fld, {}).items():
                rows.append((layout.id, fld, code, value))
        for word in YES:
            rows.append((layout.id, "victim_referred", word, "yes"))
        for word in NO:
            rows.append((layout.id, "victim_referred", word, "no"))
    frame = pd.DataFrame(rows, columns=["source_id", "field", "code", "value"])
    # A layout's own entry wins over a built-in word of the same spelling.
    return frame.drop_duplicates(["source_id", "field", "code"], keep="last")


def law_code(token: str, layout_codes: dict[str, str]) -> str | None:
    """The contract law code of one cited section, or None if it is not recognised."""
    own = layout_codes.get(token.strip().lower())
    if own:
        return own
    norm = re.sub(r"[^A-Z0-9]", "", token.upper())
    for pattern, code in _LAW_PATTERNS:
        if pattern.search(norm):
            return code
    # Agencies also cite laws outside the contract (PPC 365-B kidnapping, 420 cheating, the Emigration Ordinance
    # 1979, the Child Marriage Restraint Act, PACHTO 2002 (the PTPA's predecessor)...). They are real citations,
    # kept as OTHER rather than reported.
    if re.search(r"\d|ACT|ORDINANCE|PPC|CODE|LAW", norm):
        return "OTHER"
    return None


def law_map(values: list[tuple[str, str]], layouts: dict[str, Layout]) -> pd.DataFrame:
    """(source_id, raw, codes, unknown) for each distinct law_sections text."""
    rows = []
    for source_id, raw in values:
        if len(raw) > MAX_TEXT_CHARS:  # a narrative pasted into the sections column, not a list of sections
            rows.append((source_id, raw, [], [raw[:40]]))
            continue
        own = layouts[source_id].codes.get("law_sections", {})
        text = re.sub(r"\bu\s*/\s*s\b", " ", raw, flags=re.IGNORECASE)
        codes, unknown = [], []
        for token in (t.strip() for t in re.split(LAW_SPLIT, text, flags=re.IGNORECASE)):
            if not token:
                continue
            code = law_code(token, own)
            if code:
                codes.append(code)
            else:
                unknown.append(token)
        rows.append((source_id, raw, sorted(set(codes)), unknown))
    return pd.DataFrame(rows, columns=["source_id", "raw", "codes", "unknown"])


def country_iso3(raw: str) -> str | None:
    key = re.sub(r"\s+", " ", raw.strip().lower().replace("_", " "))
    return _COUNTRY_BY_NAME.get(key) or _COUNTRY_BY_NAME.get(key.rstrip("."))


def sentence_months(raw: str) -> int | None:
    """Months of imprisonment in a sentence text ("7 years", "2 yrs 6 months RI", "life"); None if unreadable."""
    if len(raw) > MAX_TEXT_CHARS:
        return None
    text = raw.lower()
    if "life" in text:
        return LIFE_MONTHS
    if re.search(r"fine only|only fine|no imprisonment", text):
        return 0
    years = re.search(r"(\d+(?:\.\d+)?)\s*(?:years?|yrs?|y)\b", text)
    months = re.search(r"(\d+)\s*(?:months?|mons?|mths?|m)\b", text)
    if not years and not months:
        return None
    total = (float(years.group(1)) * 12 if years else 0) + (int(months.group(1)) if months else 0)
    return int(round(total)) if 0 <= total <= 1200 else None


def whole_number(raw: str | None) -> int | None:
    """A count or age written as "3", "3.0", " 03 ", "three" or "17 years"; None if not a whole number."""
    if raw is None:
        return None
    text = raw.strip().lower()
    if text in _NUMBER_WORDS:
        return _NUMBER_WORDS[text]
    # At most 9 digits: a longer "number" is a typo or an identifier, and would not fit the column.
    match = re.fullmatch(r"(\d{1,9})(?:\.0+)?(?:\s*(?:years?|yrs?|y))?", text)
    return int(match.group(1)) if match else None


def register(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """Materialise a lookup frame as a temp table (a registered view would be re-scanned from pandas)."""
    con.register(f"{name}_df", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
    con.unregister(f"{name}_df")
