"""Extraction, validation and de-duplication on small hand-made exports with two test layouts.

Each test writes its input into a temporary raw folder and runs the real build into a temporary warehouse.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pytest

from etl.pipeline import BuildError, build_warehouse
from tests.helpers import LAYOUTS, POLICE_HEADER, all_text

TODAY = dt.date(2026, 11, 1)


@pytest.fixture
def build(tmp_path, monkeypatch):
    """Run the real build on files written by the test; return (summary, connection factory)."""
    monkeypatch.setenv("TIP_SOURCES_DIR", str(LAYOUTS))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(tmp_path / "reports"))
    raw = tmp_path / "raw"
    raw.mkdir()
    target = tmp_path / "wh.duckdb"

    def run(files: dict[str, bytes | str]) -> tuple[dict, duckdb.DuckDBPyConnection]:
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (raw / name).write_bytes(data)
        summary = build_warehouse(raw, target, today=TODAY)
        return summary, duckdb.connect(str(target), read_only=True)

    return run


def police(*rows: str) -> str:
    return "\n".join((POLICE_HEADER, *rows)) + "\n"


GOOD = "P1,Lahore,01/02/2020,FIR 12/2020,03/02/2020,kiln,\"BLSA, 374 PPC\",challan submitted,,,3,F,17,,Ali Khan,35202-1234567-1,0300-1234567,SYNTHETIC DEMO DATA"  # noqa: E501


def issues(con, file: str | None = None) -> list[tuple]:
    sql = 'SELECT file, "row", "column", reason, action FROM rejected_rows'
    return con.execute(sql + (" WHERE file = ?" if file else "") + " ORDER BY ALL", [file] if file else []).fetchall()


def test_good_row_loads_with_every_field(build):
    summary, con = build({"police_a.csv": police(GOOD)})
    row = con.execute(
        "SELECT district_id, province, report_month, fir_month, stage, offence, law_codes, law_group, victim_count, "
        "victims_female, victims_child, is_demo FROM cases").fetchall()
    assert row == [("lahore", "Punjab", dt.date(2020, 2, 1), dt.date(2020, 2, 1), "charge_sheet_submitted",
                    "bonded_labour", ["BLSA", "PPC374"], "BLSA 1992", 3, 1, 1, True)]
    assert summary["cases_loaded"] == 1 and summary["rows_rejected"] == 0


def test_bad_rows_are_rejected_with_file_row_column_and_reason_and_good_rows_load(build):
    rows = [
        GOOD,
        "P2,Lahore,31/02/2020,,,kiln,,,,,1,F,15,,,,,",        # impossible date
        ",Lahore,05/03/2020,,,kiln,,,,,1,M,44,,,,,",           # no case reference
        "P4,Lahore,05/03/2099,,,kiln,,,,,1,M,44,,,,,",         # future date
        "P5,Lahore,05/03/2020,,,kiln,,,,,1,M,44,,,,,,extra",   # too many values
        "P6,Lahore,05/03/2021,,,kiln,,,,,2,M,30,,,,,",
    ]
    summary, con = build({"police_a.csv": police(*rows)})
    found = {(r[1], r[2], r[4]) for r in issues(con)}
    assert (3, "Complaint Date", "row rejected") in found
    assert (4, "FIR ID", "row rejected") in found
    assert (5, "Complaint Date", "row rejected") in found
    assert (6, None, "row rejected") in found
    assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 2
    assert summary["rows_read"] == 6 and summary["rows_rejected"] == 4


def test_a_two_digit_year_is_never_read_as_the_first_century_and_every_format_tried_is_named(build):
    """The layout reads dd/mm/yyyy only: "12/03/23" is not a date in the year 23 (by "%d/%m/%Y") or 12 (by the ISO
    fallback "%Y/%m/%d"), but a date in no format of the layout, and the message says which formats were tried."""
    summary, con = build({"police_a.csv": police(GOOD, "P2,Lahore,12/03/23,,12/03/23,kiln,,,,,1,F,15,,,,,",
                                                 "P3,Lahore, 12/03/2023 ,,,kiln,,,,,1,F,15,,,,,")})
    found = issues(con)
    assert [(row, column) for _, row, column, _, action in found if action == "row rejected"] == [(3, "Complaint Date")]
    reason = next(r[3] for r in found if r[1] == 3)
    assert reason == "not a valid date (formats tried: %d/%m/%Y, %Y-%m-%d, %Y-%m-%d %H:%M:%S, %Y/%m/%d)"
    assert con.execute("SELECT min(report_year) FROM cases").fetchall() == [(2020,)]
    assert summary["cases_loaded"] == 2


def test_unreadable_optional_values_are_cleared_not_the_row(build):
    row = "P7,Lahore,05/03/2020,,07/03/2020,weird,\"371-A, sec 999, xyz\",,,,x,M,144,ten years,,,,"
    _, con = build({"police_a.csv": police(row)})
    got = {(r[2], r[4]) for r in issues(con)}
    assert {("Crime", "value cleared"), ("Sections", "value cleared"), ("Victims", "value cleared"),
            ("Age", "value cleared")} <= got
    assert con.execute("SELECT offence, victim_count, law_codes FROM cases").fetchall() == [
        (None, 1, ["OTHER", "PPC371A"])]


def test_stage_follows_the_dates_and_the_verdict(build):
    row = "P8,Lahore,05/03/2020,,07/03/2020,kiln,,under investigation,convicted,05/03/2023,1,M,44,7 years,,,,"
    _, con = build({"police_a.csv": police(row)})
    assert con.execute("SELECT stage, is_convicted, sentence_months, months_fir_to_verdict FROM cases"
                       ).fetchall() == [("trial_concluded", True, 84, 36)]


def test_verdict_before_fir_is_cleared(build):
    row = "P9,Lahore,05/03/2020,,07/03/2021,kiln,,,,05/03/2020,1,M,44,,,,,"
    _, con = build({"police_a.csv": police(row)})
    assert ("Decision Date", "value cleared") in {(r[2], r[4]) for r in issues(con)}
    assert con.execute("SELECT stage, verdict_month FROM cases").fetchall() == [("fir_registered", None)]


def test_exact_duplicates_and_updates_are_merged(build):
    later = GOOD.replace("challan submitted", "").replace(",,,3,", ",convicted,01/01/2022,3,")
    summary, con = build({"police_a.csv": police(GOOD, GOOD, later)})
    assert con.execute("SELECT count(*), max(stage) FROM cases").fetchall() == [(1, "trial_concluded")]
    assert summary["rows_merged"] == 2


def test_same_fir_from_two_agencies_is_one_case(build):
    ngo = ("Ref,District,Date,FIR,Type,Gender,Age,Referred,Name,Phone\n"
           "N1,لاہور,2020-02-10,12/20 PS Saddar,bonded_labour,female,16,yes,علی,03001234567\n")
    # FIR numbers restart at every police station: both name theirs (Saddar and Sadar are one spelling).
    _, con = build({"police_a.csv": police(GOOD.replace("FIR 12/2020", "FIR 12/2020 P.S. Sadar")), "ngo.csv": ngo})
    assert con.execute("SELECT count(*), max(reported_by), max(source_id) FROM cases").fetchall() == [
        (1, 2, "test_police")]


@pytest.mark.parametrize("encoding,detected", [
    ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1252", "cp1252"),
    # Printable Latin-1 text reads the same as Windows-1252, the usual encoding of office exports.
    ("latin-1", "cp1252"),
])
def test_encodings_are_detected(build, encoding, detected):
    name = "علی خان" if encoding.startswith("utf") else "Zoë Cañón"
    summary, con = build({"police_a.csv": police(GOOD.replace("Ali Khan", name)).encode(encoding)})
    assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 1
    assert summary["input_files"][0]["encoding"] == detected


def test_semicolon_delimiter(build):
    text = police(GOOD).replace(",", ";").replace('"BLSA; 374 PPC"', '"BLSA, 374 PPC"')
    _, con = build({"police_a.csv": text})
    assert con.execute("SELECT law_codes FROM cases").fetchall() == [(["BLSA", "PPC374"],)]


@pytest.mark.parametrize("name,content,fragment", [
    ("police_empty.csv", b"", "empty"),
    ("police_junk.csv", bytes(range(256)) * 40, "binary"),
    ("police_old.csv", b"\xd0\xcf\x11\xe0" + b"\x00" * 600, "old Excel"),
    ("police_renamed.csv", "Ref;Something\n1;2\n", "required column(s) 'FIR ID' (case_ref)"),
    ("unknown_agency.csv", "Ref;Something\n1;2\n", "no source layout"),
    ("notes.pdf", b"%PDF-1.4", "'.pdf' files are not read"),
])
def test_unusable_files_are_skipped_with_a_message_and_others_still_load(build, name, content, fragment):
    summary, con = build({"police_a.csv": police(GOOD), name: content})
    skipped = [r for r in issues(con, name) if r[4] == "file skipped"]
    assert skipped and fragment.lower() in skipped[0][3].lower()
    assert summary["cases_loaded"] == 1


def test_missing_required_column_names_it(build):
    text = police(GOOD).replace("Complaint Date", "Date of Complaint")
    with pytest.raises(BuildError, match="could be read"):
        build({"police_a.csv": text})


def test_unknown_columns_are_dropped_and_reported(build):
    text = police(GOOD).replace("Synthetic Record", "Synthetic Record,Informant Name").replace(
        "SYNTHETIC DEMO DATA", "SYNTHETIC DEMO DATA,Bashir Ahmed")
    _, con = build({"police_a.csv": text})
    assert any("Informant Name" in r[3] and r[4] == "warning" for r in issues(con))
    assert all_text(con).isdisjoint({"Bashir Ahmed"})


def test_xlsx_with_several_sheets_merged_cells_and_formulas(build, tmp_path):
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes["A1"] = "Exported register"
    ws = wb.create_sheet("Register")
    ws.append(POLICE_HEADER.split(","))
    ws.append(["X1", "Multan", "2021-04-02", "7/2021", "2021-04-03", "kiln", "BLSA", "", "", "", 2, "M", 30])
    ws.append(["X2", None, "2021-05-02", "", "", "kiln", "BLSA", "", "", "", 1, "F", 12])
    ws.merge_cells("B2:B3")
    ws["Z1"] = "=1+1"
    path = tmp_path / "police_x.xlsx"
    wb.save(path)
    _, con = build({"police_x.xlsx": path.read_bytes()})
    assert con.execute("SELECT district_id, count(*) FROM cases GROUP BY 1").fetchall() == [("multan", 2)]
    assert any("merged cells" in r[3] for r in issues(con))


def test_personal_data_never_reaches_the_warehouse(build):
    rows = [GOOD, "P2,0300 7654321,05/03/2020,FIR 9/2020 35202-7654321-9,,kiln,,,,,1,M,44,,Gul Bibi,,,"]
    _, con = build({"police_a.csv": police(*rows)})
    text = all_text(con)
    for planted in ("Ali Khan", "Gul Bibi", "35202-1234567-1", "0300-1234567", "0300 7654321", "7654321",
                    "P1", "FIR 12/2020"):
        assert not any(planted in value for value in text), planted


def test_short_rows_load_and_later_rows_keep_their_numbers(build):
    rows = [GOOD, "P2,Lahore,05/03/2020", "P3,Lahore,31/02/2020,,,kiln,,,,,1,F,15,,,,,", "P4,Lahore,1/1/2021,x,y,z,"
            "a,b,c,d,e,f,g,h,i,j,k,l,m,n", "P5,Lahore,31/02/2021,,,kiln,,,,,1,F,15,,,,,"]
    summary, con = build({"police_a.csv": police(*rows)})
    found = {(r[1], r[4]) for r in issues(con)}
    assert {(4, "row rejected"), (5, "row rejected"), (6, "row rejected")} <= found
    assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 2


def test_windows_1252_after_a_long_ascii_start_is_still_read(build):
    filler = [GOOD.replace("P1", f"Q{i}").replace("12/2020", f"{i}/2019") for i in range(4000)]
    late = GOOD.replace("P1", "LATE").replace("Ali Khan", "Zoë’s").replace("12/2020", "99/2018")
    summary, con = build({"police_a.csv": police(*filler, late).encode("cp1252")})
    assert summary["input_files"][0]["encoding"] == "cp1252"
    assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 4001
