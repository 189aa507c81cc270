"""Extract: read one agency export (CSV in any common encoding, or .xlsx) into a DuckDB table of text columns.

Only the columns a layout maps onto the contract are kept. Personal columns are dropped at the header, and so are
unknown columns (an unknown column may hold personal data). Each kept row carries its spreadsheet row number
(the header is row 1) so every message can point at it.
"""

from __future__ import annotations

import codecs
import collections
import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import tempfile
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from etl.folding import folded
from etl.issues import IDENTIFIER, Issue
from etl.layouts import FLAG_YES, Layout

SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 8 * 1024 * 1024
MAX_LINE_BYTES = 4 * 1024 * 1024  # a longer row is rejected (DuckDB's max_line_size)
HEADER_SEARCH_ROWS = 10  # title rows above the header that are looked through
MANY_UNKNOWN_COLUMNS = 10  # more unknown columns than this get one message, not one each
MAX_PLAIN_COLUMNS = 1000  # wider files are read record by record, keeping only the mapped columns
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
IGNORED_NAMES = {"demo_manifest.json", "readme.md", "readme.txt", ".gitkeep"}
BINARY = "the file holds binary data, not text; export it again as CSV (UTF-8) or .xlsx"
# Excel serial day 0; Excel's 1900 leap-year bug makes 1899-12-30 the right origin for dates after 1900-03-01.
EXCEL_EPOCH = dt.date(1899, 12, 30)
OLE2 = b"\xd0\xcf\x11\xe0"
LONE_CR = re.compile(rb"\r(?!\n)")
UNCLOSED_QUOTE = ("a quote (\") opened in this row is never closed, so the row cannot be split into columns; the rows "
                  "after it were read on their own; fix the row in the export")

csv.field_size_limit(MAX_LINE_BYTES)


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
        # Stray NUL bytes in a text file (a damaged export): they are removed on reading. Binary data still fails
        # the control-character check the caller makes.
        sample = sample.replace(b"\x00", b"")
    for encoding in ("utf-8", "cp1252"):
        try:
            # Not final: the sample may end inside a multi-byte character.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            if encoding == "utf-8" and _mostly_utf8(sample):
                return encoding  # the few lines that are not are read as Windows-1252, one by one
            continue
    return "latin-1"


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 text (Urdu, say) with a few stray bytes from another program: reading it all as Latin-1 would garble
    every Urdu name and district, so it is read as UTF-8 line by line."""
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return good > 0 and bad * 10 <= good


def _check_text(text: str) -> None:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    if text and controls / len(text) > 0.01:
        raise FileProblem(BINARY)


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (two or more) of fields most often.

    Linear in the sample (csv.Sniffer's quote guessing takes minutes on a few long lines with many delimiters).
    Title rows above the header are outvoted by the data rows.
    """
    lines = [ln for ln in text.splitlines()[:60] if ln.strip()][:40]
    best, best_score = ",", (0, 0)
    for delimiter in ",;\t|":
        try:
            counts = collections.Counter(len(r) for r in csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        fields, lines_agreeing = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        score = (lines_agreeing, fields)
        if fields >= 2 and score > best_score:
            best, best_score = delimiter, score
    return best


def find_header(text: str, delimiter: str, path: Path, layouts: list[Layout]) -> tuple[int, list[str]]:
    """The header's index among the first rows and its cells: the first row with a layout's required columns (a
    title or an export date may sit above it), else the first row."""
    try:
        records = list(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                                       HEADER_SEARCH_ROWS))
    except csv.Error:
        records = []
    if not records:
        raise FileProblem("the file has no header row")
    by_name = [lay for lay in layouts if lay.matches_name(path.name)]
    for i, record in enumerate(records):
        cells = [h.strip() for h in record]
        if any(lay.matches_header(cells) for lay in by_name or layouts):
            return i, cells
    return 0, [h.strip() for h in records[0]]


# --- layouts and headers ----------------------------------------------------------------------------------------

def named_layout(path: Path, header: list[str] | None, layouts: list[Layout]) -> tuple[Layout | None, Issue | None]:
    """The layout whose 'files' pattern the file name matches, and a warning when several match (then the first
    whose required columns the header holds is used, else the first by id)."""
    by_name = [lay for lay in layouts if lay.matches_name(path.name)]
    if len(by_name) < 2:
        return (by_name[0] if by_name else None), None
    fitting = [lay for lay in by_name if header is not None and lay.matches_header(header)]
    chosen = (fitting or by_name)[0]
    ids = ", ".join(lay.id for lay in by_name)
    why = " (its columns fit the header)" if fitting else ""
    return chosen, Issue(path.name, None, None, f"the file name matches the 'files' patterns of several source "
                         f"layouts ({ids}); layout {chosen.id} was used{why}; make the patterns in etl/sources/ "
                         "tell them apart", "warning")


def choose_layout(path: Path, header: list[str], layouts: list[Layout]) -> tuple[Layout, Issue | None]:
    """The layout of a file (by name, else by header) and a warning when the name fits several."""
    by_name, warning = named_layout(path, header, layouts)
    if by_name:
        return by_name, warning
    by_header = [lay for lay in layouts if lay.matches_header(header)]
    if len(by_header) == 1:
        return by_header[0], None
    if len(by_header) > 1:
        ids = ", ".join(lay.id for lay in by_header)
        raise FileProblem(f"the header fits several source layouts ({ids}); add this file name to one layout's 'files'")
    raise FileProblem(
        "no source layout describes this file (its name matches no 'files' pattern and its header has no layout's "
        "required columns); add a layout in etl/sources/ (see data/README.md, section 3)"
    )


def _header_name(name: str) -> str:
    """A header cell as a message may quote it: numbers that look like a CNIC or phone number removed."""
    return IDENTIFIER.sub("[number removed]", name)[:80]


def column_plan(header: list[str], layout: Layout, issues: list[Issue], filename: str) -> dict[str, int]:
    """Contract field -> header position. Reports duplicated, unknown and missing columns.

    When required columns are missing the file is skipped, and the header is quoted only if it holds at least one
    column the layout knows: otherwise the "header" is most likely a data row (a file without a header), whose
    cells may be names and CNICs that must not reach the warehouse through a message.
    """
    positions: dict[str, int] = {}
    duplicates: list[Issue] = []
    for i, name in enumerate(header):
        key = folded(name)
        if key in positions:
            if key:
                duplicates.append(Issue(filename, 1, _header_name(name), f"header '{_header_name(name)}' appears "
                                        f"twice (columns {positions[key] + 1} and {i + 1}); column "
                                        f"{positions[key] + 1} is used", "warning"))
            continue
        positions[key] = i
    personal = {folded(p) for p in (*layout.personal, *layout.ignored)}
    sources = {**layout.columns, **_extra_columns(layout)}
    mapped = {folded(src) for src in sources.values()}
    plan = {fld: positions[folded(src)] for fld, src in sources.items() if folded(src) in positions}
    required = {folded(h) for h in layout.required_headers()}
    missing_required = [f"'{src}' ({fld.split('#')[0]})" for fld, src in sources.items()
                        if folded(src) in required and fld not in plan]
    if missing_required:
        known = [h for h in header if folded(h) in mapped | personal]
        found = (f"the header has: {', '.join(_header_name(h) for h in header if h)}"[:300] if known else
                 "the first row holds none of the layout's column names: is the header row missing, or is this "
                 "another agency's export?")
        raise FileProblem(f"required column(s) {', '.join(missing_required)} not found in the header; layout "
                          f"{layout.path.name} expects them ({found})")
    issues.extend(duplicates)
    unknown = [name for name in header if name.strip() and folded(name) not in mapped | personal]
    if len(unknown) > MANY_UNKNOWN_COLUMNS:
        shown = ", ".join(f"'{_header_name(name)}'" for name in unknown[:5])
        issues.append(Issue(filename, 1, None, f"{len(unknown)} columns are not in layout {layout.path.name} and "
                            f"were dropped (they may hold personal data): {shown} and {len(unknown) - 5} more; "
                            "map them under [columns] or list them under [personal]", "warning"))
        unknown = []
    for name in unknown:
        shown = _header_name(name)
        issues.append(Issue(filename, 1, shown, f"column '{shown}' is not in layout {layout.path.name} and was "
                            "dropped (it may hold personal data); map it under [columns] or list it under "
                            "[personal]", "warning"))
    for fld, src in sources.items():
        if fld not in plan and folded(src) not in required:
            issues.append(Issue(filename, 1, src, f"optional column '{src}' ({fld.split('#')[0]}) is missing; "
                                "the field is loaded as not recorded", "warning"))
    return plan


def _extra_columns(layout: Layout) -> dict[str, str]:
    """Columns read beside the one-column fields, keyed 'case_ref#<i>' (parts of a joined case reference) and
    'offence#<i>' (offence flag columns)."""
    parts = {f"case_ref#{i}": name for i, name in enumerate(layout.case_ref_columns)}
    return parts | {f"offence#{i}": name for i, name in enumerate(layout.offence_flags)}


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _select_contract(source: str, plan: dict[str, int], result: Extracted) -> str:
    """The layout's fields as text, from the planned columns: empty cells and the layout's missing-value tokens
    are NULL; a case reference joined from its columns (NULL unless all are filled) or made of the file name and
    row; offence flag columns set to yes become the offences they mean, joined by the layout's separator."""
    layout = result.layout
    tokens = ", ".join(_sql_text(t) for t in layout.missing)

    def cell(i: int) -> str:
        text = f"nullif(trim(c{i}), '')"
        return f"CASE WHEN lower(trim(c{i})) IN ({tokens}) THEN NULL ELSE {text} END" if tokens else text

    exprs = {f: cell(i) for f, i in plan.items() if "#" not in f}
    if layout.case_ref_columns:
        parts = [cell(plan[f"case_ref#{i}"]) if f"case_ref#{i}" in plan else "NULL"
                 for i in range(len(layout.case_ref_columns))]
        exprs["case_ref"] = (f"CASE WHEN {' AND '.join(f'{p} IS NOT NULL' for p in parts)} "
                             f"THEN concat_ws(' / ', {', '.join(parts)}) END")
    if layout.case_ref_from_row:
        exprs["case_ref"] = f"{_sql_text(result.path.name + ' row ')} || _row"
    if layout.offence_flags:
        yes = ", ".join(_sql_text(v) for v in FLAG_YES)
        set_flags = [f"CASE WHEN lower(trim(c{plan[f'offence#{i}']})) IN ({yes}) THEN "
                     f"{_sql_text(layout.offence_separator.join(offences))} END"
                     for i, offences in enumerate(layout.offence_flags.values()) if f"offence#{i}" in plan]
        joined = ", ".join(([exprs["offence"]] if "offence" in exprs else []) + set_flags)
        exprs["offence"] = f"nullif(concat_ws({_sql_text(layout.offence_separator)}, {joined}), '')"
    cols = [f"{exprs[f]} AS {f}" if f in exprs else f"NULL::VARCHAR AS {f}" for f in layout.fields]
    return f"SELECT _row, _raw_hash, {', '.join(cols)} FROM {source}"


# Every row also carries _raw_hash, a hash of all its cells as read (personal and unknown columns included, which
# are dropped): equal only for rows that repeat exactly, the one test of a row exported twice (cases.sql step 2).
# It is compared only within its file and never leaves the build.
HASH_MASK = (1 << 64) - 1


def _raw_hash_sql(n_columns: int) -> str:
    return f"hash({', '.join(f'c{i}' for i in range(n_columns))}) AS _raw_hash"


# --- CSV --------------------------------------------------------------------------------------------------------
#
# A CSV is read by DuckDB as it is when it is valid UTF-8 with one record per line and no blank lines: then a
# line number is the spreadsheet row. Anything else (another encoding, title rows above the header, blank lines,
# values over several lines, an unbalanced quote, NUL bytes, old Mac line ends) is first read record by record in
# Python, which knows each record's spreadsheet row, and written into a clean UTF-8 copy of the mapped columns
# only, which DuckDB then loads. Both ways every row is loaded, or rejected with a message naming it.

def _accepted_rows(n_records: int, rejected_lines: list[int], first_line: int) -> np.ndarray:
    """Spreadsheet row of each accepted record, given the physical lines DuckDB rejected."""
    candidates = np.arange(first_line, first_line + n_records + len(rejected_lines))
    return np.setdiff1d(candidates, np.asarray(rejected_lines, dtype=candidates.dtype))[:n_records]


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str, delimiter: str, columns: str,
              parallel: bool) -> list[tuple[int, str]]:
    """Load a CSV into {table}_csv as text columns; return the (line, error type) of rows that could not be split,
    one per line (DuckDB reports a line once for each surplus value)."""
    rejects = f"{table}_rejects"
    delim_sql = delimiter.replace("'", "''")
    con.execute(
        f"""CREATE TEMP TABLE {table}_csv AS
            SELECT * FROM read_csv(?, header = true, auto_detect = false, delim = '{delim_sql}', quote = '"',
                                   escape = '"', columns = {columns}, null_padding = {not parallel},
                                   parallel = {parallel}, max_line_size = {MAX_LINE_BYTES}, store_rejects = true,
                                   rejects_table = '{rejects}', rejects_scan = '{rejects}_scan')""",
        [str(path)],
    )
    rejected = con.execute(f"SELECT line, error_type::VARCHAR FROM {rejects} ORDER BY line").fetchall()
    con.execute(f"DROP TABLE {rejects}; DROP TABLE {rejects}_scan")
    first: dict[int, str] = {}
    for line, error_type in rejected:
        first.setdefault(int(line), error_type)
    return list(first.items())


def _reject_reason(error_type: str, n_columns: int) -> str:
    return {
        "TOO MANY COLUMNS": f"the row has more values than the header's {n_columns} columns (a stray delimiter?); "
                            "fix the row in the export",
        "UNQUOTED VALUE": "a value has an unmatched quote character; fix the row in the export",
        "LINE SIZE OVER MAXIMUM": f"the row is longer than {MAX_LINE_BYTES // 2**20} MB (a missing line break or "
                                  "an unclosed quote?); fix the row in the export",
    }.get(error_type, f"the row cannot be split into columns ({error_type.lower()}); fix the row in the export")


def _plain_chunk(chunk: bytes, blank: re.Pattern) -> bool:
    """Whether whole lines of bytes are one record each: no NUL, no lone CR, no blank line, even quotes per line."""
    if b"\x00" in chunk or LONE_CR.search(chunk) or blank.search(b"\n" + chunk):
        return False
    return b'"' not in chunk or not any(line.count(b'"') % 2 for line in chunk.split(b"\n"))


def plain_lines(path: Path, delimiter: str) -> int | None:
    """The number of lines when the file is valid UTF-8 with one record per line and no blank line (DuckDB's line
    numbers are then spreadsheet rows); None otherwise. Reads the file once, in large blocks."""
    blank = re.compile(rb"\n[ \t\r\"" + re.escape(delimiter.encode()) + rb"]*\n")
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, tail = 0, b""
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(CHUNK_BYTES), b""):
                chunk = tail + block
                cut = chunk.rfind(b"\n") + 1
                chunk, tail = chunk[:cut], chunk[cut:]
                if chunk:
                    if not _plain_chunk(chunk, blank):
                        return None
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
            if tail:
                if not _plain_chunk(tail + b"\n", blank):
                    return None
                decoder.decode(tail)
                lines += 1
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return lines


def _load_as_is(con: duckdb.DuckDBPyConnection, path: Path, table: str, delimiter: str,
                n_columns: int) -> tuple[int, list[tuple[int, str]]]:
    """DuckDB reads the file as it is into {table}_csv: the number of records and the rejected lines."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_columns)) + "}"
    rejected = _read_csv(con, path, table, delimiter, columns, parallel=True)
    if any(error_type == "MISSING COLUMNS" for _, error_type in rejected):
        # Short rows (trailing empty columns left out) are good rows: read again, padding them with nulls, which
        # DuckDB can only do in one thread.
        con.execute(f"DROP TABLE {table}_csv")
        rejected = _read_csv(con, path, table, delimiter, columns, parallel=False)
    return con.execute(f"SELECT count(*) FROM {table}_csv").fetchall()[0][0], rejected


def _loaded_or_none(con: duckdb.DuckDBPyConnection, path: Path, table: str, delimiter: str,
                    n_columns: int) -> tuple[int, list[tuple[int, str]]] | None:
    """_load_as_is, or None (nothing left behind) when DuckDB cannot read the file: the full scan then decides
    whether that is the file's fault or the way to read it."""
    try:
        return _load_as_is(con, path, table, delimiter, n_columns)
    except duckdb.Error:
        for name in (f"{table}_csv", f"{table}_rejects", f"{table}_rejects_scan"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
        return None


def _quick_lines(path: Path) -> int | None:
    """The number of lines, from a pass that costs little more than reading the file; None when that pass finds
    what DuckDB reads silently but differently from a spreadsheet (a NUL byte, a lone CR, a line with an odd
    number of quotes)."""
    lines, quotes, last = 0, 0, b"\n"
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(CHUNK_BYTES), b""):
            if b"\x00" in block or (b"\r" in block and LONE_CR.search(block)):
                return None
            data = np.frombuffer(block, dtype=np.uint8)
            ends = np.flatnonzero(data == ord("\n"))
            if b'"' in block:
                at = np.flatnonzero(data == ord('"'))
                # Every line has an even number of quotes exactly when the count before every line end is even.
                if ((quotes + np.searchsorted(at, ends)) % 2).any():
                    return None
                quotes += len(at)
            lines += len(ends)
            last = block[-1:]
    if quotes % 2:
        return None
    return lines + (last != b"\n")


def _utf8_header(sample: bytes) -> bool:
    """Whether the header line is whole in the sample and valid UTF-8: DuckDB skips the header unchecked."""
    cut = sample.find(b"\n") + 1
    try:
        sample[:cut].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return cut > 0


def _blank_records(con: duckdb.DuckDBPyConnection, table: str, n_columns: int, delimiter: str) -> int:
    """Records of {table}_csv made of blanks, quotes and delimiters only: blank rows, which the record-by-record
    reading skips."""
    blank = " AND ".join(f"(c{i} IS NULL OR trim(c{i}, $chars) = '')" for i in range(n_columns))
    return con.execute(f"SELECT count(*) FROM {table}_csv WHERE {blank}",
                       {"chars": ' \t\r"' + delimiter}).fetchall()[0][0]


def _read_plain(con: duckdb.DuckDBPyConnection, path: Path, table: str, delimiter: str, header: list[str],
                plan: dict[str, int], result: Extracted, sample: bytes) -> bool:
    """DuckDB reads the file as it is, when its line numbers are spreadsheet rows: the file is valid UTF-8 with one
    record per line and no blank line. False (nothing kept) otherwise.

    plain_lines proves that but costs seconds on a large file. DuckDB itself reports invalid UTF-8 and unbalanced
    quotes as rejects, and a blank line or a value over several lines changes its record count; what it reads
    silently is caught by _quick_lines, _utf8_header and _blank_records. Only when these leave a doubt does
    plain_lines decide, exactly as it always did.
    """
    n_columns = len(header)
    loaded = None
    lines = _quick_lines(path) if _utf8_header(sample) else None
    if lines is not None:
        loaded = _loaded_or_none(con, path, table, delimiter, n_columns)
        if loaded == (lines - 1, []) and not _blank_records(con, table, n_columns, delimiter):
            _keep_plain(con, path, table, header, plan, result, *loaded)
            return True
    lines = plain_lines(path, delimiter)
    if lines is not None:
        loaded = loaded or _load_as_is(con, path, table, delimiter, n_columns)
        if loaded[0] + len(loaded[1]) == lines - 1:
            _keep_plain(con, path, table, header, plan, result, *loaded)
            return True
    if loaded is not None:
        con.execute(f"DROP TABLE {table}_csv")
    return False


def _keep_plain(con: duckdb.DuckDBPyConnection, path: Path, table: str, header: list[str], plan: dict[str, int],
                result: Extracted, n: int, rejected: list[tuple[int, str]]) -> None:
    """{table} from {table}_csv, each record with its spreadsheet row; a message for each rejected line."""
    for line, error_type in rejected:
        result.issues.append(Issue(path.name, line, None, _reject_reason(error_type, len(header)), "row rejected"))
    # rowid is the file order (insertion order is preserved); rejected lines shift the rows after them.
    if rejected:
        rows = _accepted_rows(n, [line for line, _ in rejected], first_line=2)
        con.register(f"{table}_rows", pd.DataFrame({"_rec": np.arange(n), "_row": rows}))
        source = (f"(SELECT * FROM (SELECT rowid AS _rec, {_raw_hash_sql(len(header))}, * FROM {table}_csv) "
                  f"JOIN {table}_rows USING (_rec))")
    else:
        source = f"(SELECT rowid + 2 AS _row, {_raw_hash_sql(len(header))}, * FROM {table}_csv)"
    con.execute(f"CREATE TEMP TABLE {table} AS " + _select_contract(f"{source} ORDER BY _row", plan, result))
    if rejected:
        con.unregister(f"{table}_rows")
    con.execute(f"DROP TABLE {table}_csv")
    result.table, result.rows_read = table, n + len(rejected)


class _Feed:
    """Physical lines for csv.reader, remembering those of the record being read."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines
        self.taken: list[str] = []

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        return line


def _decoded_lines(path: Path, encoding: str, stats: dict) -> Iterator[str]:
    """The file's physical lines as text (any line end). A line that is not valid in the file's encoding is read
    as Windows-1252 (a name pasted from another program); NUL bytes are dropped. Counts both in ``stats``."""

    def clean(line: str, number: int) -> str:
        if "\x00" in line:
            stats["nul"] = stats.get("nul", 0) + line.count("\x00")
            stats.setdefault("nul_line", number)
            line = line.replace("\x00", "")
        return line

    if encoding.startswith("utf-16"):
        with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
            for number, line in enumerate(fh, start=1):
                yield clean(line, number)
        return
    with path.open("rb") as fh:
        # Latin-1 maps bytes to characters one to one: it only splits the lines, at CR, LF or CRLF.
        for number, raw in enumerate(io.TextIOWrapper(fh, encoding="latin-1", newline=""), start=1):
            data = raw.encode("latin-1")
            try:
                line = data.decode(encoding)
            except UnicodeDecodeError:
                stats["other_encoding"] = stats.get("other_encoding", 0) + 1
                stats.setdefault("other_encoding_line", number)
                try:
                    line = data.decode("cp1252")
                except UnicodeDecodeError:
                    line = raw
            yield clean(line.lstrip("\ufeff") if number == 1 else line, number)


def _records(lines: Iterator[str], delimiter: str, n_columns: int) -> Iterator[tuple[int, list[str] | None, str]]:
    """(spreadsheet row, values, problem) of every record, blank ones included (they are rows in a spreadsheet).

    A quote that is never closed would swallow the rest of the file into one value: when a record runs over
    several lines and a later one of them is a complete row by itself, the record is rejected and reading starts
    again on that line.
    """
    feed = _Feed(lines)

    def reader():
        return csv.reader(feed, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)

    def complete(line: str) -> bool:
        try:
            return len(next(csv.reader([line], delimiter=delimiter), [])) == n_columns
        except csv.Error:
            return False

    rows = reader()
    row = 0
    while True:
        problem = ""
        try:
            values = next(rows)
        except StopIteration:
            return
        except csv.Error:
            values, problem = None, _reject_reason("LINE SIZE OVER MAXIMUM", n_columns)
        taken, feed.taken = feed.taken, []
        row += 1
        if values is not None and len(taken) > 1:
            cut = next((j for j in range(1, len(taken)) if complete(taken[j])), None)
            if cut is not None:
                feed.lines = itertools.chain(taken[cut:], feed.lines)
                rows = reader()
                values, problem = None, UNCLOSED_QUOTE
        yield row, values, problem


def _one_line(value: str) -> str:
    return value.replace("\r\n", " ").replace("\n", " ").replace("\r", " ") if "\n" in value or "\r" in value \
        else value


def _read_scanned(con: duckdb.DuckDBPyConnection, path: Path, encoding: str, table: str, delimiter: str,
                  header: list[str], header_at: int, plan: dict[str, int], workdir: Path, result: Extracted) -> None:
    """Read record by record into a clean UTF-8 copy (spreadsheet row + mapped columns, one line each), then load
    that. Personal and unknown columns never reach the copy."""
    keep = sorted(set(plan.values()))
    n_columns = len(header)
    stats: dict = {}
    rows_map: list[int] = []
    rejected = 0
    fd, name = tempfile.mkstemp(suffix=".csv", dir=workdir)
    copy = Path(name)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["_row", "_raw_hash", *(f"c{i}" for i in keep)])
            for row, values, problem in _records(_decoded_lines(path, encoding, stats), delimiter, n_columns):
                if row <= header_at + 1:
                    continue  # title rows and the header
                if values is not None and not any(v.strip() for v in values):
                    continue  # a blank row
                if values is not None and len(values) > n_columns:
                    problem = _reject_reason("TOO MANY COLUMNS", n_columns)
                if problem:
                    result.issues.append(Issue(path.name, row, None, problem, "row rejected"))
                    rejected += 1
                    continue
                writer.writerow([row, hash(tuple(values)) & HASH_MASK,
                                 *(_one_line(values[i]) if i < len(values) else "" for i in keep)])
                rows_map.append(row)
        columns = "{'_row': 'BIGINT', '_raw_hash': 'UBIGINT', " + ", ".join(f"'c{i}': 'VARCHAR'" for i in keep) + "}"
        lost = _read_csv(con, copy, table, ",", columns, parallel=True)
    finally:
        copy.unlink(missing_ok=True)
    for line, error_type in lost:  # not expected: the copy is written by csv.writer
        result.issues.append(Issue(path.name, rows_map[line - 2] if 2 <= line < len(rows_map) + 2 else None, None,
                                   _reject_reason(error_type, n_columns), "row rejected"))
    if stats.get("nul"):
        result.issues.append(Issue(path.name, None, None, f"the file holds {stats['nul']} NUL byte(s), the first on "
                                   f"line {stats['nul_line']} (a damaged export?); they were removed and the rows "
                                   "read; check them", "warning"))
    if stats.get("other_encoding"):
        result.issues.append(Issue(path.name, None, None, f"{stats['other_encoding']} line(s), the first line "
                                   f"{stats['other_encoding_line']}, are not {encoding.upper()} and were read as "
                                   "Windows-1252; check accented names there", "warning"))
        if encoding.startswith("utf-8"):
            result.encoding = "cp1252"
    con.execute(f"CREATE TEMP TABLE {table} AS " + _select_contract(f"{table}_csv ORDER BY _row", plan, result))
    con.execute(f"DROP TABLE {table}_csv")
    result.table, result.rows_read = table, len(rows_map) + rejected


def extract_csv(con: duckdb.DuckDBPyConnection, path: Path, layouts: list[Layout], table: str,
                workdir: Path, result: Extracted) -> None:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileProblem("the file is empty")
    if sample.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        return extract_excel(con, path, layouts, table, result)
    if sample.startswith(OLE2):
        raise FileProblem("this is an old Excel (.xls) workbook; save it as .xlsx or CSV (UTF-8) and add it again")
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore").lstrip("\ufeff").replace("\x00", "")
    _check_text(text)
    delimiter = detect_delimiter(text)
    header_at, header = find_header(text, delimiter, path, layouts)
    if not any(header):
        raise FileProblem("the first row (the header) is empty")
    layout, warning = choose_layout(path, header, layouts)
    result.layout, result.encoding = layout, encoding
    result.issues.extend([warning] if warning else [])
    if header_at:
        result.issues.append(Issue(path.name, header_at + 1, None, f"the header is on row {header_at + 1}; the "
                                   f"{header_at} row(s) above it (a title?) were skipped", "warning"))
    plan = column_plan(header, layout, result.issues, path.name)
    # Very wide files go the record-by-record way too: it keeps only the mapped columns, DuckDB would type them all.
    plain = header_at == 0 and encoding in ("utf-8", "utf-8-sig") and len(header) <= MAX_PLAIN_COLUMNS
    if not (plain and _read_plain(con, path, table, delimiter, header, plan, result, sample)):
        _read_scanned(con, path, encoding, table, delimiter, header, header_at, plan, workdir, result)
    if result.rows_read == 0:
        result.issues.append(Issue(path.name, None, None, "the file has a header but no data rows; nothing was "
                                   "loaded from it", "warning"))


# --- Excel ------------------------------------------------------------------------------------------------------

def _cell_text(value) -> str | None:
    if value is None or isinstance(value, str):  # most cells: answered before the slower checks below
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header_at(layout: Layout, rows: list[list], first: int) -> int | None:
    """Index in ``rows`` of the layout's header: its header_row, else the first of the top rows that holds its
    required columns (title rows may sit above it, as in CSV); None when there is none."""
    if layout.header_row is not None:
        at = layout.header_row - first
        fits = 0 <= at < len(rows) and layout.matches_header([_cell_text(c) or "" for c in rows[at]])
        return at if fits else None
    return next((at for at, row in enumerate(rows[:HEADER_SEARCH_ROWS])
                 if layout.matches_header([_cell_text(c) or "" for c in row])), None)


def _choose_sheet(workbook, named: list[Layout], layouts: list[Layout]):
    """The sheet to read (a named layout's sheet, else the first whose header fits a layout), the layout, the
    sheet's rows, the 1-based spreadsheet row of rows[0] and the header's index in the rows."""

    def load(name: str):
        sheet = workbook.get_sheet_by_name(name)
        return sheet, sheet.to_python(), sheet.start[0] + 1 if sheet.start else 1

    candidates = named or layouts
    for name in workbook.sheet_names:
        sheet, rows, first = load(name)
        for layout in candidates:
            at = _header_at(layout, rows, first)
            if at is not None and (layout.sheet in (None, name) or layout.sheet not in workbook.sheet_names):
                return sheet, layout, rows, first, at
    hint = named[0] if named else None
    if hint and hint.sheet in workbook.sheet_names:
        # The named sheet without the header the layout expects: read its stated (or first) row, so that the
        # column check says which columns are missing.
        sheet, rows, first = load(hint.sheet)
        at = (hint.header_row or first) - first
        if 0 <= at < len(rows):
            return sheet, hint, rows, first, at
    wanted = f"sheet '{hint.sheet}' or " if hint and hint.sheet else ""
    raise FileProblem(
        f"no {wanted}sheet has a header with a layout's required columns (sheets: {', '.join(workbook.sheet_names)})"
    )


@dataclass
class Workbook:
    """The mapped columns of a workbook's data rows (``frame``, with ``_row``), read apart from the build's DuckDB
    connection so that several can be read at once in worker processes."""
    layout_id: str
    sheet: str
    plan: dict[str, int] = field(default_factory=dict)
    frame: pd.DataFrame | None = None
    issues: list[Issue] = field(default_factory=list)
    problem: str | None = None  # why the file is skipped, once its layout and sheet are known


def read_workbook(path: Path, layouts: list[Layout]) -> Workbook:
    """The sheet that fits a layout, as a Workbook; FileProblem when no sheet does or the file cannot be opened."""
    # calamine (Rust) reads cached formula values and merged ranges some 20x faster than openpyxl.
    import python_calamine as calamine

    try:
        with path.open("rb") as fh:  # a handle, not the path: the name may not end in .xlsx
            workbook = calamine.CalamineWorkbook.from_filelike(fh)
            named = [lay for lay in layouts if lay.matches_name(path.name)]
            sheet, layout, rows, first_row, header_at = _choose_sheet(workbook, named, layouts)
            merged = sheet.merged_cell_ranges or []
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise FileProblem(f"the workbook cannot be opened ({type(exc).__name__}); save it again from Excel "
                          "as .xlsx") from None
    book = Workbook(layout.id, sheet.name)
    header = [(_cell_text(c) or "").strip() for c in rows[header_at]]
    if len(named) > 1:
        book.issues.append(named_layout(path, header, [layout, *(n for n in named if n is not layout)])[1])
    if header_at and layout.header_row is None:
        book.issues.append(Issue(path.name, first_row + header_at, None, f"the header is on row "
                                 f"{first_row + header_at}; the {header_at} row(s) above it (a title?) were skipped",
                                 "warning"))
    try:
        book.plan = column_plan(header, layout, book.issues, path.name)
    except FileProblem as problem:
        book.problem = str(problem)
        return book
    _fill_merged(rows, merged, first_row, sheet.start[1], header_at, book.issues, path.name)
    # Each column once, however many fields read it (case_ref and fir_number may both be the FIR column).
    kept = sorted(set(book.plan.values()))
    data: dict[str, list] = {f"c{i}": [] for i in kept}
    row_numbers: list[int] = []
    row_hashes: list[int] = []
    for offset, values in enumerate(rows[header_at + 1:], start=header_at + 1):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        row_numbers.append(first_row + offset)
        row_hashes.append(hash(tuple(values)) & HASH_MASK)
        for i in kept:
            data[f"c{i}"].append(_cell_text(values[i]) if i < len(values) else None)
    book.frame = pd.DataFrame({"_row": row_numbers, **data}, dtype=object)
    book.frame["_raw_hash"] = np.array(row_hashes, dtype=np.uint64)
    book.frame["_row"] = book.frame["_row"].astype("int64")
    return book


def _read_ahead_or_here(path: Path, layouts: list[Layout], read_ahead: Future | None) -> Workbook:
    if read_ahead:
        try:
            return read_ahead.result()
        except BrokenProcessPool:
            pass  # the worker died (killed, out of memory): this process reads the workbook itself
    return read_workbook(path, layouts)


def extract_excel(con: duckdb.DuckDBPyConnection, path: Path, layouts: list[Layout], table: str,
                  result: Extracted, read_ahead: Future | None = None) -> None:
    """Load a workbook into ``table``; ``read_ahead``, when given, is read_workbook already running elsewhere."""
    book = _read_ahead_or_here(path, layouts, read_ahead)
    result.layout = next(lay for lay in layouts if lay.id == book.layout_id)
    result.sheet, result.encoding = book.sheet, "xlsx"
    result.issues.extend(book.issues)
    if book.problem:
        raise FileProblem(book.problem)
    con.register(f"{table}_xlsx", book.frame)
    con.execute(f"CREATE TEMP TABLE {table} AS " + _select_contract(f"{table}_xlsx ORDER BY _row", book.plan, result))
    con.unregister(f"{table}_xlsx")
    result.table, result.rows_read = table, len(book.frame)
    if book.frame.empty:
        result.issues.append(Issue(path.name, None, None, f"sheet '{book.sheet}' has a header but no data rows; "
                                   "nothing was loaded from it", "warning"))


def _fill_merged(rows: list[list], merged, first_row: int, first_col: int, header_at: int, issues: list[Issue],
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
        header = rows[header_at] if 0 <= header_at < len(rows) else []
        column = _cell_text(header[left]) if 0 <= left < len(header) else None
        issues.append(Issue(filename, r0 + 1, column, f"merged cells in rows {r0 + 1}-{r1 + 1} were filled "
                            "with their first cell's value", "warning"))


# --- entry point ------------------------------------------------------------------------------------------------

def _excel_named(con: duckdb.DuckDBPyConnection, path: Path, layouts: list[Layout], table: str, workdir: Path,
                 result: Extracted, read_ahead: Future | None) -> None:
    """An .xlsx name: a workbook, or CSV text someone saved under that name (read as CSV, with a warning)."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head or head.startswith((b"PK", OLE2)):
        return extract_excel(con, path, layouts, table, result, read_ahead)
    try:
        extract_csv(con, path, layouts, table, workdir, result)
    except FileProblem as problem:
        if str(problem) == BINARY:
            raise FileProblem(f"the workbook cannot be opened (it is not an {path.suffix} file); save it again "
                              "from Excel as .xlsx") from None
        raise
    result.issues.append(Issue(path.name, None, None, f"the file is named {path.suffix} but holds CSV text; it was "
                               "read as CSV (rename it to .csv)", "warning"))


def extract_file(con: duckdb.DuckDBPyConnection, path: Path, layouts: list[Layout], table: str,
                 workdir: Path, seen: dict[str, str] | None = None, read_ahead: Future | None = None) -> Extracted:
    """Read one file into temp table ``table`` (columns: _row + contract fields). Never raises for bad input.

    ``seen`` maps the content hash of the files read so far to their names: a byte-for-byte copy of one of them is
    skipped, so its rows are not counted twice. ``read_ahead`` is read_workbook(path) started earlier, if it was.
    """
    result = Extracted(path=path, sha256=file_sha256(path))
    try:
        if seen is not None and result.sha256 in seen:
            raise FileProblem(f"same content as {seen[result.sha256]} (a copy of that file); skipped so its rows are "
                              "not counted twice; remove one of the two")
        if path.suffix.lower() in EXCEL_SUFFIXES:
            _excel_named(con, path, layouts, table, workdir, result, read_ahead)
        elif path.suffix.lower() in CSV_SUFFIXES:
            extract_csv(con, path, layouts, table, workdir, result)
        else:
            raise FileProblem(f"'{path.suffix}' files are not read; export the data as .csv or .xlsx")
        if seen is not None:
            seen[result.sha256] = path.name
    except FileProblem as problem:
        result.issues.append(Issue(path.name, None, None, str(problem), "file skipped"))
        result.table = None
    except (duckdb.Error, UnicodeError, csv.Error, OSError) as exc:
        # The reader's own message is specific but may quote a raw line (personal data): keep only its kind.
        result.issues.append(Issue(path.name, None, None, f"the file could not be parsed ({type(exc).__name__}); "
                                   "check that it is a plain CSV or .xlsx export", "file skipped"))
        result.table = None
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the build of all the others
        result.issues.append(Issue(path.name, None, None, f"the file could not be read ({type(exc).__name__}, an "
                                   "unexpected problem); the other files were loaded; please report this file's "
                                   "layout to the developers", "file skipped"))
        result.table = None
    return result
