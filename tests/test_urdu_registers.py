"""A Punjab Police register as it is written (issue 13, section 2), through the real ETL.

The register (tests/data/urdu_register/, synthetic) has Urdu headers; districts in Urdu, the districts created in
2022-23, historic names and tehsil towns; sections in Urdu digits, "r/w", "3/4 PTPA" and "read with"; ages,
sentences and nationalities in Urdu; dates with two-digit years and Urdu digits; codes typed with Arabic letters
for Urdu ones; the police closures "untraced" and "cancelled". At least 95% of its rows must load, at least 95%
of those with a district, and every row not loaded must be in the run report with its reason.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.helpers import all_text, build_apart
from tipcore.vocab import AGE_BAND_RANGES

REGISTER_DIR = Path(__file__).parent / "data" / "urdu_register"
REGISTER = REGISTER_DIR / "punjab_police_urdu_register.csv"
TODAY = dt.date(2026, 11, 1)
BAD_DATE = "31/02/2023"  # the one row of the register that cannot load

# What a reader of the register takes each written value to mean: the truth the build is checked against.
LAWS = {
    "دفعہ ۳۷۱-اے ت پ": {"PPC371A"}, "371-A r/w 3 PTPA": {"PPC371A", "PTPA"}, "3/4 PTPA": {"PTPA"},
    "Sec 3/4 Prevention of Trafficking in Persons Act, 2018": {"PTPA"},
    "Section 3 of PTPA read with 371-A PPC": {"PTPA", "PPC371A"}, "3700 PPC": {"OTHER"}, "۳۷۴ ت پ": {"PPC374"},
    "11 BLSA": {"BLSA"}, "دفعہ ۳۷۰ ت پ، ۳ PTPA": {"PPC370", "PTPA"}, "365-B PPC": {"OTHER"},
    "۳۶۶-اے ت پ": {"PPC366A"},
}
OUTCOMES = {"عدم پتہ": "untraced", "Untraced": "untraced", "منسوخ": "cancelled", "Cancelled": "cancelled",
            "سزا": "convicted", "بری": "acquitted", "راضی نامہ": "compromise", "زیر التوا": "pending", "": None}
SENTENCES = {"7 سال قید": 84, "عمر قید": 300, "۱۰ سال قید بامشقت": 120}
NATIONALITIES = {"پاکستانی": "PAK", "پاکستان": "PAK", "افغانی": "AFG", "بنگالی": "BGD", "": None}
AGES = {"15 سال": 15, "۱۷ سال": 17, "25": 25, "32 سال": 32, "۹ سال": 9, "40": 40, "": None}
OFFENCES = {"جبری مشقت": "forced_labour", "جبري مشقت": "forced_labour", "جنسی استحصال": "sexual_exploitation",
            "جنسي استحصال": "sexual_exploitation", "گداگری": "forced_begging", "جبری شادی": "forced_marriage"}
TEHSIL_TOWNS = {"Jampur": "rajanpur", "جام پور": "rajanpur", "Chichawatni": "sahiwal", "چیچہ وطنی": "sahiwal",
                "Liaquatpur": "rahim-yar-khan", "Khanpur": "rahim-yar-khan", "Alipur": "muzaffargarh",
                "Jatoi": "muzaffargarh", "Tehsil Sadiqabad": "rahim-yar-khan", "Kamalia": "toba-tek-singh"}
NEW_AND_OLD_NAMES = {"کوٹ ادو": "muzaffargarh", "تونسہ": "dera-ghazi-khan", "مری": "rawalpindi",
                     "وزیر آباد": "gujranwala", "وزير آباد": "gujranwala", "تلہ گنگ": "chakwal",
                     "ڈی جی خان": "dera-ghazi-khan", "Montgomery": "sahiwal"}
PERSONAL = ("نام متاثرہ", "شناختی کارڈ نمبر", "موبائل نمبر", "پتہ")


def _band(age: int | None) -> str | None:
    return None if age is None else next(code for lo, hi, code in AGE_BAND_RANGES if lo <= age <= hi)


@pytest.fixture(scope="module")
def register() -> list[dict[str, str]]:
    with REGISTER.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The register built with the real ETL into a warehouse and release of its own."""
    tmp = tmp_path_factory.mktemp("urdu_register")
    raw = tmp / "raw"
    raw.mkdir()
    (raw / REGISTER.name).write_bytes(REGISTER.read_bytes())
    summary = build_apart(raw, REGISTER_DIR / "layouts", tmp, today=TODAY)
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    yield summary, con
    con.close()


def test_ninety_five_percent_of_rows_load_and_ninety_five_percent_of_those_with_a_district(built, register):
    summary, con = built
    cases, matched = con.execute("SELECT count(*), count(district_id) FROM cases").fetchone()
    assert summary["rows_read"] == len(register)
    assert cases == summary["cases_loaded"] == len(register) - summary["rows_rejected"] - summary["rows_merged"]
    assert cases / len(register) >= 0.95, summary
    assert matched / cases >= 0.95, con.execute("SELECT raw, method, note FROM district_matches").fetchall()


def test_every_row_not_loaded_is_in_the_report_with_its_reason(built, register):
    summary, con = built
    not_loaded = con.execute("""SELECT "row", "column", reason FROM rejected_rows
                                WHERE action IN ('row rejected', 'duplicate merged')""").fetchall()
    assert len({row for row, _, _ in not_loaded}) == summary["rows_rejected"] + summary["rows_merged"]
    bad_row = 2 + next(i for i, r in enumerate(register) if r["تاریخ درخواست"] == BAD_DATE)
    assert [(row, column) for row, column, _ in not_loaded] == [(bad_row, "تاریخ درخواست")]
    # The message names every format tried, the layout's own and the ISO fallbacks.
    assert all(f in not_loaded[0][2] for f in ("%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y", "%Y-%m-%d", "%Y/%m/%d"))


def test_no_value_of_the_register_is_left_unread(built):
    """Urdu codes, sections, ages, sentences, nationalities and dates all read: nothing cleared, nothing unknown."""
    _, con = built
    cleared = con.execute("""SELECT "column", reason FROM rejected_rows
                             WHERE action = 'value cleared' OR reason LIKE 'unknown%'""").fetchall()
    assert cleared == []


def test_districts_new_historic_and_tehsil_towns(built, register):
    _, con = built
    found = dict(con.execute("SELECT raw, district_id FROM district_matches").fetchall())
    methods = dict(con.execute("SELECT raw, method FROM district_matches").fetchall())
    for raw, district_id in {**TEHSIL_TOWNS, **NEW_AND_OLD_NAMES}.items():
        assert found[raw] == district_id, raw
    assert {methods[raw] for raw in TEHSIL_TOWNS} == {"tehsil"}
    unmatched = [raw for raw, method in methods.items() if method == "unmatched"]
    assert unmatched == ["[unmatched value, 7 characters]"]  # "نامعلوم" (unknown): kept, counted in Punjab only


def _loaded(register: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in register if r["تاریخ درخواست"] != BAD_DATE]


def test_sections_outcomes_offences_and_sentences_are_read_as_written(built, register):
    _, con = built
    rows = _loaded(register)
    laws = Counter(code for (codes,) in con.execute("SELECT law_codes FROM cases").fetchall() for code in codes)
    assert laws == Counter(code for r in rows for code in LAWS[r["دفعات"]])
    outcomes = Counter(dict(con.execute("SELECT outcome, count(*) FROM cases GROUP BY ALL").fetchall()))
    assert outcomes == Counter(OUTCOMES[r["نتیجہ"]] for r in rows)
    assert outcomes["untraced"] > 0 and outcomes["cancelled"] > 0
    offences = Counter(dict(con.execute("SELECT offence, count(*) FROM cases GROUP BY ALL").fetchall()))
    assert offences == Counter(OFFENCES[r["نوعیت جرم"]] for r in rows)
    sentences = sorted(m for (m,) in con.execute(
        "SELECT sentence_months FROM cases WHERE sentence_months IS NOT NULL").fetchall())
    assert sentences == sorted(SENTENCES[r["سزا"]] for r in rows if r["سزا"])


def test_ages_and_nationalities_in_urdu(built, register):
    _, con = built
    rows = _loaded(register)
    described = con.execute("SELECT age_band, nationality_iso3 FROM victims WHERE victim_no = 1").fetchall()
    assert Counter(band for band, _ in described) == Counter(_band(AGES[r["عمر"]]) for r in rows)
    assert Counter(iso for _, iso in described) == Counter(NATIONALITIES[r["قومیت"]] for r in rows)


def test_two_digit_years_and_urdu_digits_are_read_as_this_century(built, register):
    _, con = built
    years = Counter(y for (y,) in con.execute("SELECT report_year FROM cases").fetchall())
    written = Counter(int(r["شکایت نمبر"].split("-")[1]) for r in _loaded(register))
    assert years == written


def test_names_numbers_and_addresses_never_reach_the_warehouse(built, register):
    _, con = built
    text = all_text(con)
    for row in register:
        for column in PERSONAL:
            assert row[column] not in text, column


def test_headers_typed_with_arabic_letters_or_spaces_match_the_layout():
    from etl.extract import column_plan
    from etl.layouts import parse_layout

    layout = parse_layout(REGISTER_DIR / "layouts" / "punjab_police_urdu.toml")
    # Arabic yeh (U+064A), kaf (U+0643) and heh (U+0647) for the Urdu letters, a doubled space, a trailing one.
    typed = {"تاریخ درخواست": "تاري\u062e  درخواست", "کیفیت مقدمہ": "\u0643يفيت مقدم\u0647 ",
             "ایف آئی آر نمبر / تھانہ": "اي\u0641 آئي آر نمبر / تھان\u0647"}
    header = [typed.get(h, h) for h in layout.columns.values()]
    issues = []
    plan = column_plan(header, layout, issues, "register.csv")
    assert set(plan) == set(layout.columns)
    assert not issues
