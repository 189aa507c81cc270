"""Source layout files and the lookups that turn agency spellings into contract values."""

from __future__ import annotations

import pytest

from etl import lookups
from etl.extract import FileProblem, detect_delimiter, detect_encoding
from etl.layouts import LayoutError, load_layouts, parse_layout
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
])
def test_sentence_months(raw, months):
    assert lookups.sentence_months(raw) == months


@pytest.mark.parametrize("raw,n", [("3", 3), (" 03 ", 3), ("3.0", 3), ("three", 3), ("17 years", 17),
                                   ("Minor", None), ("-2", None), ("2.5", None)])
def test_whole_numbers(raw, n):
    assert lookups.whole_number(raw) == n


@pytest.mark.parametrize("raw,iso", [("Saudia", "SAU"), ("U.A.E", "ARE"), ("Dubai", "ARE"), ("Türkiye", "TUR"),
                                     ("omn", "OMN"), ("Wilayat", "GBR"), ("Narnia", None)])
def test_countries(raw, iso):
    assert lookups.country_iso3(raw) == iso


@pytest.mark.parametrize("token,code", [
    ("PTPA 2018", "PTPA"), ("Prevention of Trafficking in Persons Act", "PTPA"), ("371-A PPC", "PPC371A"),
    ("S.371B", "PPC371B"), ("366-A", "PPC366A"), ("370 PPC", "PPC370"), ("374", "PPC374"), ("BLSA 1992", "BLSA"),
    ("Bonded Labour System (Abolition) Act", "BLSA"), ("PSMA", "PSMA"), ("365-B PPC", "OTHER"),
    ("Emigration Ordinance", "OTHER"), ("unclear", None),
])
def test_law_codes(token, code):
    assert lookups.law_code(token, {}) == code


def test_law_map_splits_u_s_citations():
    frame = lookups.law_map([("s", "u/s 371-A/371-B PPC & PTPA")], {"s": parse_layout(LAYOUTS / "test_ngo.toml")})
    assert frame.loc[0, "codes"] == ["PPC371A", "PPC371B", "PTPA"]


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
