"""De-duplication keeps real victims and real cases (issue #10).

Two victim rows are one victim only when every cell of the row repeats and the layout says its rows can repeat;
an FIR is the same FIR only at the same police station in the same district. Each test builds a warehouse with the
real ETL from small files and layouts written into tmp_path.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl import demo
from etl.layouts import LayoutError, parse_layout
from etl.pipeline import build_warehouse
from tests.conftest import DEMO_CASES, DEMO_SEED

TODAY = dt.date(2026, 11, 1)

POLICE = """[source]
id = "t_police"
agency = "Test Police"
agency_type = "police"
province = "Punjab"
files = ["police*.csv"]
grain = "case"
date_formats = ["%d/%m/%Y"]

[columns]
case_ref = "Complaint No"
district = "District"
date_reported = "Date"
fir_number = "FIR"
victim_sex = "Sex"
victim_age = "Age"

[personal]
columns = ["Name"]

[codes.victim_sex]
"m" = "male"
"f" = "female"
"""

FIA = """[source]
id = "t_fia"
agency = "Test FIA"
agency_type = "fia"
files = ["fia*.csv"]
grain = "victim"

[columns]
case_ref = "Enquiry No"
district = "District"
date_reported = "Date"
fir_number = "FIR"
victim_sex = "Sex"
victim_age = "Age"

[personal]
columns = ["Name"]

[codes.victim_sex]
"m" = "male"
"f" = "female"
"""

NGO = """[source]
id = "t_ngo"
agency = "Test NGO"
agency_type = "ngo"
files = ["ngo*.csv"]
grain = "victim"
{repeat}
[columns]
case_ref = "Case ID"
district = "District"
date_reported = "Intake Date"
victim_sex = "Sex"
victim_age = "Age"

[personal]
columns = ["Survivor Name", "CNIC"]
"""

LABOUR = """[source]
id = "t_labour"
agency = "Test Labour Department"
agency_type = "labour"
province = "Punjab"
files = ["labour*.csv"]
grain = "case"

[columns]
case_ref = "DVC Case No."
district = "District"
date_reported = "Date of Raid"
fir_number = "FIR No."
police_station = "Police Station"
"""


@pytest.fixture
def build(tmp_path, monkeypatch):
    """Write layouts and files, run the real build; return (summary, read-only connection)."""
    sources, raw = tmp_path / "sources", tmp_path / "raw"
    sources.mkdir()
    raw.mkdir()
    monkeypatch.setenv("TIP_SOURCES_DIR", str(sources))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(tmp_path / "reports"))

    def run(files: dict[str, str], rows_can_repeat: bool | None = None) -> tuple[dict, duckdb.DuckDBPyConnection]:
        repeat = "" if rows_can_repeat is None else f"rows_can_repeat = {str(rows_can_repeat).lower()}\n"
        layouts = {"police": POLICE, "fia": FIA, "ngo": NGO.format(repeat=repeat), "labour": LABOUR}
        for name, text in layouts.items():
            if any(f.startswith(name) for f in files):  # the layouts of the files given only
                (sources / f"{name}.toml").write_text(text, encoding="utf-8")
        for name, content in files.items():
            (raw / name).write_text(content, encoding="utf-8")
        summary = build_warehouse(raw, tmp_path / "wh.duckdb", today=TODAY)
        return summary, duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)

    return run


def csv(header: str, *rows: str) -> str:
    return "\n".join((header, *rows)) + "\n"


def merges(con) -> list[tuple[str, int, str]]:
    return con.execute("SELECT file, \"row\", reason FROM rejected_rows WHERE action = 'duplicate merged' "
                       "ORDER BY ALL").fetchall()


NGO_HEADER = "Case ID,Intake Date,District,Survivor Name,CNIC,Sex,Age"
# One brick-kiln raid: twelve men and boys freed together, four of them boys of 9-17, five men of 30-38, two of
# them 31 years old; only their names and CNICs tell those two apart.
RAID = [
    ("Allah Ditta", 12), ("Ghulam Rasool", 14), ("Bashir Masih", 15), ("Yousaf Masih", 16), ("Khuda Bux", 19),
    ("Shaukat Ali", 30), ("Rahim Bakhsh", 31), ("Nazir Ahmed", 31), ("Zahid Iqbal", 33), ("Tariq Mehmood", 38),
    ("Sajid Hussain", 40), ("Naveed Anjum", 45),
]


@pytest.mark.parametrize("rows_can_repeat", [None, True])
def test_a_raid_of_twelve_men_and_boys_loads_twelve_victims(build, rows_can_repeat):
    rows = [f"HSN-2301,2023-03-12,Kasur,{name},35102-00000{i:02d}-1,male,{age}"
            for i, (name, age) in enumerate(RAID)]
    summary, con = build({"ngo_raid.csv": csv(NGO_HEADER, *rows)}, rows_can_repeat)
    assert con.execute("SELECT count(*), sum(victim_count), sum(victims_male), sum(victims_child) FROM cases"
                       ).fetchall() == [(1, 12, 12, 4)]
    bands = dict(con.execute("SELECT age_band, count(*) FROM victims GROUP BY 1").fetchall())
    assert bands == {"9-17": 4, "18-20": 1, "30-38": 5, "39-47": 2}
    assert summary["rows_merged"] == 0 and merges(con) == []


@pytest.mark.parametrize("rows_can_repeat,victims", [(None, 3), (False, 3), (True, 2)])
def test_identical_victim_rows_are_one_victim_only_where_the_layout_says_rows_can_repeat(build, rows_can_repeat,
                                                                                         victims):
    same = "HSN-2302,2023-04-01,Lahore,Kiran Masih,35202-1111111-2,female,17"
    rows = [same, same, "HSN-2302,2023-04-01,Lahore,Sobia Masih,35202-2222222-2,female,17"]
    summary, con = build({"ngo_log.csv": csv(NGO_HEADER, *rows)}, rows_can_repeat)
    assert con.execute("SELECT count(*), sum(victim_count) FROM cases").fetchall() == [(1, victims)]
    assert con.execute("SELECT count(*) FROM victims").fetchall()[0][0] == victims
    expected = [("ngo_log.csv", 3, "exact duplicate of row 2")] if victims == 2 else []
    assert merges(con) == expected and summary["rows_merged"] == len(expected)


POLICE_HEADER = "Complaint No,District,Date,FIR,Sex,Age,Name"
FIA_HEADER = "Enquiry No,District,Date,FIR,Sex,Age,Name"


def test_case_grain_repeats_compare_raw_values_not_age_bands(build):
    row = "C-7,Lahore,01/03/2023,45/2023 PS Civil Lines,M,30,Muhammad Aslam"
    summary, con = build({"police_a.csv": csv(POLICE_HEADER, row, row, row.replace(",30,", ",31,"))})
    assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 1
    # The exact repeat is an exact duplicate; the row with another age (same band) is an update of the case.
    assert [(row, reason) for _, row, reason in merges(con)] == [
        (3, "exact duplicate of row 2"),
        (4, "another row with the same case reference; the row that reached the furthest stage was kept")]
    assert summary["rows_merged"] == 2


def test_four_complaints_sharing_fir_45_2023_in_two_districts_and_two_stations_are_four_cases(build):
    police = csv(POLICE_HEADER,
                 "C-1,Lahore,01/03/2023,45/2023 PS Civil Lines,M,30,Muhammad Aslam",
                 "C-2,Lahore,05/03/2023,FIR No. 45/23 P.S. Saddar,F,22,Nasreen Bibi")
    fia = csv(FIA_HEADER,
              "F-1,Dera Ghazi Khan,2023-03-07,FIR No. 45/2023 PS Civil Lines,M,25,Shaukat Ali",
              "F-2,D.G. Khan,2023-03-09,Cr. No. 45/2023 P.S. Saddar,F,19,Shazia Parveen")
    summary, con = build({"police_a.csv": police, "fia_2023.csv": fia})
    rows = con.execute("SELECT source_id, district_id, reported_by FROM cases ORDER BY ALL").fetchall()
    assert rows == [("t_fia", "dera-ghazi-khan", 1), ("t_fia", "dera-ghazi-khan", 1), ("t_police", "lahore", 1),
                    ("t_police", "lahore", 1)]
    assert summary["rows_merged"] == 0 and merges(con) == []


def test_the_same_fir_reported_by_police_and_fia_is_one_case(build):
    police = csv(POLICE_HEADER, "C-1,Lahore,01/03/2023,Cr. No. 45/2023 P.S. Saddar,M,30,Muhammad Aslam")
    fia = csv(FIA_HEADER, "F-1,lahore,2023-03-20,FIR No. 045/23 PS Sadar,M,30,Muhammad Aslam",
              "F-1,lahore,2023-03-20,FIR No. 045/23 PS Sadar,M,24,Waqas Ahmed Butt")
    summary, con = build({"police_a.csv": police, "fia_2023.csv": fia})
    assert con.execute("SELECT source_id, district_id, reported_by FROM cases").fetchall() == [
        ("t_police", "lahore", 2)]
    assert merges(con) == [("fia_2023.csv", 2, "same FIR (number, year, police station and district) as a case "
                                               "reported by another agency; merged into it")]
    assert summary["rows_merged"] == 1


def test_a_station_written_on_one_record_only_keeps_two_cases(build):
    police = csv(POLICE_HEADER, "C-1,Lahore,01/03/2023,45/2023 PS Saddar,M,30,Muhammad Aslam")
    fia = csv(FIA_HEADER, "F-1,Lahore,2023-03-20,FIR 45/2023,M,30,Muhammad Aslam")
    _, con = build({"police_a.csv": police, "fia_2023.csv": fia})
    assert con.execute("SELECT count(*), max(reported_by) FROM cases").fetchall() == [(2, 1)]


def test_police_station_in_a_column_of_its_own(build):
    police = csv(POLICE_HEADER, "C-1,Kasur,01/03/2023,45/2023 PS Sadar,M,30,Muhammad Aslam",
                 "C-2,Kasur,02/03/2023,45/2023 PS Civil Lines,M,33,Zahid Iqbal")
    labour = csv("DVC Case No.,District,Date of Raid,FIR No.,Police Station",
                 "DVC-1,Kasur,2023-03-10,FIR 45/2023,P.S. Saddar",
                 "DVC-2,Kasur,2023-03-11,FIR 45/2023,Kot Radha Kishan")
    _, con = build({"police_a.csv": police, "labour_2023.csv": labour})
    rows = con.execute("SELECT source_id, reported_by FROM cases ORDER BY ALL").fetchall()
    # DVC-1 cites C-1's FIR; DVC-2 an FIR of the same number at another station, like C-2.
    assert rows == [("t_labour", 1), ("t_police", 1), ("t_police", 2)]
    assert [f for f, _, _ in merges(con)] == ["labour_2023.csv"]


def test_rows_can_repeat_is_checked_and_defaults_by_grain(tmp_path):
    path = tmp_path / "ngo.toml"
    path.write_text(NGO.format(repeat=""), encoding="utf-8")
    assert parse_layout(path).rows_can_repeat is False
    path.write_text(POLICE, encoding="utf-8")
    assert parse_layout(path).rows_can_repeat is True
    path.write_text(NGO.format(repeat='rows_can_repeat = "yes"\n'), encoding="utf-8")
    with pytest.raises(LayoutError, match="rows_can_repeat must be true or false"):
        parse_layout(path)


# --- the demo build -------------------------------------------------------------------------------------------------

def _demo_truth() -> tuple[dict[tuple[str, int], int], dict[str, int], pd.Series]:
    """(file, spreadsheet row) -> true case of every demo row; rows each layout exported twice; reports per case."""
    sim = demo.simulate(DEMO_CASES, DEMO_SEED)
    rows, repeats = {}, {}
    for layout in demo.LAYOUTS.values():
        export = demo.render(sim, layout, DEMO_SEED)
        cells = pd.DataFrame({h: pd.Series(v, dtype=object) for h, v in export.columns.items()})
        repeats[layout.source_id] = int((cells.iloc[1:].to_numpy() == cells.iloc[:-1].to_numpy()).all(axis=1).sum())
        if layout.fmt == "xlsx":  # one workbook a year, data from spreadsheet row 5
            for year in demo.YEARS:
                part = export.take(export.year == year)
                rows.update({(f"{layout.stem}_{year}.xlsx", i + 5): c for i, c in enumerate(part.case)})
        else:
            rows.update({(f"{layout.stem}.csv", i + 2): c for i, c in enumerate(export.case)})
    return rows, repeats, sim.reports.groupby("case").size()


def test_demo_build_merges_only_what_the_generator_repeated(build_summary):
    truth, repeats, _ = _demo_truth()
    report = pd.read_csv(Path(build_summary["report_dir"]) / "rejected_rows.csv")
    merged = report[report["action"] == "duplicate merged"]
    exact = merged[merged["reason"].str.startswith("exact duplicate")]
    source = exact["file"].str.replace(r"^demo_|(_\d{4})?\.(csv|xlsx)$", "", regex=True)
    found = source.value_counts().to_dict()
    # A repeated row that is also rejected (no case reference, an impossible date) is not merged.
    for source_id, injected in repeats.items():
        assert injected - 2 <= found.get(source_id, 0) <= injected, source_id
    assert sum(found.values()) > 5
    for file, row, reason in zip(exact["file"], exact["row"], exact["reason"], strict=True):
        assert truth[(file, row)] == truth[(file, int(re.search(r"row (\d+)", reason).group(1)))]


def test_demo_build_loses_no_case_to_a_wrong_fir_merge(build_summary):
    truth, _, reports = _demo_truth()
    report = pd.read_csv(Path(build_summary["report_dir"]) / "rejected_rows.csv")
    by_fir = report[report["reason"].str.startswith("same FIR", na=False)]
    assert len(by_fir) > 10
    # Every record merged by its FIR belongs to a case that another agency also reported.
    cases = np.array([truth[(f, r)] for f, r in zip(by_fir["file"], by_fir["row"], strict=True)])
    assert (reports.reindex(cases).to_numpy() >= 2).all()
