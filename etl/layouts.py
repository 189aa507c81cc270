"""Source layouts: one TOML file per agency export format (etl/sources/*.toml), checked on load.

A data officer adds a new source by writing one of these files; every mistake in it gets a message that names
the file and the key, because a silent mapping error would load wrong numbers.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tipcore import config, vocab

REQUIRED_FIELDS = ("case_ref", "district", "date_reported")
OPTIONAL_FIELDS = (
    "fir_number", "police_station", "fir_date", "offence", "law_sections", "scope", "country", "investigation_date",
    "challan_date", "verdict_date", "stage", "outcome", "sentence", "victim_count", "victim_sex", "victim_age",
    "victim_nationality", "victim_referred", "synthetic",
)
CONTRACT_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
CODED_FIELDS = tuple(vocab.CONTRACT_CODES)
AGENCY_TYPES = vocab.AGENCY_TYPE_CODES
GRAINS = ("case", "victim")

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
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    province: str | None = None
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    sheet: str | None = None
    header_row: int = 1
    # Whether a row repeated exactly (every cell of the export identical) is the same record exported twice.
    # Default: yes for case grain, no for victim grain, where identical rows are usually different people.
    rows_can_repeat: bool = True

    def matches_name(self, filename: str) -> bool:
        return any(fnmatch.fnmatch(filename.lower(), pattern.lower()) for pattern in self.files)

    def matches_header(self, header: list[str]) -> bool:
        present = {h.strip().lower() for h in header}
        return all(self.columns[f].strip().lower() in present for f in REQUIRED_FIELDS)


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
        raise _fail(path, f"[source] grain \"{src['grain']}\" must be 'case' or 'victim'")
    columns = doc.get("columns")
    if not isinstance(columns, dict):
        raise _fail(path, "has no [columns] table")
    unknown = sorted(set(columns) - set(CONTRACT_FIELDS))
    if unknown:
        raise _fail(path, f"[columns] names unknown contract fields {unknown} (see data/README.md)")
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise _fail(path, f"[columns] must map the required fields {missing}")
    personal = doc.get("personal", {}).get("columns", [])
    overlap = {h.lower() for h in columns.values()} & {p.lower() for p in personal}
    if overlap:
        raise _fail(path, f"columns {sorted(overlap)} are both mapped and listed as personal")
    formats = _string_list(path, src.get("date_formats", []), "date_formats") if src.get("date_formats") else ()
    repeat = src.get("rows_can_repeat", src["grain"] == "case")
    if not isinstance(repeat, bool):
        raise _fail(path, "[source] rows_can_repeat must be true or false")
    return Layout(
        id=str(src["id"]),
        agency=str(src["agency"]),
        agency_type=src["agency_type"],
        path=path,
        files=_string_list(path, src["files"], "files"),
        grain=src["grain"],
        columns={k: str(v) for k, v in columns.items()},
        personal=_string_list(path, personal, "personal.columns") if personal else (),
        codes=_codes(path, doc.get("codes", {})),
        province=src.get("province"),
        date_formats=formats + tuple(f for f in DEFAULT_DATE_FORMATS if f not in formats),
        sheet=src.get("sheet"),
        header_row=int(src.get("header_row", 1)),
        rows_can_repeat=repeat,
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
