"""Load the published reference facts (data/reference/*.csv) into warehouse tables.

Every figure keeps its source so the dashboard can cite it beside the number. An unknown figure stays NULL, never 0.
Figures the sources themselves call unverified (letters to the editor, op-eds, a software project's design notes,
rows marked CONFLICT or "verify") carry ``verified = false`` so the dashboard can mark them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from etl.districts import DistrictMatcher
from tipcore.config import reference_dir as default_reference_dir
from tipcore.geo import ATTRIBUTIONS


class ReferenceDataError(ValueError):
    """A reference file is missing, malformed, or has a figure without a source."""


TIER_RANK = {"Tier 1": 1.0, "Tier 2": 2.0, "Tier 2 Watch List": 2.5, "Tier 3": 3.0}
SPECIAL_CASE = "Special Case"  # a country the report does not rank that year (2021: Libya, Somalia, Yemen): no rank
# The State Department's own sites: a country narrative link must be on one of them.
_STATE_GOV = re.compile(r"^https://(www\.|2017-2021\.|2009-2017\.)?state\.gov/")
# Kosovo has no ISO 3166 code: sources write KOS (Heiss & Kelley, Natural Earth) or XKX (gvnet, the EU). One code.
ISO3_ALIASES = {"KOS": "XKX"}

# Wording in source notes that says a figure has not been checked against its primary source.
_UNVERIFIED = re.compile(r"unverified|needs to be verified|treat as unreliable|treat with caution|"
                         r"without verification|confirm against|\bverify\b|\bCONFLICT\b|\bprobable\b", re.IGNORECASE)
_QUALIFIER = re.compile(r"^(over|more than|up to|almost|about|nearly|at least)\b", re.IGNORECASE)
_NOTE_TAG = re.compile(r"^\[([^\]]+)\]")


@dataclass(frozen=True)
class _Table:
    name: str
    file: str
    description: str
    citation: str
    licence: str
    build: Callable[[pd.DataFrame, str, DistrictMatcher], pd.DataFrame]
    types: dict[str, str]


# -- builders: one per file, each returning the table's columns in order ------------------------------------------


def _districts(raw: pd.DataFrame, file: str, _: DistrictMatcher) -> pd.DataFrame:
    population = _numbers(raw, "population_2023", file)
    for row, pop, source in zip(_rows(raw), population, raw["population_source"], strict=True):
        if pop is not None and not source:
            raise ReferenceDataError(f"{file} row {row}: population_2023 has no population_source")
    pbs_area = _numbers(raw, "area_sq_km_pbs", file)
    geometry_area = _numbers(raw, "area_km2_geom", file)
    return pd.DataFrame({
        "district_id": raw["district_id"],
        "name": raw["name"],
        "division": raw["division"],
        "province": raw["province"],
        "lat": _numbers(raw, "lat", file),
        "lon": _numbers(raw, "lon", file),
        "population_2023": population,
        "households_2023": _numbers(raw, "households_2023", file),
        "area_km2": [p if p is not None else g for p, g in zip(pbs_area, geometry_area, strict=True)],
        "area_source": ["PBS Census 2023 Table 1" if p is not None else "computed from the OpenStreetMap boundary"
                        for p in pbs_area],
        "population_source": raw["population_source"],
        "population_source_url": raw["population_source_url"],
        "aliases": raw["aliases"],
    })


def _tip_tiers(raw: pd.DataFrame, file: str, _: DistrictMatcher) -> pd.DataFrame:
    for row, tier in zip(_rows(raw), raw["tier"], strict=True):
        if tier not in TIER_RANK and tier != SPECIAL_CASE:
            raise ReferenceDataError(f"{file} row {row}: unknown tier {tier!r} "
                                     f"(expected one of {', '.join([*TIER_RANK, SPECIAL_CASE])})")
    _require_source(raw, "source_url", file)
    # Inferred placements (from absence on the complete Watch List / Tier 3 lists, or from a later report's
    # "remained on Tier 2") are not the report's own words: maps draw them apart from reported ones.
    inferred = raw["evidence_type"].str.startswith("inferred_")
    return pd.DataFrame({
        "report_year": _numbers(raw, "report_year", file),
        "country": raw["country"],
        "iso3": raw["iso3"].replace(ISO3_ALIASES),
        "tier": raw["tier"],
        "tier_rank": raw["tier"].map(TIER_RANK),
        "evidence_type": raw["evidence_type"],
        "focus_country": raw["focus_country"].eq("yes"),
        "inferred": inferred,
        "verified": ~inferred & ~_flagged(raw["source_note"]),
        "source_url": raw["source_url"],
        "source_note": raw["source_note"],
    })


def _tip_narratives(raw: pd.DataFrame, file: str, _: DistrictMatcher) -> pd.DataFrame:
    for row, url in zip(_rows(raw), raw["narrative_url"], strict=True):
        if not _STATE_GOV.match(url):
            raise ReferenceDataError(f"{file} row {row}: narrative_url {url!r} is not on state.gov: give the "
                                     "State Department's own country page, or leave the row out")
    _require_source(raw, "source_note", file)
    return pd.DataFrame({
        "report_year": _numbers(raw, "report_year", file),
        "iso3": raw["iso3"].replace(ISO3_ALIASES),
        "narrative_url": raw["narrative_url"],
        "source_note": raw["source_note"],
    })


def _law_enforcement(raw: pd.DataFrame, file: str, _: DistrictMatcher) -> pd.DataFrame:
    _require_source(raw, "source_url", file)
    # US TIP Report figures, Pakistani official figures (which usually include migrant smuggling) and UNODC
    # figures are different series and must not share an axis.
    series = raw["source_type"].str.extract(r"^(us_tip_report|pakistan_official|unodc)", expand=False)
    return pd.DataFrame({
        "year_reported": _numbers(raw, "year_reported", file),
        "period_covered": raw["period_covered"],
        "indicator": raw["indicator"],
        "value": _numbers(raw, "value", file),
        "value_qualifier": raw["value_qualifier"].replace("", None),
        "value_as_read": raw["value_as_read"],
        "breakdown": raw["breakdown"].replace("", None),
        "series": series.fillna("other"),
        "source_kind": raw["source_type"],
        "verified": ~raw["source_type"].str.endswith("_via_letter") & ~_flagged(raw["source_note"]),
        "source_url": raw["source_url"],
        "source_note": raw["source_note"],
    })


def _tip_stats(raw: pd.DataFrame, file: str, _: DistrictMatcher) -> pd.DataFrame:
    _require_source(raw, "source_url_or_repo_path", file)
    tag = raw["source_note"].str.extract(_NOTE_TAG, expand=False).fillna("")
    # Indicator prefixes keep other sources out of the TIP series (see the README).
    series = raw["indicator"].str.extract(r"^(unodc|ssdo)_", expand=False).fillna("us_tip_report")
    return pd.DataFrame({
        "report_year": _numbers(raw, "report_year", file),
        "period_covered": raw["period_covered"],
        "indicator": raw["indicator"],
        "value": _numbers(raw, "value", file),
        "value_qualifier": _qualifiers(raw["value_as_read"]),
        "value_as_read": raw["value_as_read"],
        "breakdown": raw["breakdown"].replace("", None),
        "series": series,
        "source_kind": tag.replace("", None),
        "verified": ~_flagged(raw["source_note"]),
        "source_url": raw["source_url_or_repo_path"],
        "source_note": raw["source_note"],
    })


def _provincial(raw: pd.DataFrame, file: str, matcher: DistrictMatcher) -> pd.DataFrame:
    _require_source(raw, "source_url", file)
    national = raw["province"].str.startswith("Pakistan")
    provinces = []
    for row, name, is_national in zip(_rows(raw), raw["province"], national, strict=True):
        province = None if is_national else matcher.province_of(name)
        if not is_national and province is None:
            raise ReferenceDataError(f"{file} row {row}: unknown province {name!r}")
        provinces.append(province)
    districts = [matcher.match(d, p) if d else None for d, p in zip(raw["district"], provinces, strict=True)]
    # FIA reports by zone ("FIA Punjab Zone I"), which is not a district.
    zone = raw["district"].str.startswith("FIA")
    level = ["national" if n else "zone" if z else "district" if d else "province"
             for n, z, d in zip(national, zone, raw["district"], strict=True)]
    return pd.DataFrame({
        "period": raw["year"],
        "level": level,
        "province": provinces,
        "district": raw["district"].replace("", None),
        "district_id": [m.district_id if m and not z else None for m, z in zip(districts, zone, strict=True)],
        "indicator": raw["indicator"],
        "topic": raw["indicator"].map(_topic),
        "value": _numbers(raw, "value", file),
        "verified": ~_flagged(raw["source_note"]),
        "source_url": raw["source_url"],
        "source_note": raw["source_note"],
    })


def _context(raw: pd.DataFrame, file: str, _: DistrictMatcher) -> pd.DataFrame:
    _require_source(raw, "source_url", file)
    return pd.DataFrame({
        "source_org": raw["source_org"],
        "edition_or_year": raw["edition_or_year"],
        "indicator": raw["indicator"],
        "value": _numbers(raw, "value", file),
        "value_qualifier": raw["value_qualifier"].replace("", None),
        "value_as_read": raw["value_as_read"].replace("", None),
        "unit": raw["unit"].replace("", None),
        "geography": raw["geography"],
        "verified": ~_flagged(raw["source_note"] + " " + raw["edition_or_year"]),
        "source_url": raw["source_url"],
        "source_note": raw["source_note"],
    })


def _topic(indicator: str) -> str:
    """What a provincial figure measures. GBV and kidnapping counts are related harms, not trafficking."""
    text = indicator.lower()
    if "child trafficking" in text:
        return "trafficking"
    if any(word in text for word in ("kiln", "bonded", "child labour")):
        return "bonded_labour"
    if any(word in text for word in ("traffick", "smuggl", "fia")):
        return "trafficking_incl_smuggling"  # FIA and Interior Division counts include migrant smuggling
    return "related_harm"


_SOURCED = {"verified": "BOOLEAN", "source_url": "VARCHAR", "source_note": "VARCHAR"}

TABLES = (
    _Table("districts", "districts.csv",
           "District gazetteer, 2023 census district set: province, division, population, households, area, "
           "representative point, aliases",
           f"{ATTRIBUTIONS['census']}; points and polygon areas from OpenStreetMap ({ATTRIBUTIONS['openstreetmap']})",
           "PBS official statistics; OpenStreetMap-derived values under ODbL 1.0",
           _districts,
           {"district_id": "VARCHAR", "name": "VARCHAR", "division": "VARCHAR", "province": "VARCHAR",
            "lat": "DOUBLE", "lon": "DOUBLE", "population_2023": "BIGINT", "households_2023": "BIGINT",
            "area_km2": "DOUBLE", "area_source": "VARCHAR", "population_source": "VARCHAR",
            "population_source_url": "VARCHAR", "aliases": "VARCHAR"}),
    _Table("ref_tip_tiers", "tip_tiers.csv",
           "US TIP Report tier placements by country and report year (2001-2025), with how each is known",
           f"{ATTRIBUTIONS['tip_report']}; Heiss & Kelley tier dataset; CIA World Factbook; per-row source_url",
           "Facts quoted from the cited sources", _tip_tiers,
           {"report_year": "SMALLINT", "country": "VARCHAR", "iso3": "VARCHAR", "tier": "VARCHAR",
            "tier_rank": "DOUBLE", "evidence_type": "VARCHAR", "focus_country": "BOOLEAN", "inferred": "BOOLEAN",
            **_SOURCED}),
    _Table("ref_tip_narratives", "tip_narratives.csv",
           "The State Department's own page of a country's narrative in a TIP report, where the reference set "
           "gives one", ATTRIBUTIONS["tip_report"], "Public domain (US government work); state.gov",
           _tip_narratives,
           {"report_year": "SMALLINT", "iso3": "VARCHAR", "narrative_url": "VARCHAR", "source_note": "VARCHAR"}),
    _Table("ref_law_enforcement", "pakistan_law_enforcement.csv",
           "Pakistan's national anti-trafficking law-enforcement counts as reported (TIP Report, FIA, Interior)",
           f"{ATTRIBUTIONS['tip_report']} as quoted in the press; Pakistani official figures as reported; "
           "per-row source_url", "Facts quoted from the cited sources", _law_enforcement,
           {"year_reported": "SMALLINT", "period_covered": "VARCHAR", "indicator": "VARCHAR", "value": "DOUBLE",
            "value_qualifier": "VARCHAR", "value_as_read": "VARCHAR", "breakdown": "VARCHAR", "series": "VARCHAR",
            "source_kind": "VARCHAR", **_SOURCED}),
    _Table("ref_tip_stats", "pakistan_tip_report_stats.csv",
           "TIP Report investigations, prosecutions, convictions and victims for Pakistan, with UNODC GLOTIP and "
           "SSDO figures kept as separate series",
           f"{ATTRIBUTIONS['tip_report']}; UNODC Data Portal (GLOTIP); SSDO; per-row source_url",
           "Facts quoted from the cited sources", _tip_stats,
           {"report_year": "SMALLINT", "period_covered": "VARCHAR", "indicator": "VARCHAR", "value": "DOUBLE",
            "value_qualifier": "VARCHAR", "value_as_read": "VARCHAR", "breakdown": "VARCHAR", "series": "VARCHAR",
            "source_kind": "VARCHAR", **_SOURCED}),
    _Table("ref_provincial", "pakistan_provincial.csv",
           "Province and district figures: FIA cases and arrests, Punjab brick-kiln crackdowns, SSDO gender-based "
           "violence and child-protection counts (related harms, not trafficking)",
           "FIA, Interior Division, Punjab Police and SSDO figures as reported in the press; per-row source_url",
           "Facts quoted from the cited sources", _provincial,
           {"period": "VARCHAR", "level": "VARCHAR", "province": "VARCHAR", "district": "VARCHAR",
            "district_id": "VARCHAR", "indicator": "VARCHAR", "topic": "VARCHAR", "value": "DOUBLE", **_SOURCED}),
    _Table("ref_context", "context_indicators.csv",
           "Context estimates: Walk Free Global Slavery Index, bonded-labour surveys and similar",
           "Walk Free Global Slavery Index and other estimates as reported; per-row source_url",
           "Facts quoted from the cited sources", _context,
           {"source_org": "VARCHAR", "edition_or_year": "VARCHAR", "indicator": "VARCHAR", "value": "DOUBLE",
            "value_qualifier": "VARCHAR", "value_as_read": "VARCHAR", "unit": "VARCHAR", "geography": "VARCHAR",
            **_SOURCED}),
)


def load_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path | None = None) -> dict[str, int]:
    """Create the districts and ref_* tables (and ref_sources) in ``con``; return row counts per table."""
    directory = Path(reference_dir) if reference_dir else default_reference_dir()
    raws = {table.name: _read(directory / table.file) for table in TABLES}
    matcher = DistrictMatcher(raws["districts"])
    counts: dict[str, int] = {}
    for table in TABLES:
        try:
            frame = table.build(raws[table.name], table.file, matcher)
        except KeyError as exc:
            raise ReferenceDataError(f"{table.file}: missing column {exc}") from None
        _write(con, table.name, frame, table.types)
        counts[table.name] = len(frame)
    sources = pd.DataFrame({
        "table_name": [t.name for t in TABLES],
        "file": [f"data/reference/{t.file}" for t in TABLES],
        "description": [t.description for t in TABLES],
        "citation": [t.citation for t in TABLES],
        "licence": [t.licence for t in TABLES],
        "rows": [counts[t.name] for t in TABLES],
    })
    _write(con, "ref_sources", sources, {"table_name": "VARCHAR", "file": "VARCHAR", "description": "VARCHAR",
                                         "citation": "VARCHAR", "licence": "VARCHAR", "rows": "INTEGER"})
    counts["ref_sources"] = len(sources)
    return counts


# -- helpers ------------------------------------------------------------------------------------------------------


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ReferenceDataError(f"{path.name}: file not found in {path.parent}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{path.name}: cannot be read as a UTF-8 CSV ({exc})") from exc
    return frame.apply(lambda column: column.str.strip())


def _rows(raw: pd.DataFrame) -> range:
    """Spreadsheet row numbers (the header is row 1)."""
    return range(2, len(raw) + 2)


def _numbers(raw: pd.DataFrame, column: str, file: str) -> list[float | None]:
    """The column as numbers; an empty cell is unknown (None), never 0."""
    values: list[float | None] = []
    for row, text in zip(_rows(raw), raw[column], strict=True):
        try:
            values.append(float(text) if text else None)
        except ValueError:
            raise ReferenceDataError(f"{file} row {row}: {column} {text!r} is not a number") from None
    return values


def _require_source(raw: pd.DataFrame, column: str, file: str) -> None:
    for row, source in zip(_rows(raw), raw[column], strict=True):
        if not source:
            raise ReferenceDataError(f"{file} row {row}: the figure has no source ({column} is empty)")


def _flagged(notes: pd.Series) -> pd.Series:
    return notes.str.contains(_UNVERIFIED)


def _qualifiers(as_read: pd.Series) -> pd.Series:
    return as_read.str.extract(_QUALIFIER, expand=False).str.lower()


def _write(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
    view = f"_reference_{name}"
    con.register(view, frame.astype(object).where(frame.notna(), None))
    try:
        columns = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in types.items())
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT {columns} FROM {view}')
    finally:
        con.unregister(view)
