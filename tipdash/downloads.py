"""Table downloads an analyst can open with their tools' defaults: pure builders from a DataFrame to files (bytes).

Every format holds the same tidy table (:func:`data_table`): one header row, one numeric column per measure, its
95% margin beside it (``<column>_moe``) and, for counts, a flag column (``<column>_flag``) where the dashboard's
display rule applies. Units are in the headers (``conviction_rate_pct``). Notes, definitions and the citation
travel beside the data, never inside it: in a zip (``data.csv``, ``README.md``, ``datapackage.json``, BibTeX,
RIS), in the Excel file's sheets "data", "definitions" and "citation", and in the Parquet file's metadata.

No Streamlit here: :func:`tipdash.ui.download_buttons` renders what :func:`files` returns.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tipcore import catalogue
from tipdash import citation, privacy, text
from tipdash.citation import Citation
from tipdash.filters import FilterOptions, Filters
from tipdash.i18n import N_, _

# Data cells stay English whatever the language, like the column names: researchers' code tests for them.
FLAG_SMALL = f"fewer than {privacy.SHOW_BELOW}"
FLAG_MISSING = "not available"
DEMO_COLUMN = "data_status"
DEMO_VALUE = "SYNTHETIC DEMO DATA: invented records, not real cases"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MOE = privacy.MOE_SUFFIX
# Header suffix and unit words of each kind of measure (tipdash.text.Measure.unit); counts keep their own name.
UNITS = {"percent": ("_pct", N_("per cent")), "rate": ("", N_("per 100,000 people a year")),
         "months": ("_months", N_("months")), "percentage points": ("_pp", N_("percentage points"))}
# The unit of a released count: what one case adds to it (tipcore.catalogue.Measure.per).
COUNT_UNITS = {"case": N_("cases"), "victim": N_("victims"), "row": N_("rows"), "record": N_("records"),
               "record_field": N_("records")}
# Headers of the definitions (the definitions sheet, the README's table and the Explore page's dictionary).
HEADERS = {"column": N_("column"), "unit": N_("unit"), "meaning": N_("meaning")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    """What a table download covers and where it came from (the words of its sidecar)."""
    title: str  # what the table is, e.g. "Release table district_year: Districts: cases, stages and victims"
    filters: str  # the filters in words
    area: str  # ASCII slug of the area the filters select: "pakistan", "punjab", "lahore-multan", "3-districts"
    years: tuple[int, int]
    citation: Citation

    @property
    def is_demo(self) -> bool:
        return self.citation.is_demo


@dataclass(frozen=True)
class File:
    label: str
    name: str
    mime: str
    data: bytes


def describe(title: str, f: Filters | None, options: FilterOptions | None, citation: Citation) -> Download:
    """The Download of a table under the filters ``f`` (``None``: the whole release's period is unknown here)."""
    if f is None:
        return Download(title, "none", "pakistan", (0, 0), citation)
    return Download(title, f.describe(options), area_slug(f), (f.year_from, f.year_to), citation)


# Names -------------------------------------------------------------------------------------------------------


def slug(words: str) -> str:
    """ASCII, lower case, words joined by hyphens: safe in a file name on every system."""
    ascii_text = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "table"


def area_slug(f: Filters) -> str:
    """The area the filters select, for a file name: the districts (their ids are ASCII slugs), else the
    provinces, else Pakistan; more than two are counted rather than listed, so a name stays short."""
    for chosen, plural in ((f.districts, "districts"), (f.provinces, "provinces")):
        if len(chosen) > 2:
            return f"{len(chosen)}-{plural}"
        if chosen:
            return "-".join(slug(c) for c in chosen)
    return "pakistan"


def subject(what: str) -> str:
    """What a table holds, for a file name: a release table's level and title ("district-cases-by-year" for
    district_year_total), or the words given."""
    spec = catalogue.TABLES.get(what)
    if spec is None:
        return slug(what)
    return slug(f"{spec.level} {spec.title.split(': ', 1)[-1]}")


def file_stem(what: str, notes: Download) -> str:
    """``<subject>_<area>_<years>``, prefixed ``synthetic-demo_`` for demo data so the name itself says so."""
    y0, y1 = notes.years
    period = "" if not y0 else f"_{y0}" if y0 == y1 else f"_{y0}-{y1}"
    return ("synthetic-demo_" if notes.is_demo else "") + f"{subject(what)}_{notes.area}{period}"


# The table ---------------------------------------------------------------------------------------------------


def column_name(column: str) -> str:
    """A header any tool reads as a name: ASCII snake case."""
    return slug(str(column)).replace("-", "_")


def data_table(df: pd.DataFrame, count_columns: Sequence[str], is_demo: bool) -> pd.DataFrame:
    """The tidy, typed table of every download.

    ``df`` holds released values (not the display rule's "<10"): keys, count columns with their ``_moe``, and any
    rate named in :mod:`tipdash.text`. Counts become whole numbers (the released value, as published) with a flag
    column; rates and other measures keep their number and get their unit in the header; a missing value is an
    empty cell.
    """
    out: dict[str, pd.Series] = {}
    if is_demo:
        out[DEMO_COLUMN] = pd.Series([DEMO_VALUE] * len(df), index=df.index, dtype="string")
    margins = {c for c in df.columns if str(c).endswith(MOE) and str(c)[:-len(MOE)] in df.columns}
    for col in df.columns:
        if col in margins:
            continue  # written beside its measure
        values = df[col]
        name, kind = _unique(column_name(col), out), _kind(col, count_columns)
        if kind == "count":
            number = pd.to_numeric(values, errors="coerce").astype("Float64").round().astype("Int64")
            out[name] = number
            out[name + MOE] = _margin(df, col)
            flag = pd.Series(pd.NA, index=df.index, dtype="string")
            small = (number < privacy.SHOW_BELOW).fillna(False).astype(bool)
            out[name + "_flag"] = flag.mask(small, FLAG_SMALL).mask(number.isna(), FLAG_MISSING)
        elif kind in UNITS:
            name += UNITS[kind][0]
            out[name] = pd.to_numeric(values, errors="coerce").astype("Float64")
            out[name + MOE] = _margin(df, col)
        elif pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            out[name] = values
        else:
            out[name] = values.astype("string")
    table = pd.DataFrame(out).reset_index(drop=True)
    # A measure given without its margin gets no empty margin column.
    return table[[c for c in table.columns if not (c.endswith(MOE) and table[c].isna().all())]]


def _unique(name: str, taken: dict) -> str:
    """``name``, numbered when two headers fold to the same ASCII name (no column overwrites another)."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


def _kind(column: str, count_columns: Sequence[str]) -> str:
    if column in count_columns or column in catalogue.MEASURES:
        return "count"
    m = text.MEASURES.get(column)
    return m.unit if m else "other"


def _margin(df: pd.DataFrame, column: str) -> pd.Series:
    if column + MOE not in df:
        return pd.Series(pd.NA, index=df.index, dtype="Float64")
    return pd.to_numeric(df[column + MOE], errors="coerce").astype("Float64").round(1)


def definitions(table: pd.DataFrame, count_columns: Sequence[str], what: str = "") -> pd.DataFrame:
    """One row per column of the data table: its name, unit and meaning (in the language of this run; the names
    are the table's own). ``what`` is the release table's name, whose "year" is a report or an event year."""
    rows = [_definition(c, count_columns, what) for c in table.columns]
    return pd.DataFrame(rows, columns=list(HEADERS))


def dictionary(df: pd.DataFrame, what: str, count_columns: Sequence[str], is_demo: bool) -> pd.DataFrame:
    """The definitions of the columns the downloads of ``df`` hold, with headers in the language of this run."""
    defs = definitions(data_table(df, count_columns, is_demo), count_columns, what)
    return defs.rename(columns=lambda c: _(HEADERS[c]))


def _definition(column: str, count_columns: Sequence[str], what: str) -> dict:
    if column == DEMO_COLUMN:
        return {"column": column, "unit": "", "meaning": text.DEMO_NOTE}
    for suffix, kind in ((MOE, "margin"), ("_flag", "flag")):
        if column.endswith(suffix):
            base = column[:-len(suffix)]
            if kind == "flag":
                return {"column": column, "unit": "", "meaning": _(
                    "“{small}” where {base} is below {below}: the dashboard shows such values as “{suppressed}”, "
                    "because noise can make a small count look exact or negative; “{missing}” where the release "
                    "holds no value; empty otherwise.").format(small=FLAG_SMALL, base=base, below=privacy.SHOW_BELOW,
                                                                suppressed=text.SUPPRESSED, missing=FLAG_MISSING)}
            unit = _definition(base, count_columns, what)["unit"]
            return {"column": column, "unit": unit, "meaning": _(
                "95% margin of {base}: the noise added for privacy moves a released value by less than this in 95 "
                "of 100 cells (other errors, such as cases never reported, are not included).").format(base=base)}
    measure = _measure_key(column, count_columns)
    if measure is None:
        return {"column": column, "unit": "", "meaning": text.key_meaning(column, what) or _("as labelled")}
    meaning = text.MEASURES[measure].definition if measure in text.MEASURES else \
        text.RELEASE_MEASURES[measure]
    if measure in catalogue.MEASURES:
        return {"column": column, "unit": _(COUNT_UNITS[catalogue.MEASURES[measure].per]), "meaning": _(
            "{meaning} The released value as published: a count with noise added for privacy, which can be small "
            "or below zero where the true count is small. Values below {below} are kept (not blanked) and flagged "
            "in {column}_flag: sums of many cells stay unbiased, but do not report one as a count. Empty: not "
            "available.").format(meaning=meaning, below=privacy.SHOW_BELOW, column=column)}
    unit = text.MEASURES[measure].unit
    return {"column": column, "unit": _(UNITS[unit][1]) if unit in UNITS else unit, "meaning": _(
        "{meaning} Computed from released values. Empty: not available (its base is below {base}, its numerator "
        "below {below}, or its 95% margin wider than {moe} percentage points).").format(
        meaning=meaning, base=privacy.RATE_MIN_BASE, below=privacy.SHOW_BELOW, moe=privacy.RATE_MOE_MAX)}


def _measure_key(column: str, count_columns: Sequence[str]) -> str | None:
    if column in count_columns or column in catalogue.MEASURES or column in text.MEASURES:
        return column
    for kind, (suffix, _unit) in UNITS.items():
        base = column[:-len(suffix)] if suffix and column.endswith(suffix) else None
        if base and base in text.MEASURES and text.MEASURES[base].unit == kind:
            return base
    return None


# Formats -----------------------------------------------------------------------------------------------------


def safe_cell(value):
    """Stop a spreadsheet from running a text cell as a formula: prefix = + - @ (and tab/CR) with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def for_spreadsheet(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells and headers formula-safe (numbers stay numbers: a negative count is not a formula)."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == "string":
            out[col] = out[col].map(safe_cell, na_action="ignore").astype("string")
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def csv_bytes(table: pd.DataFrame) -> bytes:
    # UTF-8 without a byte-order mark: pandas and R's read.csv read it with their defaults (R would otherwise put
    # the mark into the first header). The tradeoff: Excel opened by double-click reads a BOM-less CSV in the
    # system's code page, so non-ASCII text (an Urdu name) would show garbled there. The release's tables hold
    # ASCII codes (district ids, contract codes), so this costs nothing today, and the Excel download, which is
    # always Unicode, is the one offered to Excel users. Missing values are empty cells. Rows end in CRLF (RFC
    # 4180, the last row too): the csv writer then quotes a cell holding a lone CR, which a reader would otherwise
    # take for a row break, starting a row with the rest of the cell (a formula, for a spreadsheet).
    return for_spreadsheet(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def readme(notes: Download, what: str, defs: pd.DataFrame) -> str:
    c = notes.citation
    demo = [f"**{text.DEMO_NOTE}**", ""] if notes.is_demo else []
    source = _("table `{table}` of the protected public release {version}") if what in catalogue.TABLES else \
        _("the protected public release {version}")
    lines = [
        f"# {notes.title}", "", *demo,
        _("- Filters: {filters}").format(filters=notes.filters),
        _("- Source: {source}").format(source=source.format(table=what, version=c.version_text))
        + (_(", created {day}").format(day=c.released.isoformat()) if c.released else "")
        + (f" ({c.licence})" if c.licence else ""),
        _("- Downloaded: {day}").format(day=c.accessed.isoformat()), "",
        _("`data.csv` is UTF-8 with one header row and comma separators: `pandas.read_csv`, R's `read.csv` and "
          "spreadsheets open it as it is. Missing values are empty cells. `datapackage.json` describes it as a "
          "Frictionless Data Package."), "",
        _("Every count carries random noise added once for privacy (differential privacy, OpenDP); each has its 95% "
          "margin in the column after it. A sum of n released cells has a margin of about √n times one cell's. "
          "Each table of the release has its own noise, so a table's parts may not add up exactly to another "
          "table's total."), "",
        "## " + _("Columns"), "",
        "| " + " | ".join(_(h) for h in HEADERS.values()) + " |", "|---|---|---|",
        *("| " + " | ".join(str(v).replace("|", "\\|") for v in r) + " |" for r in defs.itertuples(index=False)), "",
        "## " + _("How to cite"), "", c.text(), "", _("BibTeX (`citation.bib`):"), "", "```bibtex",
        c.bibtex().rstrip(), "```", "", _("RIS (`citation.ris`):"), "", "```", c.ris().rstrip(), "```", "",
    ]
    return "\n".join(lines)


def datapackage(notes: Download, stem: str, table: pd.DataFrame, defs: pd.DataFrame) -> dict:
    """A Frictionless Data Package descriptor of the one table in ``data.csv``."""
    c = notes.citation
    meaning = dict(zip(defs["column"], defs["meaning"], strict=True))
    fields = [{"name": col, "type": _field_type(table[col]), "description": meaning[col]} for col in table.columns]
    package = {
        "profile": "tabular-data-package",
        "name": stem.replace("_", "."),
        "title": f"{notes.title} [{c.title}]" if notes.is_demo else notes.title,
        "description": (f"{text.DEMO_NOTE} " if notes.is_demo else "")
        + _("Filters: {filters}.").format(filters=notes.filters) + f" {c.note}",
        "version": c.version or "unknown",
        "contributors": [{"title": citation.MAINTAINERS, "role": "publisher"}],
        "sources": [{"title": _("{title}, release {version}").format(title=c.title, version=c.version_text)}],
        "resources": [{
            "name": "data", "path": "data.csv", "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "schema": {"fields": fields},
        }],
    }
    if c.released:
        package["created"] = f"{c.released.isoformat()}T00:00:00Z"
    if c.licence:
        package["licenses"] = [{"name": name} for name in c.licence.split(", ")]
    return package


def _field_type(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "integer"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    return "string"


def zip_bytes(notes: Download, what: str, table: pd.DataFrame, defs: pd.DataFrame, stem: str) -> bytes:
    c = notes.citation
    members = {
        "data.csv": csv_bytes(table),
        "README.md": readme(notes, what, defs).encode("utf-8"),
        "datapackage.json": (json.dumps(datapackage(notes, stem, table, defs), indent=1, ensure_ascii=False)
                             + "\n").encode("utf-8"),
        "citation.bib": c.bibtex().encode("utf-8"),
        "citation.ris": c.ris().encode("utf-8"),
    }
    buf = io.BytesIO()
    stamp = c.accessed.timetuple()[:6]  # the same day's download is the same file
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(f"{stem}/{name}", stamp), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# The citation sheet's field names, in the language of the run (the sheet is read by people).
CITATION_FIELDS = {"note": N_("note"), "table": N_("table"), "filters": N_("filters"), "authors": N_("authors"),
                   "title": N_("title"), "publisher": N_("publisher"), "version": N_("version"),
                   "released": N_("released"), "url": N_("url"), "accessed": N_("accessed"),
                   "licence": N_("licence"), "cite as": N_("cite as"), "BibTeX": "BibTeX", "RIS": "RIS"}


def citation_rows(notes: Download) -> pd.DataFrame:
    c = notes.citation
    rows = [("note", text.DEMO_NOTE)] if notes.is_demo else []
    # Text from the filters is made formula-safe; the rest is the citation's own, and the BibTeX entry must keep
    # its leading "@" (the writer stores every string as text, never as a formula).
    rows += [("table", safe_cell(notes.title)), ("filters", safe_cell(notes.filters)),
             ("authors", citation.MAINTAINERS), ("title", c.title), ("publisher", citation.MAINTAINERS),
             ("version", c.version_text), ("released", c.released.isoformat() if c.released else _("unknown")),
             ("url", c.url or _("none set")), ("accessed", c.accessed.isoformat()),
             ("licence", c.licence or _("unknown")), ("cite as", c.text()), ("BibTeX", c.bibtex()), ("RIS", c.ris())]
    return pd.DataFrame([(_(CITATION_FIELDS[field]), value) for field, value in rows],
                        columns=[_("field"), _("value")])


def excel_bytes(notes: Download, table: pd.DataFrame, defs: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        for_spreadsheet(table).to_excel(xl, sheet_name="data", index=False)
        for_spreadsheet(defs.astype("string").rename(columns=lambda h: _(HEADERS[h]))).to_excel(
            xl, sheet_name="definitions", index=False)
        citation_rows(notes).to_excel(xl, sheet_name="citation", index=False)
    return buf.getvalue()


def parquet_bytes(notes: Download, what: str, table: pd.DataFrame, defs: pd.DataFrame) -> bytes:
    """Typed columns (an unavailable value is null); the README and the citation travel in the file's metadata."""
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta[b"tipdash.readme"] = readme(notes, what, defs).encode()
    meta[b"tipdash.citation"] = notes.citation.text().encode()
    meta[b"tipdash.is_demo"] = str(notes.is_demo).lower().encode()
    buf = io.BytesIO()
    pq.write_table(arrow.replace_schema_metadata(meta), buf)
    return buf.getvalue()


def files(df: pd.DataFrame, what: str, notes: Download, count_columns: Sequence[str]) -> list[File]:
    """Every download of one table: plain CSV, CSV with its notes (zip), Excel and Parquet, named for what
    they hold.

    ``what`` is the release table's name (or words saying what the table holds); ``count_columns`` the columns
    of ``df`` that are released counts.
    """
    stem = file_stem(what, notes)
    table = data_table(df, count_columns, notes.is_demo)
    defs = definitions(table, count_columns, what)
    return [
        File("CSV", f"{stem}.csv", "text/csv", csv_bytes(table)),
        File(_("CSV with notes (zip)"), f"{stem}.zip", "application/zip", zip_bytes(notes, what, table, defs, stem)),
        File("Excel", f"{stem}.xlsx", XLSX, excel_bytes(notes, table, defs)),
        File("Parquet", f"{stem}.parquet", "application/vnd.apache.parquet",
             parquet_bytes(notes, what, table, defs)),
    ]
