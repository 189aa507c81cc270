"""Published international layouts (issue 13, section 1), through the real ETL, with a layout file each.

The files in tests/data/international/ are synthetic, written with the published column names: CTDC's global
synthetic dataset (27 columns, missing = empty cell, ISO alpha-3), CTDC's k-anonymised Global Dataset (an unnamed
index column, missing = -99 and "00", ISO alpha-2, identical rows that are different people) and UNODC's GLOTIP
table (.xlsx, two title rows, "<5"). Each victim file must load one victim per row, with year, sex, age band,
citizenship, country of exploitation and forms of exploitation; none may reach Pakistan's cases. A Punjab Police
register built alongside checks that.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl import lookups
from etl.extract import choose_layout
from etl.layouts import LayoutError, load_layouts, parse_layout
from etl.pipeline import build_warehouse
from tests.helpers import build_apart
from tests.test_layouts_lookups import GOOD

HERE = Path(__file__).parent / "data"
INTERNATIONAL = HERE / "international"
SYNTHETIC = INTERNATIONAL / "ctdc_global_synthetic_sample.csv"
K_ANON = INTERNATIONAL / "the_global_dataset_sample.csv"
GLOTIP = INTERNATIONAL / "data_glotip_sample.xlsx"
REGISTER_DIR = HERE / "urdu_register"
SHIPPED = Path(__file__).parents[1] / "etl" / "sources" / "international"
TODAY = dt.date(2026, 11, 1)
BANDS = {"0--8": "0-8", "09--17": "9-17", "9--17": "9-17", "18--20": "18-20", "21--23": "21-23",
         "24--26": "24-26", "27--29": "27-29", "30--38": "30-38", "39--47": "39-47", "48+": "48+"}
SEXES = {"Woman": "female", "Man": "male", "Female": "female", "Male": "male",
         "Trans/Transgender/NonConforming": "transgender"}
ALPHA2 = {"KH": "KHM", "LA": "LAO", "CY": "CYP", "MV": "MDV", "PK": "PAK", "NA": "NAM", "UA": "UKR", "ID": "IDN"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The three international files and the Urdu Punjab Police register, built into a warehouse of their own with
    the shipped international layouts enabled as data/README.md says (copied beside the agency layouts)."""
    tmp = tmp_path_factory.mktemp("international")
    raw, sources = tmp / "raw", tmp / "sources"
    raw.mkdir()
    sources.mkdir()
    for path in (SYNTHETIC, K_ANON, GLOTIP, REGISTER_DIR / "punjab_police_urdu_register.csv"):
        shutil.copy(path, raw / path.name)
    for layout in (*SHIPPED.glob("*.toml"), *(REGISTER_DIR / "layouts").glob("*.toml")):
        shutil.copy(layout, sources / layout.name)
    summary = build_apart(raw, sources, tmp, today=TODAY)
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    yield summary, con
    con.close()


def _victims(con, source_id: str) -> list[tuple]:
    return con.execute("""SELECT report_year, sex, age_band, nationality_iso3, country_iso3, scope, offences
                          FROM foreign_victims WHERE source_id = ? ORDER BY rowid""", [source_id]).fetchall()


def test_global_synthetic_file_of_n_victims_loads_n_victims_as_written(built):
    _, con = built
    rows = _rows(SYNTHETIC)
    loaded = _victims(con, "ctdc_global_synthetic")
    assert len(loaded) == len(rows) == 60
    flags = {"isSexualExploit": "sexual_exploitation", "isForcedLabour": "forced_labour", "isOtherExploit": "other",
             "typeOfLabourDomesticWork": "domestic_servitude"}
    for row, (year, sex, band, citizenship, exploited, scope, offences) in zip(rows, loaded, strict=True):
        assert year == int(row["yearOfRegistration"])
        assert sex == SEXES.get(row["gender"], "unknown")
        assert band == BANDS.get(row["ageBroad"])
        assert citizenship == (row["citizenship"] or None)  # KHM, LAO, CYP, MDV are countries
        assert exploited == (row["CountryOfExploitation"] or None)
        assert scope == (None if not (citizenship and exploited) else
                         "internal" if citizenship == exploited else "transnational")
        assert offences == [code for column, code in flags.items() if row[column] == "1"]


def test_k_anonymised_file_loads_every_row_identical_rows_included(built):
    _, con = built
    rows = _rows(K_ANON)
    loaded = _victims(con, "ctdc_global_k_anonymised")
    assert len(loaded) == len(rows) == 36
    for row, (year, sex, band, citizenship, exploited, _, offences) in zip(rows, loaded, strict=True):
        assert year == int(row["yearOfRegistration"])
        assert sex == SEXES.get(row["gender"], "unknown")  # -99 is not recorded
        assert band == BANDS.get(row["ageBroad"])
        assert citizenship == ALPHA2.get(row["citizenship"])  # -99 and 00 not recorded; NA is Namibia
        assert exploited == ALPHA2.get(row["CountryOfExploitation"])
        expected = {"isSexualExploit": ["sexual_exploitation"], "isForcedLabour": ["forced_labour"],
                    "isSexAndLabour": ["sexual_exploitation", "forced_labour"],
                    "typeOfLabourBegging": ["forced_begging"]}
        assert set(offences) == {c for column, codes in expected.items() if row[column] == "1" for c in codes}


def test_foreign_victims_never_reach_pakistans_cases(built):
    summary, con = built
    sources = {r[0] for r in con.execute("SELECT DISTINCT source_id FROM cases").fetchall()}
    assert sources == {"punjab_police_urdu"}
    assert summary["cases_loaded"] == con.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert con.execute("SELECT count(*) FROM foreign_victims").fetchone()[0] == 96
    assert not con.execute("SELECT count(*) FROM rejected_rows WHERE file LIKE '%global%' "
                           "AND action <> 'warning'").fetchone()[0]


def test_glotip_loads_into_published_figures_with_small_values_flagged(built):
    _, con = built
    figures = con.execute("""SELECT country_iso3, indicator, year, value, value_flag, published_source, agency
                             FROM published_figures ORDER BY rowid""").fetchall()
    sheet = list(openpyxl.load_workbook(GLOTIP, read_only=True).active.iter_rows(min_row=4, values_only=True))
    readable = [r for r in sheet if r[11] != "n/a"]
    assert len(figures) == len(readable) == 5
    for written, (iso3, indicator, year, value, flag, source, agency) in zip(readable, figures, strict=True):
        assert (iso3, indicator, year, source) == (written[0], written[4], written[9], written[12])
        assert agency.startswith("UNODC")
        if written[11].startswith("<"):
            assert (value, flag) == (None, written[11])  # a flag, never a number
        else:
            assert (value, flag) == (float(written[11].replace(",", "")), None)
    reasons = con.execute("""SELECT "row", "column", action FROM rejected_rows
                             WHERE file = ? ORDER BY "row" """, [GLOTIP.name]).fetchall()
    assert (9, "txtVALUE", "row rejected") in reasons  # "n/a": reported, not loaded
    assert (3, None, "warning") in reasons  # the header found below two title rows


def test_loaded_figures_are_not_counted_as_rejected_rows(built):
    summary, con = built
    rejected = con.execute("""SELECT count(DISTINCT (file, "row")) FROM rejected_rows
                              WHERE action = 'row rejected'""").fetchone()[0]
    assert summary["rows_rejected"] == rejected


def test_countries_are_every_iso_code_and_name():
    assert [lookups.country_iso3(v) for v in ("KHM", "LAO", "CY", "mdv", "116", "Cambodia", "Viet Nam", "NA")] \
        == ["KHM", "LAO", "CYP", "MDV", "KHM", "KHM", "VNM", "NAM"]
    assert lookups.country_iso3("Saudia") == "SAU" and lookups.country_iso3("سعودی عرب") == "SAU"
    assert lookups.country_iso3("Atlantis") is None


@pytest.mark.parametrize("raw,band", [("0--8", "0-8"), ("09--17", "9-17"), ("48+", "48+"), ("10-14", "9-17"),
                                      ("30 to 38 years", "30-38"), ("15-19", None), ("17", None)])
def test_age_ranges_read_as_the_band_they_lie_in(raw, band):
    assert lookups.age_band(raw) == band


def _layout(source: str, columns: str) -> str:
    """test_layouts_lookups' good layout with other [source] options and [columns]."""
    head = GOOD[:GOOD.index("[columns]")]
    return f"{head}{source}\n[columns]\n{columns}\n"


@pytest.mark.parametrize("source,columns,message", [
    ('area = "abroad"', 'case_ref = "R"\ndistrict = "D"\ndate_reported = "T"', "area"),
    ('case_ref = "serial"', 'district = "D"\ndate_reported = "T"', "case_ref can only be"),
    ('case_ref = "row"', 'case_ref = "R"\ndistrict = "D"\ndate_reported = "T"', "keep one"),
    ('area = "national"', 'case_ref = "R"', "date_reported"),
    ("", 'case_ref = "R"\ndistrict = "D"\ndate_reported = "T"\n[offence_flags]\nF = "slavery"', "offence_flags"),
])
def test_layout_option_mistakes_name_the_file_and_the_key(tmp_path, source, columns, message):
    path = tmp_path / "bad.toml"
    path.write_text(_layout(source, columns), encoding="utf-8")
    with pytest.raises(LayoutError) as err:
        parse_layout(path)
    assert "bad.toml" in str(err.value) and message in str(err.value)


def test_joined_case_reference_missing_tokens_and_offence_lists(tmp_path, monkeypatch):
    """A national source with no district: case reference from police station + FIR number + year, the year only,
    -99 and نامعلوم meaning not recorded, and offences written as a ';' list."""
    sources, raw = tmp_path / "sources", tmp_path / "raw"
    sources.mkdir()
    raw.mkdir()
    (sources / "national.toml").write_text("""
[source]
id = "national"
agency = "National register"
agency_type = "police"
files = ["national*.csv"]
grain = "case"
area = "national"
missing = ["-99", "نامعلوم"]
offence_separator = ";"
[columns]
case_ref = ["PS", "FIR", "Year"]
year_reported = "Year"
offence = "Offences"
victim_sex = "Sex"
[codes.offence]
"Begging" = "forced_begging"
""", encoding="utf-8")
    (raw / "national_2023.csv").write_text(
        "PS,FIR,Year,Offences,Sex\n"
        "Saddar,12,2023,Begging;forced_labour,female\n"
        "Saddar,12,2023,Begging,female\n"          # the same case again: one case
        "Civil Lines,12,2023,Begging;Kidnap,نامعلوم\n"  # another station's FIR 12
        "Saddar,-99,2023,Begging,male\n",           # no FIR number: no case reference
        encoding="utf-8")
    for name, value in (("TIP_SOURCES_DIR", sources), ("TIP_REPORTS_DIR", tmp_path / "reports"),
                        ("TIP_WAREHOUSE", tmp_path / "w.duckdb"), ("TIP_RELEASE_DIR", tmp_path / "release"),
                        ("TIP_LEDGER", tmp_path / "ledger.duckdb")):
        monkeypatch.setenv(name, str(value))
    build_warehouse(raw, tmp_path / "w.duckdb", today=TODAY)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        cases = con.execute("""SELECT report_year, report_month, district_id, district_match, offence, victim_sexes
                               FROM cases ORDER BY offence, victim_sexes""").fetchall()
        problems = con.execute("""SELECT "row", "column", action FROM rejected_rows
                                  WHERE action <> 'duplicate merged' ORDER BY "row" """).fetchall()
    # The year only: a report year and no month (never 1 January); no district, counted nationally.
    assert cases == [(2023, None, None, "unmatched", "forced_begging", ["female"]),
                     (2023, None, None, "unmatched", "forced_begging", ["unknown"])]
    assert (4, "Offences", "value cleared") in problems  # "Kidnap" is no contract offence; Begging kept
    assert (5, "PS + FIR + Year", "row rejected") in problems


def test_a_file_name_that_fits_two_layouts_is_warned_about(tmp_path):
    for name, pattern, ref in (("a.toml", "punjab_police*.csv", "Complaint No."),
                               ("b.toml", "punjab_police_urdu*.csv", "شکایت نمبر")):
        (tmp_path / name).write_text(_layout("", f'case_ref = "{ref}"\ndistrict = "D"\n'
                                                 'date_reported = "T"')
                                     .replace('id = "x"', f'id = "{name[0]}"')
                                     .replace('files = ["x*.csv"]', f'files = ["{pattern}"]'), encoding="utf-8")
    layouts = load_layouts(tmp_path)
    layout, warning = choose_layout(Path("punjab_police_urdu_2024.csv"), ["شکایت نمبر", "D", "T"], layouts)
    assert layout.id == "b"  # the one whose columns fit the header
    assert warning and "a, b" in warning.reason and warning.action == "warning"
    assert choose_layout(Path("punjab_police_2024.csv"), ["Complaint No.", "D", "T"], layouts)[1] is None
