"""Source layouts: one TOML file per agency export format (etl/sources/*.toml), checked on load.

A data officer adds a new source by writing one of these files; every mistake in it gets a message that names
the file and the key, because a silent mapping error would load wrong numbers.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from etl.folding import folded
from tipcore import config, vocab

REQUIRED_FIELDS = ("case_ref", "district", "date_reported")
OPTIONAL_FIELDS = (
    "year_reported", "fir_number", "police_station", "fir_date", "offence", "law_sections", "scope", "country",
    "investigation_date", "challan_date", "verdict_date", "stage", "outcome", "sentence", "victim_count",
    "victim_sex", "victim_age", "victim_nationality", "victim_referred", "synthetic",
)
CONTRACT_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
CODED_FIELDS = tuple(vocab.CONTRACT_CODES)
AGENCY_TYPES = vocab.AGENCY_TYPE_CODES
GRAINS = ("case", "victim", "aggregate")
# Where a source's records happened: in a district of Pakistan (the default), somewhere in Pakistan with no district
# (national data: counted in Pakistan's totals, and in its province when the layout names one), or abroad (foreign
# data such as CTDC's global victim records: kept in their own table, never counted in Pakistan's figures).
AREAS = ("district", "national", "foreign")
# Published aggregate tables (grain "aggregate", such as UNODC's GLOTIP): counts by area, period and indicator, each
# row with its source. They go into their own table and never become cases.
AGGREGATE_REQUIRED = ("indicator", "year", "value")
AGGREGATE_FIELDS = AGGREGATE_REQUIRED + (
    "country", "area_name", "region", "subregion", "dimension", "category", "sex", "age", "unit", "published_source",
)
# Aggregate returns (issue #13): an agency's counts by Pakistani area and period, one column per stage measure (a
# district police office's monthly return, a labour department's annual figures). A layout that maps any of these
# measures is a return; it maps no indicator and value, and says whether the return is published.
RETURN_MEASURES = ("cases", "firs", "charge_sheets", "trials", "convictions", "victims", "victims_referred")
RETURN_FIELDS = ("district", "province", "month", "synthetic") + RETURN_MEASURES
# Values of a 0/1 flag column that mean "yes" (any other value, empty included, means no).
FLAG_YES = ("1", "1.0", "yes", "y", "true")

# Contract vocabularies (data/README.md, declared in tipcore.vocab). Values already in the contract need no code
# entry.
CONTRACT_CODES: dict[str, tuple[str, ...]] = vocab.CONTRACT_CODES

# ISO dates are always tried after a source's own formats.
DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d")


class LayoutError(ValueError):
    """A source layout file is wrong; the message names the file and what to fix."""


@dataclass(frozen=True)
class Layout:
    id: str
    agency: str
    agency_type: str
    path: Path
    files: tuple[str, ...]
    grain: str
    columns: dict[str, str]
    personal: tuple[str, ...]
    ignored: tuple[str, ...] = ()  # columns dropped on purpose: not personal, not in the contract
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    province: str | None = None
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    sheet: str | None = None
    # The header's spreadsheet row; None: the first of the top rows that holds the layout's required columns.
    header_row: int | None = None
    # Whether a row repeated exactly (every cell of the export identical) is the same record exported twice.
    # Default: yes for case grain, no for victim grain, where identical rows are usually different people.
    rows_can_repeat: bool = True
    area: str = "district"
    # The case reference: one column (columns["case_ref"]), several joined ("PS", "FIR No.", "Year"), or the row
    # number within the file when the source has none (each row its own case).
    case_ref_columns: tuple[str, ...] = ()
    case_ref_from_row: bool = False
    missing: tuple[str, ...] = ()  # cell values that mean "not recorded", compared in lower case
    offence_flags: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 0/1 column -> offences it means
    offence_separator: str | None = None  # splits an offence cell holding several offences
    derive_scope: bool = False  # scope from victim nationality against country (of exploitation) where both known
    # Returns only: whether the return is published by its source (shown as published, with its citation and url)
    # or the agency's own unpublished return (released only with the privacy protection of every count).
    published: bool = False
    citation: str | None = None
    url: str | None = None
    district: str | None = None  # a return of one district with no district column (a district police office's)
    # An unpublished return that writes small counts as "<N" declares N: such a figure is counted as N // 2, and the
    # release's noise must then cover the jump it makes when one case is added or removed (tipcore.catalogue).
    below: int | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        return AGGREGATE_FIELDS + RETURN_FIELDS if self.grain == "aggregate" else CONTRACT_FIELDS

    @property
    def is_return(self) -> bool:
        return self.grain == "aggregate" and any(m in self.columns for m in RETURN_MEASURES)

    @property
    def return_level(self) -> str:
        """Where a return's figures are: by district (a district column, or one district named in [source]), else
        by province."""
        return "district" if "district" in self.columns or self.district else "province"

    @property
    def return_period(self) -> str:
        """A return's period: "month" when it maps a month column, else "year"."""
        return "month" if "month" in self.columns else "year"

    def required_headers(self) -> tuple[str, ...]:
        """The header cells a file of this layout must have."""
        if self.is_return:
            return tuple(self.columns[f] for f in ("district", "province", "month", "year", *RETURN_MEASURES)
                         if f in self.columns)
        if self.grain == "aggregate":
            return tuple(self.columns[f] for f in AGGREGATE_REQUIRED)
        single = [self.columns[f] for f in ("case_ref", "district", "date_reported", "year_reported")
                  if f in self.columns]
        return (*single, *self.case_ref_columns)

    def matches_name(self, filename: str) -> bool:
        return any(fnmatch.fnmatch(filename.lower(), pattern.lower()) for pattern in self.files)

    def matches_header(self, header: list[str]) -> bool:
        present = {folded(h) for h in header}
        return all(folded(h) in present for h in self.required_headers())


def _fail(path: Path, message: str) -> LayoutError:
    return LayoutError(f"{path.name}: {message}. Fix the source layout file and run the build again.")


def _string_list(path: Path, value, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, f"'{key}' must be a list of non-empty strings")
    return tuple(value)


def _codes(path: Path, raw: dict) -> dict[str, dict[str, str]]:
    codes: dict[str, dict[str, str]] = {}
    for fld, table in raw.items():
        if fld not in CODED_FIELDS:
            raise _fail(path, f"[codes.{fld}] is not a coded field (coded fields: {', '.join(CODED_FIELDS)})")
        if not isinstance(table, dict):
            raise _fail(path, f"[codes.{fld}] must be a table of \"export code\" = \"contract value\"")
        allowed = CONTRACT_CODES[fld]
        mapped: dict[str, str] = {}
        for code, value in table.items():
            if not isinstance(value, str) or value not in allowed:
                raise _fail(
                    path, f"[codes.{fld}] maps \"{code}\" to \"{value}\", which is not one of: {', '.join(allowed)}"
                )
            mapped[code.strip().lower()] = value
        codes[fld] = mapped
    return codes


def _columns(path: Path, src: dict, columns: dict) -> tuple[dict[str, str], tuple[str, ...]]:
    """The [columns] table checked against the layout's grain and [source] options: single columns, and the
    columns a case reference is joined from."""
    aggregate = src["grain"] == "aggregate"
    known = AGGREGATE_FIELDS + RETURN_FIELDS if aggregate else CONTRACT_FIELDS
    unknown = sorted(set(columns) - set(known))
    if unknown:
        raise _fail(path, f"[columns] names unknown {'aggregate' if aggregate else 'contract'} fields {unknown} "
                          "(see data/README.md)")
    ref = columns.get("case_ref")
    ref_columns = _string_list(path, ref, "columns.case_ref") if isinstance(ref, list) else ()
    single = {k: v for k, v in columns.items() if not (k == "case_ref" and ref_columns)}
    if not all(isinstance(v, str) and v.strip() for v in single.values()):
        raise _fail(path, "each [columns] entry must name one header (case_ref may list several)")
    if aggregate and any(m in columns for m in RETURN_MEASURES):
        _check_return(path, src, columns)
        required = []
    elif aggregate:
        wrong = sorted(set(columns) & set(RETURN_FIELDS))
        if wrong:
            raise _fail(path, f"[columns] maps {wrong}, which only a return has: map at least one of the measures "
                              f"{', '.join(RETURN_MEASURES)} (a return), or remove them")
        required = list(AGGREGATE_REQUIRED)
    else:
        required = [] if src.get("case_ref") == "row" else ["case_ref"]
        required += ["district"] if src.get("area", "district") == "district" else []
        if "year_reported" not in columns:
            required.append("date_reported")
    missing = [f for f in required if f not in columns]
    if missing:
        raise _fail(path, f"[columns] must map the required fields {missing}")
    if src.get("case_ref") == "row" and "case_ref" in columns:
        raise _fail(path, "case_ref = \"row\" in [source] and a case_ref column: keep one")
    return {k: str(v) for k, v in single.items()}, ref_columns


def _check_return(path: Path, src: dict, columns: dict) -> None:
    """A return's [columns] and [source]: a period, an area, no indicator or value, and whether it is published."""
    mixed = [f for f in ("indicator", "value") if f in columns]
    if mixed:
        raise _fail(path, f"[columns] maps {mixed} and return measures: a return has one column per measure "
                          f"({', '.join(RETURN_MEASURES)}); a published table has indicator and value columns. "
                          "Keep one kind")
    if "year" not in columns and "month" not in columns:
        raise _fail(path, "a return must map its period: [columns] year (annual figures) or month (monthly)")
    if "district" not in columns and "province" not in columns and not src.get("province"):
        raise _fail(path, "a return must say where its figures are: map a district or province column under "
                          "[columns], or name the province (and, for one district's return, the district) in "
                          "[source]")
    if src.get("district") and "district" in columns:
        raise _fail(path, "[source] district names the one district of a return without a district column; this "
                          "layout maps one: keep one")
    if "published" not in src:
        raise _fail(path, "a return must say whether it is published: published = true (shown as published, with "
                          "its citation) or published = false (the agency's own return, released only with privacy "
                          "protection)")
    if src["published"] is True and not (isinstance(src.get("citation"), str) and src["citation"].strip()):
        raise _fail(path, "a published return needs citation = \"...\" in [source]: where it was published "
                          "(title, publisher, date), shown beside every figure")


def _offence_flags(path: Path, raw) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise _fail(path, "[offence_flags] must be a table of \"flag column\" = \"offence\" (or a list of offences)")
    flags: dict[str, tuple[str, ...]] = {}
    for column, value in raw.items():
        offences = _string_list(path, value, f"offence_flags.{column}")
        wrong = [o for o in offences if o not in vocab.OFFENCE_CODES]
        if wrong:
            raise _fail(path, f"[offence_flags] maps \"{column}\" to {wrong}, not among: "
                              f"{', '.join(vocab.OFFENCE_CODES)}")
        flags[column] = offences
    return flags


def _choice(path: Path, src: dict, key: str, allowed: tuple[str, ...], default: str) -> str:
    value = src.get(key, default)
    if value not in allowed:
        raise _fail(path, f"[source] {key} \"{value}\" must be one of: {', '.join(allowed)}")
    return value


def _flag(path: Path, src: dict, key: str, default: bool) -> bool:
    value = src.get(key, default)
    if not isinstance(value, bool):
        raise _fail(path, f"[source] {key} must be true or false")
    return value


def _text(path: Path, src: dict, key: str) -> str | None:
    value = src.get(key)
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise _fail(path, f"[source] {key} must be a non-empty text")
    return value.strip() if value else None


def _below(path: Path, src: dict) -> int | None:
    value = src.get("below")
    if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and value >= 2):
        raise _fail(path, "[source] below must be a whole number of 2 or more: the N of the return's \"<N\"")
    return value


def parse_layout(path: Path) -> Layout:
    """Read and check one layout file."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(path, f"is not valid TOML ({exc})") from None
    src = doc.get("source")
    if not isinstance(src, dict):
        raise _fail(path, "has no [source] table")
    for key in ("id", "agency", "agency_type", "files", "grain"):
        if key not in src:
            raise _fail(path, f"[source] lacks '{key}'")
    if src["agency_type"] not in AGENCY_TYPES:
        raise _fail(path, f"[source] agency_type \"{src['agency_type']}\" is not one of: {', '.join(AGENCY_TYPES)}")
    if src["grain"] not in GRAINS:
        raise _fail(path, f"[source] grain \"{src['grain']}\" must be one of: {', '.join(GRAINS)}")
    area = _choice(path, src, "area", AREAS, "district")
    if "case_ref" in src and src["case_ref"] != "row":
        raise _fail(path, "[source] case_ref can only be \"row\" (each row its own case); map a column under "
                          "[columns] instead")
    columns = doc.get("columns")
    if not isinstance(columns, dict):
        raise _fail(path, "has no [columns] table")
    single, ref_columns = _columns(path, src, columns)
    personal = doc.get("personal", {}).get("columns", [])
    ignored = doc.get("ignored", {}).get("columns", [])
    flags = _offence_flags(path, doc.get("offence_flags", {}))
    overlap = {folded(h) for h in (*single.values(), *ref_columns, *flags)} & {folded(p) for p in personal}
    if overlap:
        raise _fail(path, f"columns {sorted(overlap)} are both mapped and listed as personal")
    formats = _string_list(path, src.get("date_formats", []), "date_formats") if src.get("date_formats") else ()
    separator = src.get("offence_separator")
    if separator is not None and not (isinstance(separator, str) and separator.strip()):
        raise _fail(path, "[source] offence_separator must be a non-empty string such as \";\"")
    header_row = src.get("header_row")
    if header_row is not None and not (isinstance(header_row, int) and header_row >= 1):
        raise _fail(path, "[source] header_row must be a row number (1 or more)")
    return Layout(
        id=str(src["id"]),
        agency=str(src["agency"]),
        agency_type=src["agency_type"],
        path=path,
        files=_string_list(path, src["files"], "files"),
        grain=src["grain"],
        columns=single,
        personal=_string_list(path, personal, "personal.columns") if personal else (),
        ignored=_string_list(path, ignored, "ignored.columns") if ignored else (),
        codes=_codes(path, doc.get("codes", {})),
        province=src.get("province"),
        date_formats=formats + tuple(f for f in DEFAULT_DATE_FORMATS if f not in formats),
        sheet=src.get("sheet"),
        header_row=header_row,
        rows_can_repeat=_flag(path, src, "rows_can_repeat", src["grain"] == "case"),
        area=area,
        case_ref_columns=ref_columns,
        case_ref_from_row=src.get("case_ref") == "row",
        missing=tuple(t.strip().lower() for t in _string_list(path, src.get("missing", []), "missing"))
        if src.get("missing") else (),
        offence_flags=flags,
        offence_separator=separator or (";" if flags else None),
        derive_scope=_flag(path, src, "derive_scope", False),
        published=_flag(path, src, "published", False),
        citation=_text(path, src, "citation"),
        url=_text(path, src, "url"),
        district=_text(path, src, "district"),
        below=_below(path, src),
    )


def load_layouts(directory: Path | None = None) -> list[Layout]:
    """All layouts in etl/sources/, sorted by id; ids must be unique."""
    directory = directory or config.sources_dir()
    layouts = [parse_layout(p) for p in sorted(directory.glob("*.toml"))]
    seen: dict[str, Path] = {}
    for layout in layouts:
        if layout.id in seen:
            raise _fail(layout.path, f"uses id \"{layout.id}\", already used by {seen[layout.id].name}")
        seen[layout.id] = layout.path
    return layouts
