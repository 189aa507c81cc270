"""Source layout files and the lookups that turn agency spellings into contract values."""

from __future__ import annotations

import duckdb
import pytest

from etl import lookups
from etl.extract import FileProblem, detect_delimiter, detect_encoding
from etl.folding import folded
from etl.layouts import LayoutError, load_layouts, parse_layout
from etl.standardise import format_shape
from tests.helpers import LAYOUTS

GOOD = """
[source]
id = "x"
agency = "X Police"
agency_type = "police"
files = ["x*.csv"]
grain = "case"
[columns]
case_ref = "Ref"
district = "District"
date_reported = "Date"
"""


def test_shipped_layouts_load_and_have_distinct_ids():
    layouts = load_layouts()
    assert len(layouts) >= 6
    assert len({lay.id for lay in layouts}) == len(layouts)
    assert {lay.agency_type for lay in layouts} >= {"police", "fia", "labour", "ngo"}


def test_test_layouts_load():
    assert [lay.id for lay in load_layouts(LAYOUTS)] == ["test_ngo", "test_police"]


@pytest.mark.parametrize("change,message", [
    (lambda s: s.replace('agency_type = "police"', 'agency_type = "army"'), "agency_type"),
    (lambda s: s.replace('grain = "case"', 'grain = "row"'), "grain"),
    (lambda s: s.replace('date_reported = "Date"', ""), "required fields"),
    (lambda s: s.replace('district = "District"', 'district = "District"\nvictim_name = "Name"'), "unknown"),
    (lambda s: s + '[codes.offence]\n"kiln" = "brick"\n', "not one of"),
    (lambda s: s + '[personal]\ncolumns = ["Ref"]\n', "both mapped and listed as personal"),
    (lambda s: s + "[[[", "not valid TOML"),
])
def test_layout_mistakes_name_the_file_and_the_key(tmp_path, change, message):
    path = tmp_path / "bad.toml"
    path.write_text(change(GOOD), encoding="utf-8")
    with pytest.raises(LayoutError) as err:
        parse_layout(path)
    assert "bad.toml" in str(err.value) and message in str(err.value)


def test_duplicate_layout_ids_are_refused(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(LayoutError, match="already used by a.toml"):
        load_layouts(tmp_path)


@pytest.mark.parametrize("raw,months", [
    ("7 years", 84), ("18 months", 18), ("2 yrs 6 months RI", 30), ("Life imprisonment", 300),
    ("fine only", 0), ("5 Y", 60), ("three years", None), ("", None),
    ("7 سال قید", 84), ("۷ سال قید بامشقت", 84), ("2 سال 6 ماہ", 30), ("عمر قید", 300), ("عمر قيد", 300),
    ("صرف جرمانہ", 0), ("قید", None),
])
def test_sentence_months(raw, months):
    assert lookups.sentence_months(raw) == months


@pytest.mark.parametrize("raw,n", [("3", 3), (" 03 ", 3), ("3.0", 3), ("three", 3), ("17 years", 17),
                                   ("Minor", None), ("-2", None), ("2.5", None), ("15 سال", 15), ("۱۵ سال", 15),
                                   ("۹", 9), ("12 برس", 12), ("سال", None)])
def test_whole_numbers(raw, n):
    assert lookups.whole_number(raw) == n


@pytest.mark.parametrize("raw,iso", [("Saudia", "SAU"), ("U.A.E", "ARE"), ("Dubai", "ARE"), ("Türkiye", "TUR"),
                                     ("omn", "OMN"), ("Wilayat", "GBR"), ("Narnia", None), ("پاکستانی", "PAK"),
                                     ("افغانی", "AFG"), ("بنگالی", "BGD"), ("سعودي عرب", "SAU"), ("  پاکستان ", "PAK")])
def test_countries(raw, iso):
    assert lookups.country_iso3(raw) == iso


@pytest.mark.parametrize("token,code", [
    ("PTPA 2018", "PTPA"), ("Prevention of Trafficking in Persons Act", "PTPA"), ("371-A PPC", "PPC371A"),
    ("S.371B", "PPC371B"), ("366-A", "PPC366A"), ("370 PPC", "PPC370"), ("374", "PPC374"), ("BLSA 1992", "BLSA"),
    ("Bonded Labour System (Abolition) Act", "BLSA"), ("PSMA", "PSMA"), ("365-B PPC", "OTHER"),
    ("Emigration Ordinance", "OTHER"), ("unclear", None), ("3700 PPC", "OTHER"), ("1374", "OTHER"),
    ("دفعہ ۳۷۱-اے ت پ", "PPC371A"), ("۳۷۱ بی ت۔پ", "PPC371B"), ("۳۶۶-اے تعزیرات پاکستان", "PPC366A"),
    ("۳۷۰ ت پ", "PPC370"),
])
def test_law_codes(token, code):
    assert lookups.law_code(token, {}) == code


def test_law_map_splits_u_s_citations():
    frame = lookups.law_map([("s", "u/s 371-A/371-B PPC & PTPA")], {"s": parse_layout(LAYOUTS / "test_ngo.toml")})
    assert frame.loc[0, "codes"] == ["PPC371A", "PPC371B", "PTPA"]


@pytest.mark.parametrize("raw,codes,unknown", [
    ("3/4 PTPA", ["PTPA"], []),
    ("PTPA 3/4", ["PTPA"], []),
    ("Sec 3/4 Prevention of Trafficking in Persons Act, 2018", ["PTPA"], []),
    ("Sec 3/4 PTP Act", ["PTPA"], []),
    ("Section 3 of PTPA read with 371-A PPC", ["PPC371A", "PTPA"], []),
    ("371-A r/w 3 PTPA", ["PPC371A", "PTPA"], []),
    ("371-A R/W 3 PTPA", ["PPC371A", "PTPA"], []),
    ("366-A, 3 PTPA", ["PPC366A", "PTPA"], []),
    ("420, 371-A PPC", ["OTHER", "PPC371A"], []),
    ("3700 PPC", ["OTHER"], []),
    ("دفعہ ۳۷۰ ت پ، ۳ PTPA", ["PPC370", "PTPA"], []),
    ("دفعہ ۳۷۱-اے اور ۳۷۱-بی ت پ", ["PPC371A", "PPC371B"], []),
    ("unclear, 3 PTPA", ["PTPA"], ["unclear"]),
])
def test_law_citations_as_registers_write_them(raw, codes, unknown):
    assert lookups.law_codes(raw, {}) == (codes, unknown)


def test_layout_law_codes_are_compared_folded(tmp_path):
    (tmp_path / "x.toml").write_text(GOOD + '\n[codes.law_sections]\n"دفعہ تین" = "PTPA"\n', encoding="utf-8")
    frame = lookups.law_map([("x", "دفعہ تين")], {"x": parse_layout(tmp_path / "x.toml")})
    assert (frame.loc[0, "codes"], frame.loc[0, "unknown"]) == (["PTPA"], [])


def test_codes_match_after_unicode_and_urdu_letter_folding(tmp_path):
    layout_file = tmp_path / "urdu.toml"
    layout_file.write_text(GOOD + '\n[codes.offence]\n"جبری مشقت" = "forced_labour"\n"Raazinama" = "other"\n',
                           encoding="utf-8")
    layout = parse_layout(layout_file)
    raws = [(layout.id, "offence", value) for value in
            ("جبري مشقت", "جبرى مشقت", "جبرِی  مشقت", " RAAZINAMA", "forced labour", "sexual_exploitation", "kiln")]
    frame = lookups.code_map([layout], raws)
    assert dict(zip(frame["raw"], frame["value"], strict=True)) == {
        "جبري مشقت": "forced_labour", "جبرى مشقت": "forced_labour", "جبرِی  مشقت": "forced_labour",
        " RAAZINAMA": "other", "forced labour": "forced_labour", "sexual_exploitation": "sexual_exploitation"}


@pytest.mark.parametrize("text,same", [
    ("جبري مشقت", "جبری مشقت"), ("كوٹ ادو", "کوٹ ادو"), ("لاهور", "لاہور"), ("تـونسہ", "تونسہ"),
    ("۱۲۳", "123"), ("١٢٣", "123"), ("Türkiye", "TURKIYE"), ("  a \t b ", "a b"),
])
def test_one_folding_for_every_matcher(text, same):
    assert folded(text) == folded(same)
    assert folded("جبری مشقت") != folded("جنسی مشقت")


@pytest.mark.parametrize("fmt,text,fits", [
    ("%d/%m/%Y", "12/03/2023", True), ("%d/%m/%Y", "12/03/23", False), ("%Y/%m/%d", "12/03/23", False),
    ("%d/%m/%y", "12/03/23", True), ("%d/%m/%y", "12/03/2023", False), ("%d-%b-%Y", "05-Mar-2021", True),
    ("%d.%m.%Y", "5.3.2021", True), ("%d.%m.%Y", "5x3x2021", False),
])
def test_a_date_format_is_tried_only_on_text_of_its_shape(fmt, text, fits):
    """The shape is what the build's SQL (DuckDB's RE2) checks before strptime."""
    assert duckdb.connect().execute("SELECT regexp_full_match(?, ?)", [text, format_shape(fmt)]).fetchone()[0] == fits


@pytest.mark.parametrize("sample,encoding", [
    ("a,b\nلاہور,2\n".encode(), "utf-8"), (b"\xef\xbb\xbfa,b\n", "utf-8-sig"),
    ("a,b\n".encode("utf-16"), "utf-16"), ("a,b\n".encode("utf-16-le"), "utf-16-le"),
    ("a,b\nZoë\n".encode("cp1252"), "cp1252"),
])
def test_encoding_detection(sample, encoding):
    assert detect_encoding(sample) == encoding


def test_binary_is_refused():
    with pytest.raises(FileProblem, match="binary"):
        detect_encoding(b"\x00\x01\x02\x03" * 100 + b"\xff\x00\x10")


@pytest.mark.parametrize("text,delim", [("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2;3\n", ";"), ("a\tb\n1\t2\n", "\t"),
                                        ("a|b\n1|2\n", "|")])
def test_delimiter_detection(text, delim):
    assert detect_delimiter(text) == delim
