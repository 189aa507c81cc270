"""Extract: read one agency export (CSV in any common encoding, or .xlsx) into a DuckDB table of text columns.

Only the columns a layout maps onto the contract are kept. Personal columns are dropped at the header, and so are
unknown columns (an unknown column may hold personal data). Each kept row carries its spreadsheet row number
(the header is row 1) so every message can point at it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from etl.issues import Issue
from etl.layouts import CONTRACT_FIELDS, REQUIRED_FIELDS, Layout

SAMPLE_BYTES = 256 * 1024
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
IGNORED_NAMES = {"demo_manifest.json", "readme.md", "readme.txt", ".gitkeep"}
BINARY = "the file holds binary data, not text; export it again as CSV (UTF-8) or .xlsx"
# Excel serial day 0; Excel's 1900 leap-year bug makes 1899-12-30 the right origin for dates after 1900-03-01.
EXCEL_EPOCH = dt.date(1899, 12, 30)


class FileProblem(Exception):
    """The whole file cannot be used; the message says why and what to do."""


@dataclass
class Extracted:
    path: Path
    sha256: str
    layout: Layout | None = None
    table: str | None = None
    rows_read: int = 0
    encoding: str | None = None
    sheet: str | None = None
    issues: list[Issue] = field(default_factory=list)


def input_files(raw_dir: Path) -> list[Path]:
    """Files in the raw folder that the build should read, in a stable order."""
    if not raw_dir.is_dir():
        return []
    return sorted(
        p for p in raw_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name.lower() not in IGNORED_NAMES
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- text files -------------------------------------------------------------------------------------------------

def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV sample: BOMs first, then UTF-16 without BOM, UTF-8, Windows-1252, Latin-1."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        # ASCII text in UTF-16 has a zero byte in every other position.
        odd_zeros = sample[1::2].count(0) / max(1, len(sample[1::2]))
        even_zeros = sample[0::2].count(0) / max(1, len(sample[0::2]))
        guess = None
        if odd_zeros > 0.3 and even_zeros < 0.05:
            guess = "utf-16-le"
        elif even_zeros > 0.3 and odd_zeros < 0.05:
            guess = "utf-16-be"
        if guess:
            _check_text(sample.decode(guess, errors="ignore"))
            return guess
        raise FileProblem(BINARY)
    for encoding in ("utf-8", "cp1252"):
        try:
            # Not final: the sample may end inside a multi-byte character.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"


def _check_text(text: str) -> None:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    if text and controls / len(text) > 0.01:
        raise FileProblem(BINARY)


def detect_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        counts = {d: header.count(d) for d in ",;\t|"}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def _header(text: str, delimiter: str) -> list[str]:
    try:
        row = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except StopIteration:
        raise FileProblem("the file has no header row") from None
    return [h.strip() for h in row]


def _utf8_copy(path: Path, encoding: str, workdir: Path) -> Path:
    """DuckDB reads UTF-8 only: stream other encodings into a UTF-8 copy."""
    target = Path(tempfile.mkstemp(suffix=".csv", dir=workdir)[1])
    with path.open("r", encoding=encoding, newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
        for chunk in iter(lambda: src.read(1 << 20), ""):
            dst.write(chunk)
    return target


# --- layouts and headers ----------------------------------------------------------------------------------------

def choose_layout(path: Path, header: list[str], layouts: list[Layout]) -> Layout:
    by_name = [lay for lay in layouts if lay.matches_name(path.name)]
    if by_name:
        return by_name[0]
    by_header = [lay for lay in layouts if lay.matches_header(header)]
    if len(by_header) == 1:
        return by_header[0]
    if len(by_header) > 1:
        ids = ", ".join(lay.id for lay in by_header)
        raise FileProblem(f"the header fits several source layouts ({ids}); add this file name to one layout's 'files'")
    raise FileProblem(
        "no source layout describes this file (its name matches no 'files' pattern and its header has no layout's "
        "required columns); add a layout in etl/sources/ (see data/README.md, section 3)"
    )


def column_plan(header: list[str], layout: Layout, issues: list[Issue], filename: str) -> dict[str, int]:
    """Contract field -> header position. Reports duplicated, unknown and missing columns."""
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        key = name.strip().lower()
        if key in positions:
            issues.append(Issue(filename, 1, name, f"header '{name}' appears twice (columns {positions[key] + 1} "
                                f"and {i + 1}); column {positions[key] + 1} is used", "warning"))
            continue
        positions[key] = i
    personal = {p.strip().lower() for p in layout.personal}
    mapped = {src.strip().lower() for src in layout.columns.values()}
    for name in header:
        key = name.strip().lower()
        if key and key not in mapped and key not in personal:
            issues.append(Issue(filename, 1, name, f"column '{name}' is not in layout {layout.path.name} and was "
                                "dropped (it may hold personal data); map it under [columns] or list it under "
                                "[personal]", "warning"))
    plan: dict[str, int] = {}
    missing_required = []
    for fld, src in layout.columns.items():
        pos = positions.get(src.strip().lower())
        if pos is None:
            if fld in REQUIRED_FIELDS:
                missing_required.append(f"'{src}' ({fld})")
            else:
                issues.append(Issue(filename, 1, src, f"optional column '{src}' ({fld}) is missing; "
                                    "the field is loaded as not recorded", "warning"))
            continue
        plan[fld] = pos
    if missing_required:
        raise FileProblem(
            f"required column(s) {', '.join(missing_required)} not found in the header; layout "
            f"{layout.path.name} expects them (the header has: {', '.join(h for h in header if h)[:300]})"
        )
    return plan


def _select_contract(source: str, plan: dict[str, int]) -> str:
    cols = [
        f"nullif(trim(c{plan[f]}), '') AS {f}" if f in plan else f"NULL::VARCHAR AS {f}" for f in CONTRACT_FIELDS
    ]
    return f"SELECT _row, {', '.join(cols)} FROM {source}"


# --- CSV --------------------------------------------------------------------------------------------------------

def _accepted_rows(n_records: int, rejected_lines: list[int], first_line: int) -> np.ndarray:
    """Spreadsheet row of each accepted record, given the physical lines DuckDB rejected."""
    candidates = np.arange(first_line, first_line + n_records + len(rejected_lines))
    return np.setdiff1d(candidates, np.asarray(rejected_lines, dtype=candidates.dtype))[:n_records]


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str, delimiter: str, columns: str,
              parallel: bool) -> list[tuple[int, str]]:
    """Load a CSV into {table}_csv as text columns; return the (line, error type) of rows that could not be split."""
    rejects = f"{table}_rejects"
    delim_sql = delimiter.replace("'", "''")
    con.execute(
        f"""CREATE TEMP TABLE {table}_csv AS
            SELECT * FROM read_csv(?, header = true, auto_detect = false, delim = '{delim_sql}', quote = '"',
                                   escape = '"', columns = {columns}, null_padding = {not parallel},
                                   parallel = {parallel}, max_line_size = 4194304, store_rejects = true,
                                   rejects_table = '{rejects}', rejects_scan = '{rejects}_scan')""",
        [str(path)],
    )
    rejected = con.execute(f"SELECT line, error_type::VARCHAR FROM {rejects} ORDER BY line").fetchall()
    con.execute(f"DROP TABLE {rejects}; DROP TABLE {rejects}_scan")
    return [(int(line), error_type) for line, error_type in rejected]


def extract_csv(con: duckdb.DuckDBPyConnection, path: Path, layouts: list[Layout], table: str,
                workdir: Path, result: Extracted) -> None:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileProblem("the file is empty")
    if sample.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        return extract_excel(con, path, layouts, table, result)
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("this is an old Excel (.xls) workbook; save it as .xlsx or CSV (UTF-8) and add it again")
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore").lstrip("\ufeff")
    _check_text(text)
    delimiter = detect_delimiter(text)
    header = _header(text, delimiter)
    if not any(header):
        raise FileProblem("the first row (the header) is empty")
    layout = choose_layout(path, header, layouts)
    result.layout, result.encoding = layout, encoding
    plan = column_plan(header, layout, result.issues, path.name)
    readable = path if encoding in ("utf-8", "utf-8-sig") else _utf8_copy(path, encoding, workdir)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    rejected = _read_csv(con, readable, table, delimiter, columns, parallel=True)
    if readable == path and any(error_type == "INVALID ENCODING" for _, error_type in rejected):
        # The sample looked like UTF-8 but a later line is not: office exports that are otherwise plain ASCII
        # are Windows-1252.
        result.encoding = "cp1252"
        readable = _utf8_copy(path, "cp1252", workdir)
        con.execute(f"DROP TABLE {table}_csv")
        rejected = _read_csv(con, readable, table, delimiter, columns, parallel=True)
    if any(error_type == "MISSING COLUMNS" for _, error_type in rejected):
        # Short rows (trailing empty columns left out) are good rows: read again, padding them with nulls, which
        # DuckDB can only do in one thread.
        con.execute(f"DROP TABLE {table}_csv")
        rejected = _read_csv(con, readable, table, delimiter, columns, parallel=False)
    n = con.execute(f"SELECT count(*) FROM {table}_csv").fetchall()[0][0]
    for line, error_type in rejected:
        reason = {
            "TOO MANY COLUMNS": f"the row has more values than the header's {len(header)} columns "
                                "(a stray delimiter?); fix the row in the export",
            "UNQUOTED VALUE": "a value has an unmatched quote character; fix the row in the export",
        }.get(error_type, f"the row cannot be split into columns ({error_type.lower()})")
        result.issues.append(Issue(path.name, int(line), None, reason, "row rejected"))
    # rowid is the file order (insertion order is preserved); rejected lines shift the rows after them.
    if rejected:
        rows = _accepted_rows(n, [int(r[0]) for r in rejected], first_line=2)
        con.register(f"{table}_rows", pd.DataFrame({"_rec": np.arange(n), "_row": rows}))
        source = f"(SELECT * FROM (SELECT rowid AS _rec, * FROM {table}_csv) JOIN {table}_rows USING (_rec))"
    else:
        source = f"(SELECT rowid + 2 AS _row, * FROM {table}_csv)"
    con.execute(f"CREATE TEMP TABLE {table} AS " + _select_contract(f"{source} ORDER BY _row", plan))
    if rejected:
        con.unregister(f"{table}_rows")
    con.execute(f"DROP TABLE {table}_csv")
    result.table, result.rows_read = table, n + len(rejected)
    if readable != path:
        readable.unlink(missing_ok=True)


# --- Excel ------------------------------------------------------------------------------------------------------

def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _choose_sheet(workbook, layout_hint: Layout | None, layouts: list[Layout], path: Path):
    """The sheet to read (the layout's named sheet, else the first whose header fits a layout), the layout, the
    sheet's rows and the 1-based spreadsheet row of rows[0]."""

    def load(name: str):
        sheet = workbook.get_sheet_by_name(name)
        return sheet, sheet.to_python(), sheet.start[0] + 1 if sheet.start else 1

    if layout_hint and layout_hint.sheet and layout_hint.sheet in workbook.sheet_names:
        sheet, rows, first = load(layout_hint.sheet)
        if rows and layout_hint.header_row - first >= 0:
            return sheet, layout_hint, rows, first
    for name in workbook.sheet_names:
        sheet, rows, first = load(name)
        candidates = [layout_hint] if layout_hint else layouts
        for layout in candidates:
            at = layout.header_row - first
            if 0 <= at < len(rows) and layout.matches_header([_cell_text(c) or "" for c in rows[at]]):
                return sheet, layout, rows, first
    wanted = f"sheet '{layout_hint.sheet}' or " if layout_hint and layout_hint.sheet else ""
    raise FileProblem(
        f"no {wanted}sheet has a header with a layout's required columns (sheets: {', '.join(workbook.sheet_names)})"
    )


def extract_excel(con: duckdb.DuckDBPyConnection, path: Path, layouts: list[Layout], table: str,
                  result: Extracted) -> None:
    # calamine (Rust) reads cached formula values and merged ranges some 20x faster than openpyxl.
    import python_calamine as calamine

    try:
        with path.open("rb") as fh:  # a handle, not the path: the name may not end in .xlsx
            workbook = calamine.CalamineWorkbook.from_filelike(fh)
            by_name = [lay for lay in layouts if lay.matches_name(path.name)]
            sheet, layout, rows, first_row = _choose_sheet(workbook, by_name[0] if by_name else None, layouts,
                                                           path)
            merged = sheet.merged_cell_ranges or []
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise FileProblem(f"the workbook cannot be opened ({type(exc).__name__}); save it again from Excel "
                          "as .xlsx") from None
    result.layout, result.sheet, result.encoding = layout, sheet.name, "xlsx"
    header_at = layout.header_row - first_row  # index of the header in `rows`
    header = [(_cell_text(c) or "").strip() for c in rows[header_at]]
    plan = column_plan(header, layout, result.issues, path.name)
    _fill_merged(rows, merged, first_row, sheet.start[1], header_at, result, path.name)
    data: dict[str, list] = {f"c{i}": [] for i in plan.values()}
    row_numbers: list[int] = []
    for offset, values in enumerate(rows[header_at + 1:], start=header_at + 1):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        row_numbers.append(first_row + offset)
        for i in plan.values():
            data[f"c{i}"].append(_cell_text(values[i]) if i < len(values) else None)
    frame = pd.DataFrame({"_row": row_numbers, **data}, dtype=object)
    frame["_row"] = frame["_row"].astype("int64")
    con.register(f"{table}_xlsx", frame)
    con.execute(f"CREATE TEMP TABLE {table} AS " + _select_contract(f"{table}_xlsx ORDER BY _row", plan))
    con.unregister(f"{table}_xlsx")
    result.table, result.rows_read = table, len(row_numbers)


def _fill_merged(rows: list[list], merged, first_row: int, first_col: int, header_at: int, result: Extracted,
                 filename: str) -> None:
    """Spread a merged cell's value over the cells it covers: agencies merge case fields over victim rows."""
    for (r0, c0), (r1, c1) in merged:
        top, bottom = r0 + 1 - first_row, r1 + 1 - first_row  # 0-based sheet rows -> indexes in `rows`
        if bottom <= header_at:
            continue
        left, right = c0 - first_col, c1 - first_col
        value = rows[top][left] if 0 <= top < len(rows) and 0 <= left < len(rows[top]) else None
        for r in range(max(top, header_at + 1), min(bottom, len(rows) - 1) + 1):
            for c in range(max(left, 0), min(right, len(rows[r]) - 1) + 1):
                rows[r][c] = value
        result.issues.append(Issue(filename, r0 + 1, None, f"merged cells in rows {r0 + 1}-{r1 + 1} were filled "
                                   "with their first cell's value", "warning"))


# --- entry point ------------------------------------------------------------------------------------------------

def extract_file(con: duckdb.DuckDBPyConnection, path: Path, layouts: list[Layout], table: str,
                 workdir: Path) -> Extracted:
    """Read one file into temp table ``table`` (columns: _row + contract fields). Never raises for bad input."""
    result = Extracted(path=path, sha256=file_sha256(path))
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            extract_excel(con, path, layouts, table, result)
        elif path.suffix.lower() in CSV_SUFFIXES:
            extract_csv(con, path, layouts, table, workdir, result)
        else:
            raise FileProblem(f"'{path.suffix}' files are not read; export the data as .csv or .xlsx")
    except FileProblem as problem:
        result.issues.append(Issue(path.name, None, None, str(problem), "file skipped"))
        result.table = None
    except (duckdb.Error, UnicodeError, csv.Error, OSError) as exc:
        # The reader's own message is specific but may quote a raw line (personal data): keep only its kind.
        result.issues.append(Issue(path.name, None, None, f"the file could not be parsed ({type(exc).__name__}); "
                                   "check that it is a plain CSV or .xlsx export", "file skipped"))
        result.table = None
    return result
