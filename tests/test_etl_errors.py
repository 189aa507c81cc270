"""Plain errors instead of crash logs (issue #10, part 5): what `python -m etl build` prints when the key, a folder
name, a layout's message or a workbook's mapping is unusual, captured from the command line itself."""

from __future__ import annotations

import io

import duckdb
import openpyxl
import pytest
from rich.console import Console

from etl import cli
from etl.extract import extract_file
from etl.layouts import load_layouts
from tests.helpers import LAYOUTS, POLICE_HEADER

GOOD = "P1,Lahore,01/02/2020,FIR 12/2020,03/02/2020,kiln,\"BLSA, 374 PPC\",challan submitted,,,3,F,17,,Ali Khan,35202-1234567-1,0300-1234567,SYNTHETIC DEMO DATA"  # noqa: E501
SECOND = "P2,Kasur,05/03/2021,,,kiln,,,,,1,M,30,,,,,SYNTHETIC DEMO DATA"


@pytest.fixture
def run_cli(monkeypatch):
    """cli.main(argv) -> (exit code, everything it printed), on a console wide enough not to wrap."""

    def run(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        monkeypatch.setattr(cli, "console", Console(file=out, width=2000, color_system=None))
        code = cli.main(list(argv))
        return code, out.getvalue()

    return run


def _no_crash(output: str) -> None:
    assert "Build failed unexpectedly" not in output and "crash" not in output and "Traceback" not in output, output


# --- the pseudonym key ------------------------------------------------------------------------------------------

def test_short_pseudonym_key_is_a_plain_sentence_not_a_crash_log(tmp_path, monkeypatch, run_cli):
    monkeypatch.setenv("TIP_PSEUDONYM_KEY", "too-short")
    monkeypatch.setenv("TIP_REPORTS_DIR", str(tmp_path / "reports"))
    raw = tmp_path / "raw"
    code, output = run_cli("build", "--quiet", "--raw", str(raw), "--warehouse", str(tmp_path / "w.duckdb"))
    assert code != 0
    _no_crash(output)
    assert "PseudonymKeyError" not in output
    assert "the pseudonym key must be at least 16 characters; set a longer TIP_PSEUDONYM_KEY" in output
    assert "The previous warehouse, if any, is unchanged." in output
    # Checked first: no demo data is generated for a build that cannot run, and no crash log is written.
    assert not list(raw.glob("*")) and not (tmp_path / "reports").exists()
    assert not (tmp_path / "w.duckdb").exists()


# --- folder names with quotes, spaces and Urdu letters ------------------------------------------------------------

FOLDERS = {
    "quote": ("o'brien data", "o'brien warehouse", "o'brien [reports]", "o'brien release"),
    "urdu": ("ڈیٹا فولڈر", "گودام فولڈر", "رپورٹیں [2026]", "اجرا فولڈر"),
    "mixed": ("o'brien ڈیٹا \"raw\"", "say \"it's\" here", "[bold]reports[/bold] o'brien", "it's ڈیٹا"),
}


@pytest.mark.parametrize("names", list(FOLDERS.values()), ids=list(FOLDERS))
def test_folders_named_with_quotes_spaces_and_urdu_build(tmp_path, monkeypatch, run_cli, names):
    raw_name, warehouse_name, reports_name, release_name = names
    raw = tmp_path / raw_name
    raw.mkdir()
    # One file DuckDB reads where it lies (in the raw folder), one with a title row that is first copied into the
    # build's work folder beside the warehouse and read from there.
    (raw / "police_a.csv").write_text("\n".join((POLICE_HEADER, GOOD)) + "\n", encoding="utf-8")
    (raw / "police_b.csv").write_text("\n".join(("Export of 2021", POLICE_HEADER, SECOND)) + "\n", encoding="utf-8")
    target = tmp_path / warehouse_name / "w.duckdb"
    reports = tmp_path / reports_name
    monkeypatch.setenv("TIP_SOURCES_DIR", str(LAYOUTS))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(reports))
    # The configured warehouse publishes to the configured release folder (any other publishes beside itself).
    monkeypatch.setenv("TIP_WAREHOUSE", str(target))
    monkeypatch.setenv("TIP_RELEASE_DIR", str(tmp_path / release_name))
    monkeypatch.setenv("TIP_LEDGER", str(tmp_path / warehouse_name / "privacy_ledger.duckdb"))
    code, output = run_cli("build", "--quiet", "--raw", str(raw), "--warehouse", str(target))
    assert code == 0, output
    _no_crash(output)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 2
    run_reports = [p for p in reports.iterdir() if p.is_dir()]
    assert len(run_reports) == 1 and (run_reports[0] / "rejected_rows.csv").is_file()
    # The summary names the report folder as it is, brackets and all, and the release was built there too.
    assert f"Report (rejected rows, district matches): {run_reports[0]}" in output
    assert "Public release not updated" not in output
    assert (tmp_path / release_name / "datapackage.json").is_file()
    assert not list(target.parent.glob(".w.duckdb.building-*"))


# --- brackets in messages ----------------------------------------------------------------------------------------

def _layouts_with(tmp_path, text: str):
    folder = tmp_path / "layouts"
    folder.mkdir()
    (folder / "agency.toml").write_text(text, encoding="utf-8")
    return folder


SOURCE = """[source]
id = "agency"
agency = "Agency"
agency_type = "police"
files = ["*.csv"]
grain = "case"
"""


@pytest.mark.parametrize("layout, message", [
    (SOURCE + '[columns]\ncase_ref = "Ref"\ndistrict = "District"\n',
     "agency.toml: [columns] must map the required fields ['date_reported']"),
    (SOURCE + '[columns]\ncase_ref = "Ref"\ndistrict = "District"\ndate_reported = "Date"\n'
     '[codes.offence]\n"kiln" = "brick_kiln"\n',
     'agency.toml: [codes.offence] maps "kiln" to "brick_kiln", which is not one of: sexual_exploitation'),
], ids=["columns", "codes.offence"])
def test_messages_keep_their_bracketed_words(tmp_path, monkeypatch, run_cli, layout, message):
    monkeypatch.setenv("TIP_SOURCES_DIR", str(_layouts_with(tmp_path, layout)))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(tmp_path / "reports"))
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.csv").write_text("Ref,District,Date\nA1,Lahore,2020-01-01\n", encoding="utf-8")
    code, output = run_cli("build", "--quiet", "--raw", str(raw), "--warehouse", str(tmp_path / "w.duckdb"))
    assert code == 2
    _no_crash(output)
    assert f"Build stopped: {message}" in output


def test_progress_messages_keep_their_brackets(tmp_path, monkeypatch, run_cli):
    """The progress bar shows "Reading <file>": a file named with brackets keeps them there too."""
    seen: list[str] = []
    real = cli.Progress

    class Recording(real):
        def update(self, task, **fields):
            super().update(task, **fields)
            if "description" in fields:
                seen.append(self.columns[0].render(self._tasks[task]).plain)

    monkeypatch.setattr(cli, "Progress", Recording)
    monkeypatch.setenv("TIP_SOURCES_DIR", str(LAYOUTS))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("TIP_RELEASE_DIR", str(tmp_path / "release"))
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "police [bold] 2020.csv").write_text("\n".join((POLICE_HEADER, GOOD)) + "\n", encoding="utf-8")
    code, output = run_cli("build", "--raw", str(raw), "--warehouse", str(tmp_path / "w.duckdb"))
    assert code == 0, output
    assert any("Reading police [bold] 2020.csv" in line for line in seen), seen


# --- a workbook column mapped to two fields -------------------------------------------------------------------------

TWO_FIELDS_ONE_COLUMN = """[source]
id = "register"
agency = "Register"
agency_type = "police"
files = ["register*"]
grain = "case"

[columns]
case_ref = "FIR Number"
fir_number = "FIR Number"
district = "District"
date_reported = "Date"
"""


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_one_column_mapped_to_two_fields_is_read_from_a_workbook_as_from_a_csv(tmp_path, suffix):
    layouts = load_layouts(_layouts_with(tmp_path, TWO_FIELDS_ONE_COLUMN))
    rows = [("FIR Number", "District", "Date", "Victim Name"),
            ("45/2023 PS Civil Lines", "Lahore", "2023-03-01", "Ali"),
            ("12/2022 PS Saddar", "Kasur", "2022-07-15", "Bibi")]
    path = tmp_path / f"register{suffix}"
    if suffix == ".xlsx":
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    else:
        path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    con = duckdb.connect()
    result = extract_file(con, path, layouts, "raw_0", tmp_path)
    assert [i.reason for i in result.issues if i.action == "file skipped"] == []
    assert result.table and result.rows_read == 2
    got = con.execute("SELECT _row, case_ref, fir_number, district, date_reported FROM raw_0 ORDER BY _row").fetchall()
    assert got == [(2, "45/2023 PS Civil Lines", "45/2023 PS Civil Lines", "Lahore", "2023-03-01"),
                   (3, "12/2022 PS Saddar", "12/2022 PS Saddar", "Kasur", "2022-07-15")]
