"""Validate and standardise: raw text fields -> typed contract fields, with a list of problems per row.

All row-level work runs in DuckDB. Python only maps the few distinct spellings (districts, codes, sections,
countries, numbers, sentences) into lookup tables that the SQL joins on.

A row is rejected only when a required value is missing or impossible; an optional value that cannot be read is
cleared and the rest of the row is kept, so good data is never lost for a bad cell.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandas as pd

from etl import lookups
from etl.anonymise import age_band_sql
from etl.districts import DistrictMatcher
from etl.extract import Extracted
from etl.issues import IDENTIFIER, Issue
from etl.layouts import RETURN_MEASURES, Layout

EARLIEST = dt.date(2000, 1, 1)
STAGE_RANKS = {
    "complaint": 1, "fir_registered": 2, "investigation_completed": 3, "charge_sheet_submitted": 4,
    "trial_concluded": 5,
}
STAGES = tuple(STAGE_RANKS)
DATE_FIELDS = ("date_reported", "fir_date", "investigation_date", "challan_date", "verdict_date")
# Coded fields read through code_map; offence has its own lookup (offence_map), as a cell may hold several.
CODED = ("scope", "stage", "outcome", "victim_sex", "victim_referred")


def _masked(sql: str) -> str:
    """A raw value as the data officer's report may quote it: identifiers removed, cut to 40 characters.

    Only the report gets it: the warehouse's rejected_rows never holds a raw value, since a name typed into the
    wrong column cannot be told from a place by any pattern.
    """
    pattern = IDENTIFIER.pattern.replace("'", "''")
    return f"left(regexp_replace({sql}, '{pattern}', '[number removed]', 'g'), 40)"


def _problem(condition: str, header: str, reason: str, action: str, value_sql: str | None = None) -> str:
    """SQL for one possible problem of a row: a struct when ``condition`` holds, else NULL."""
    header = header.replace("'", "''")
    reason = reason.replace("'", "''")
    value = _masked(value_sql) if value_sql else "NULL::VARCHAR"
    return (f"CASE WHEN {condition} THEN {{'column': '{header}', 'reason': '{reason}', 'value': {value}, "
            f"'action': '{action}'}} END")


def _distinct(con: duckdb.DuckDBPyConnection, files: list[Extracted], field: str) -> list[tuple[str, str]]:
    parts = [
        f"SELECT DISTINCT '{f.layout.id}' AS source_id, {field} AS raw FROM {f.table} WHERE {field} IS NOT NULL"
        for f in files
    ]
    return con.execute(" UNION ".join(parts) + " ORDER BY 1, 2").fetchall() if parts else []


def build_lookups(con: duckdb.DuckDBPyConnection, files: list[Extracted], layouts: list[Layout],
                  matcher: DistrictMatcher) -> pd.DataFrame:
    """Create the lookup tables for this build (and the empty stg_figures); return the district matches (for the
    report)."""
    by_id = {lay.id: lay for lay in layouts}
    tables = files
    files = [f for f in tables if f.layout.grain != "aggregate"]  # case and victim records
    returns = [f for f in tables if f.layout.is_return]
    coded = [(source_id, f, raw) for f in CODED for source_id, raw in _distinct(con, files, f)]
    lookups.register(con, "code_map", lookups.code_map(layouts, coded))
    lookups.register(con, "offence_map", lookups.offence_map(layouts, _distinct(con, files, "offence")))
    law = lookups.law_map(_distinct(con, files, "law_sections"), by_id)
    lookups.register(con, "law_map", law)
    figures = [f for f in tables if f.layout.grain == "aggregate"]
    places = sorted({raw for field in ("country", "victim_nationality") for _, raw in _distinct(con, files, field)}
                    | {raw for _, raw in _distinct(con, figures, "country")})
    lookups.register(con, "country_map", pd.DataFrame(
        {"raw": places, "iso3": [lookups.country_iso3(p) for p in places]}, dtype=object))
    sentences = sorted({raw for _, raw in _distinct(con, files, "sentence")})
    lookups.register(con, "sentence_map", pd.DataFrame(
        {"raw": sentences, "months": pd.array([lookups.sentence_months(s) for s in sentences], dtype="Int64")}))
    numbers = sorted({raw for field in ("victim_count", "victim_age") for _, raw in _distinct(con, files, field)})
    lookups.register(con, "number_map", pd.DataFrame(
        {"raw": numbers, "n": pd.array([lookups.whole_number(v) for v in numbers], dtype="Int64"),
         "band": pd.array([lookups.age_band(v) for v in numbers], dtype="string")}))
    con.execute(FIGURES_TABLE)
    con.execute(RETURNS_TABLE)
    provinces = sorted({raw for _, raw in _distinct(con, returns, "province")})
    lookups.register(con, "province_map", pd.DataFrame(
        {"raw": provinces, "province": [matcher.province_of(p) for p in provinces]}, dtype=object))
    district_rows = []
    named = [(f.layout.id, f.layout.district) for f in returns if f.layout.district]
    for source_id, raw in sorted(set(_distinct(con, files + returns, "district")) | set(named)):
        if len(raw) > lookups.MAX_NAME_CHARS:  # not a place name, and fuzzy matching it would take minutes
            district_rows.append((source_id, raw, None, None, "unmatched", None, "too long to be a district name"))
            continue
        match = matcher.match(raw, province_hint=by_id[source_id].province)
        district_rows.append((source_id, raw, match.district_id, match.province, match.method, match.score,
                              match.note))
    districts = pd.DataFrame(district_rows, columns=["source_id", "raw", "district_id", "province", "method",
                                                     "score", "note"])
    lookups.register(con, "district_map", districts)
    return districts


# Urdu (Extended Arabic-Indic) and Arabic-Indic digits, read as 0-9 in dates.
EASTERN_DIGITS = ("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


# What each strptime directive may match, so that a format is tried only on text of its shape: DuckDB's %Y also
# reads "23" as the year 23, so "12/03/23" would otherwise be read by "%d/%m/%Y" (or the fallback "%Y/%m/%d") as a
# date in the first century instead of failing over to "%d/%m/%y".
_DIRECTIVE_SHAPES = {"Y": r"\d{4}", "y": r"\d{2}", "m": r"\d{1,2}", "d": r"\d{1,2}", "H": r"\d{1,2}",
                     "M": r"\d{1,2}", "S": r"\d{1,2}", "b": r"\p{L}{3,4}\.?", "B": r"\p{L}+", "p": r"[AaPp][Mm]"}


def format_shape(date_format: str) -> str:
    """The regular expression of the text a strptime format can read ("%d/%m/%Y" -> \\d{1,2}/\\d{1,2}/\\d{4})."""
    parts = re.split(r"(%.)", date_format)
    return "".join(_DIRECTIVE_SHAPES.get(p[1], ".+") if p.startswith("%") else re.escape(p) for p in parts if p)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _date_sql(field: str, formats: tuple[str, ...]) -> str:
    raw = f"translate(trim(r.{field}), '{EASTERN_DIGITS[0]}', '{EASTERN_DIGITS[1]}')"
    tries = [f"CASE WHEN regexp_full_match({raw}, {_sql_text(format_shape(f))}) "
             f"THEN CAST(try_strptime({raw}, {_sql_text(f)}) AS DATE) END" for f in formats]
    # Excel sometimes hands dates over as serial day numbers.
    serial = (f"CASE WHEN regexp_full_match({raw}, '\\d{{5}}(\\.0+)?') "
              f"THEN DATE '1899-12-30' + CAST(floor(CAST({raw} AS DOUBLE)) AS INTEGER) END")
    return f"coalesce({', '.join(tries)}, {serial})"


# An FIR is numbered anew every year at every police station: "45/2023" is only one case together with its police
# station and district (cases.sql step 4). The station is the optional police_station column, else the words after
# a station marker ("PS", "P.S.", "Police Station", "Thana") or after the number in the FIR text ("45/2023 PS Civil
# Lines", "FIR No. 45/23 P.S. Saddar", "FIR No. 12/2021 AHTC Lahore"), up to a comma, bracket, "u/s" or date.
STATION_MARKER = r"\bp\s*[./]?\s*s\b\.?|\bpolice\s+station\b|\bthana\b|تھانہ"
STATION_END = r"(?i)\s*(?:[,;(]|\bu\s*/\s*s\b|\bdated\b|\bdt\b|\bfir\b|\bcr\b\.?\s*no\b|\d+\s*/\s*\d).*$"
FIR_NO_YEAR = r"(\d+)\s*/\s*(\d{2,4})"


def _station_words(sql: str) -> str:
    """A station as letters and digits only, lower case, marker and trailing words removed ('' when none)."""
    text = f"regexp_replace({sql}, '(?i)^[\\s:.\\-,;#]*(?:{STATION_MARKER})?[\\s:.\\-,;#]*', '')"
    text = f"regexp_replace({text}, '{STATION_END}', '')"
    return f"regexp_replace(lower({text}), '[^\\p{{L}}\\p{{N}}]+', '', 'g')"


def _fir_tail_sql(fir_text: str) -> str:
    """The part of an FIR text that may name the station: after a station marker, else after the number."""
    after_marker = f"nullif(regexp_extract({fir_text}, '(?i)(?:{STATION_MARKER})(.*)$', 1), '')"
    return f"coalesce({after_marker}, regexp_extract({fir_text}, '{FIR_NO_YEAR}(.*)$', 3))"


def _stations_sql(source: str) -> str:
    """The police station compared between records, for each distinct (station_raw, fir_tail) of ``source``: the
    column's, else the FIR text's, as letters and digits with a letter repeated in a row written once (Saddar,
    Sadar); NULL when neither names one."""
    words = f"coalesce(nullif({_station_words('station_raw')}, ''), nullif({_station_words('fir_tail')}, ''))"
    return f"""
            SELECT station_raw, fir_tail,
                   nullif(array_to_string(list_filter(chars, lambda ch, n: n = 1 OR ch <> chars[n - 1]), ''), '')
                       AS police_station
            FROM (SELECT station_raw, fir_tail, string_split({words}, '') AS chars
                  FROM (SELECT DISTINCT station_raw, fir_tail FROM {source}))"""


def _case_ref_header(layout: Layout) -> str:
    if layout.case_ref_from_row:
        return "row number"
    return " + ".join(layout.case_ref_columns) or layout.columns["case_ref"]


def standardise_file(con: duckdb.DuckDBPyConnection, extracted: Extracted, file_id: int, today: dt.date) -> None:
    """Append the typed rows of one extracted file to stg_rows (created on first use), or, for a published
    aggregate table, to stg_figures."""
    layout = extracted.layout
    if layout.is_return:
        return standardise_returns(con, extracted, file_id)
    if layout.grain == "aggregate":
        return standardise_figures(con, extracted, file_id)
    header = {f: layout.columns.get(f, f) for f in (*DATE_FIELDS, *CODED, "district", "law_sections", "offence",
                                                    "country", "victim_nationality", "sentence", "victim_count",
                                                    "victim_age", "year_reported")}
    header["case_ref"] = _case_ref_header(layout)
    if not layout.columns.get("offence") and layout.offence_flags:
        header["offence"] = " / ".join(layout.offence_flags)
    joins = "\n".join(
        f"LEFT JOIN code_map c_{f} ON c_{f}.source_id = $sid AND c_{f}.field = '{f}' "
        f"AND c_{f}.raw = r.{f}" for f in CODED
    )
    parse_dates = ", ".join(f"{_date_sql(f, layout.date_formats)} AS {f}" for f in DATE_FIELDS)
    parsed_sql = f"""
            SELECT r._row, r._raw_hash, r.case_ref, r.district AS district_raw,
                   translate(r.fir_number, '{EASTERN_DIGITS[0]}', '{EASTERN_DIGITS[1]}') AS fir_text,
                   regexp_extract(fir_text, '{FIR_NO_YEAR}', ['no', 'yr']) AS fir_parts,
                   nullif(ltrim(fir_parts['no'], '0'), '') AS fir_no,
                   CASE length(fir_parts['yr']) WHEN 2 THEN '20' || fir_parts['yr'] WHEN 4 THEN fir_parts['yr']
                        END AS fir_year,
                   r.police_station AS station_raw, {_fir_tail_sql("fir_text")} AS fir_tail,
                   dm.district_id, coalesce(dm.province, $province) AS province, dm.method AS district_match,
                   {parse_dates},
                   r.year_reported AS year_reported_raw,
                   TRY_CAST(regexp_extract(r.year_reported, '^(\\d{{4}})(\\.0+)?$', 1) AS INTEGER) AS year_reported,
                   om.codes AS offences, om.unknown AS offence_unknown, r.offence AS offence_raw,
                   {", ".join(f"c_{f}.value AS {f}" for f in CODED)},
                   {", ".join(f"r.{f} AS {f}_raw" for f in (*DATE_FIELDS, *CODED))},
                   lm.codes AS law_codes, lm.unknown AS law_unknown,
                   cm.iso3 AS country_iso3, r.country AS country_raw,
                   nm.iso3 AS nationality_iso3, r.victim_nationality AS nationality_raw,
                   sm.months AS sentence_months, r.sentence AS sentence_raw,
                   vc.n AS victim_count, r.victim_count AS victim_count_raw,
                   va.n AS victim_age, va.band AS victim_age_band, r.victim_age AS victim_age_raw,
                   coalesce(regexp_matches(lower(r.synthetic), '^\\s*(synthetic|yes|true|y|1)'), false) AS synthetic
            FROM {extracted.table} r
            {joins}
            LEFT JOIN district_map dm ON dm.source_id = $sid AND dm.raw = r.district
            LEFT JOIN law_map lm ON lm.source_id = $sid AND lm.raw = r.law_sections
            LEFT JOIN offence_map om ON om.source_id = $sid AND om.raw = r.offence
            LEFT JOIN country_map cm ON cm.raw = r.country
            LEFT JOIN country_map nm ON nm.raw = r.victim_nationality
            LEFT JOIN sentence_map sm ON sm.raw = r.sentence
            LEFT JOIN number_map vc ON vc.raw = r.victim_count
            LEFT JOIN number_map va ON va.raw = r.victim_age"""
    formats = ", ".join(layout.date_formats)
    fix = f"add it to [codes.{{f}}] in {layout.path.name}"

    def bad_date(f: str) -> str:
        return f"p.{f}_raw IS NOT NULL AND p.{f} IS NULL"

    def out_of_range(f: str) -> str:
        return f"(p.{f} < $earliest OR p.{f} > $today)"

    when = header["date_reported"] if "date_reported" in layout.columns else header["year_reported"]
    problems = [
        _problem("p.case_ref IS NULL", header["case_ref"], "the case reference is empty"
                 + (" (all its columns must be filled)" if layout.case_ref_columns else ""), "row rejected"),
        _problem("p.date_reported_raw IS NULL AND p.year_reported_raw IS NULL", when, "the date reported is empty",
                 "row rejected"),
        _problem("p.date_reported_raw IS NULL AND p.year_reported_raw IS NOT NULL AND p.year_reported IS NULL",
                 header["year_reported"], "not a year (write it with four digits, e.g. 2021)", "row rejected",
                 "p.year_reported_raw"),
        _problem("p.date_reported_raw IS NULL AND NOT p.year_reported BETWEEN year($earliest) AND year($today)",
                 header["year_reported"], "the year reported is impossible (before 2000 or in the future)",
                 "row rejected", "p.year_reported_raw"),
        _problem(bad_date("date_reported"), header["date_reported"],
                 f"not a valid date (formats tried: {formats})", "row rejected", "p.date_reported_raw"),
        _problem(out_of_range("date_reported"), header["date_reported"],
                 "the date reported is impossible (before 2000 or in the future)", "row rejected",
                 "p.date_reported_raw"),
        _problem("p.district_raw IS NULL AND $area = 'district'", header["district"],
                 "the district is empty; the case is counted in its province or nationally only", "warning"),
        _problem("p.district_match = 'unmatched'", header["district"],
                 "the district matches no district in the gazetteer; the case is counted in its province or "
                 "nationally only; correct the spelling, or add it as an alias in data/reference/districts.csv",
                 "warning", "p.district_raw"),
    ]
    for f in DATE_FIELDS[1:]:
        name = f.replace("_", " ")
        problems += [
            _problem(bad_date(f), header[f], f"not a valid date (formats tried: {formats})", "value cleared",
                     f"p.{f}_raw"),
            _problem(out_of_range(f), header[f], f"the {name} is impossible (before 2000 or in the future)",
                     "value cleared", f"p.{f}_raw"),
        ]
    order_checks = (("investigation_date", "fir_date"), ("challan_date", "fir_date"), ("verdict_date", "fir_date"),
                    ("verdict_date", "challan_date"))
    for later, earlier in order_checks:
        problems.append(_problem(
            f"p.{later} < p.{earlier}", header[later],
            f"the {later.replace('_', ' ')} is before the {earlier.replace('_', ' ')} ({header[earlier]})",
            "value cleared", f"p.{later}_raw"))
    for f in CODED:
        problems.append(_problem(f"p.{f}_raw IS NOT NULL AND p.{f} IS NULL", header[f],
                                 f"unknown code; {fix.format(f=f)}", "value cleared", f"p.{f}_raw"))
    problems += [
        _problem("len(p.offence_unknown) > 0", header["offence"], f"unknown code; {fix.format(f='offence')}",
                 "value cleared", "array_to_string(p.offence_unknown, ', ')"),
        _problem("len(p.law_unknown) > 0", header["law_sections"],
                 f"unknown legal section; {fix.format(f='law_sections')}", "value cleared",
                 "array_to_string(p.law_unknown, ', ')"),
        _problem("p.country_raw IS NOT NULL AND p.country_iso3 IS NULL", header["country"],
                 "unknown country; write its English name or ISO 3166 alpha-3 code", "value cleared",
                 "p.country_raw"),
        _problem("p.nationality_raw IS NOT NULL AND p.nationality_iso3 IS NULL", header["victim_nationality"],
                 "unknown nationality; write the country's English name or ISO 3166 alpha-3 code",
                 "value cleared", "p.nationality_raw"),
        _problem("p.sentence_raw IS NOT NULL AND p.sentence_months IS NULL", header["sentence"],
                 "not a sentence length (write e.g. 7 years or 18 months)", "value cleared", "p.sentence_raw"),
        _problem("p.victim_count_raw IS NOT NULL AND coalesce(p.victim_count NOT BETWEEN 1 AND 500, true)",
                 header["victim_count"], "not a victim count (a whole number from 1 to 500)", "value cleared",
                 "p.victim_count_raw"),
        _problem("p.victim_age_raw IS NOT NULL AND p.victim_age_band IS NULL AND coalesce(p.victim_age > 100, true)",
                 header["victim_age"], "not an age in years (0-100), nor an age range within one of the contract's "
                 "age bands (such as 9-17 or 48+)", "value cleared", "p.victim_age_raw"),
    ]
    valid = {f: f"CASE WHEN NOT {out_of_range(f)} THEN p.{f} END" for f in DATE_FIELDS}
    checked_sql = f"""
            SELECT p.*, list_filter([{", ".join(problems)}], lambda x: x IS NOT NULL) AS problems,
                   {valid['fir_date']} AS fir_ok,
                   {valid['investigation_date']} AS inv_ok,
                   {valid['challan_date']} AS challan_ok,
                   {valid['verdict_date']} AS verdict_ok
            FROM parsed p"""
    rank_case = " ".join(f"WHEN '{s}' THEN {r}" for s, r in STAGE_RANKS.items())
    con.execute(
        f"""{"INSERT INTO stg_rows" if _exists(con, "stg_rows") else "CREATE TEMP TABLE stg_rows AS"}
            WITH parsed AS ({parsed_sql}),
            checked AS ({checked_sql}),
            d AS (
                SELECT *,
                       fir_ok AS fir_v,
                       CASE WHEN inv_ok >= fir_ok OR fir_ok IS NULL THEN inv_ok END AS inv_v,
                       CASE WHEN challan_ok >= fir_ok OR fir_ok IS NULL THEN challan_ok END AS challan_v
                FROM checked),
            -- Few distinct station spellings: each is read once, not once a row.
            stations AS ({_stations_sql("d")}),
            s AS (SELECT d.*, st.police_station FROM d LEFT JOIN stations st
                  ON st.station_raw IS NOT DISTINCT FROM d.station_raw AND st.fir_tail IS NOT DISTINCT FROM d.fir_tail)
            SELECT $file_id AS file_id, $sid AS source_id, $grain AS grain, $area AS area, _row,
                   _raw_hash AS raw_hash,
                   $repeat AS rows_can_repeat, case_ref, district_raw,
                   fir_no, fir_year, police_station,
                   district_id, province, district_match,
                   date_reported, coalesce(year(date_reported), year_reported)::SMALLINT AS report_year,
                   fir_v AS fir_date, inv_v AS investigation_date, challan_v AS challan_date,
                   CASE WHEN (verdict_ok >= fir_v OR fir_v IS NULL) AND (verdict_ok >= challan_v OR challan_v IS NULL)
                        THEN verdict_ok END AS verdict_date,
                   offences[1] AS offence, coalesce(offences, []::VARCHAR[]) AS offences,
                   coalesce(scope, CASE WHEN $derive_scope AND nationality_iso3 IS NOT NULL AND country_iso3 IS NOT NULL
                                        THEN CASE WHEN nationality_iso3 = country_iso3 THEN 'internal'
                                                  ELSE 'transnational' END END) AS scope,
                   stage, outcome, coalesce(victim_sex, 'unknown') AS victim_sex,
                   CASE victim_referred WHEN 'yes' THEN true WHEN 'no' THEN false END AS victim_referred,
                   coalesce(law_codes, []::VARCHAR[]) AS law_codes, country_iso3, nationality_iso3,
                   sentence_months,
                   CASE WHEN victim_count BETWEEN 1 AND 500 THEN victim_count END AS victim_count,
                   coalesce(victim_age_band, {age_band_sql("CASE WHEN victim_age <= 100 THEN victim_age END")})
                       AS age_band,
                   synthetic,
                   CASE stage {rank_case} END AS stage_code_rank,
                   problems
            FROM s""",
        {"file_id": file_id, "sid": layout.id, "grain": layout.grain, "repeat": layout.rows_can_repeat,
         "province": None if layout.area == "foreign" else layout.province, "earliest": EARLIEST, "today": today,
         "area": layout.area, "derive_scope": layout.derive_scope},
    )


# Rows of published aggregate tables (grain "aggregate"), kept apart from case records; cases.sql copies them into
# the warehouse's published_figures.
FIGURES_TABLE = """
    CREATE OR REPLACE TEMP TABLE stg_figures (
        file_id INTEGER, source_id VARCHAR, _row BIGINT, country_iso3 VARCHAR, area_name VARCHAR, region VARCHAR,
        subregion VARCHAR, indicator VARCHAR, dimension VARCHAR, category VARCHAR, sex VARCHAR, age VARCHAR,
        year SMALLINT, unit VARCHAR, value DOUBLE, value_flag VARCHAR, published_source VARCHAR)"""
# A value published only as "below N" ("<5"): kept as that flag, never as a number.
BELOW = r"^<\s*\d+$"


def standardise_figures(con: duckdb.DuckDBPyConnection, extracted: Extracted, file_id: int) -> None:
    """Append the rows of one published aggregate table to stg_figures. A row without an indicator, a four-digit
    year or a value (a number, or "<N") is left out, and so reported; an unknown country code is cleared."""
    layout = extracted.layout
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE figures_read AS
        SELECT r.*, cm.iso3 AS country_iso3,
               TRY_CAST(regexp_extract(r.year, '^(\\d{{4}})(\\.0+)?$', 1) AS SMALLINT) AS year_n,
               CASE WHEN regexp_full_match(r.value, '{BELOW}') THEN regexp_replace(r.value, '\\s', '', 'g') END
                   AS value_flag,
               TRY_CAST(replace(r.value, ',', '') AS DOUBLE) AS value_n
        FROM {extracted.table} r LEFT JOIN country_map cm ON cm.raw = r.country""")
    checks = (("indicator", "indicator IS NULL", "the indicator is empty"),
              ("year", "year_n IS NULL", "not a year (write it with four digits, e.g. 2021)"),
              ("value", "value_flag IS NULL AND value_n IS NULL", "not a value (a number, or <N for a value "
                                                                  "published only as below N)"))
    for fld, condition, reason in checks:
        for (row,) in con.execute(f"SELECT _row FROM figures_read WHERE {condition} ORDER BY _row").fetchall():
            extracted.issues.append(Issue(extracted.path.name, row, layout.columns[fld], reason, "row rejected"))
    unknown = con.execute("SELECT _row FROM figures_read WHERE country IS NOT NULL AND country_iso3 IS NULL "
                          "ORDER BY _row").fetchall()
    for (row,) in unknown:
        extracted.issues.append(Issue(extracted.path.name, row, layout.columns["country"], "unknown country code; "
                                      "write an ISO 3166 code or the country's English name", "value cleared"))
    con.execute("""
        INSERT INTO stg_figures
        SELECT $file_id, $sid, _row, country_iso3, area_name, region, subregion, indicator, dimension, category, sex,
               age, year_n, unit, CASE WHEN value_flag IS NULL THEN value_n END, value_flag, published_source
        FROM figures_read
        WHERE indicator IS NOT NULL AND year_n IS NOT NULL AND (value_flag IS NOT NULL OR value_n IS NOT NULL)
        ORDER BY _row""", {"file_id": file_id, "sid": layout.id})
    con.execute("DROP TABLE figures_read")


# Aggregate returns (a layout mapping stage measures, etl.layouts.RETURN_MEASURES): one row per area, period and
# measure, kept apart from case records and published tables; cases.sql copies them into the warehouse's returns.
RETURNS_TABLE = """
    CREATE OR REPLACE TEMP TABLE stg_returns (
        file_id INTEGER, source_id VARCHAR, _row BIGINT, district_id VARCHAR, province VARCHAR, year SMALLINT,
        month DATE, measure VARCHAR, value BIGINT, value_flag VARCHAR, synthetic BOOLEAN)"""
# How a month is written in a monthly return, tried before the layout's own date formats (a date in the month).
MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%m/%Y", "%m-%Y", "%b %Y", "%b-%Y", "%B %Y", "%B-%Y", "%b %y", "%b-%y")
# A count as returns write it: digits, with thousands separators and a spreadsheet's ".0" allowed.
COUNT = r"^\d{1,3}(,\d{3})*(\.0+)?$|^\d+(\.0+)?$"


def standardise_returns(con: duckdb.DuckDBPyConnection, extracted: Extracted, file_id: int) -> None:
    """Append one aggregate return's figures to stg_returns, one row per area, period and measure.

    A row is rejected (and reported) when its period cannot be read or its area is not one district (or province)
    of the gazetteer: a "Total" row is one such, and is left out because a total is the sum of its districts. A
    measure cell that is not a count or "<N" is cleared and reported; the row's other measures are kept. An empty
    cell is a figure the return does not give, not a zero."""
    layout = extracted.layout
    cols = layout.columns
    if layout.return_period == "month":
        month = f"date_trunc('month', {_date_sql('month', MONTH_FORMATS + layout.date_formats)})::DATE"
        year = f"year({month})"
    else:
        month = "NULL::DATE"
        year = "TRY_CAST(regexp_extract(trim(r.year), '^(\\d{4})(\\.0+)?$', 1) AS SMALLINT)"
    measures = [m for m in RETURN_MEASURES if m in cols]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE returns_read AS
        SELECT r._row, coalesce(r.district, $district) AS district_raw, dm.district_id, r.province AS province_raw,
               coalesce(dm.province, pm.province, CASE WHEN r.district IS NULL AND r.province IS NULL
                                                       THEN $province END) AS province,
               {month} AS month, {year} AS year,
               coalesce(regexp_matches(lower(r.synthetic), '^\\s*(synthetic|yes|true|y|1)'), false) AS synthetic,
               {", ".join(f"trim(r.{m}) AS {m}" for m in measures)}
        FROM {extracted.table} r
        LEFT JOIN district_map dm ON dm.source_id = $sid AND dm.raw = coalesce(r.district, $district)
        LEFT JOIN province_map pm ON pm.raw = r.province""",
                {"sid": layout.id, "province": layout.province, "district": layout.district})
    period = cols.get("month") or cols["year"]
    checks = [(period, "year IS NULL", "not a month (e.g. 2024-03 or Mar 2024): the row is not loaded"
               if layout.return_period == "month" else "not a year (write it with four digits, e.g. 2024)")]
    if layout.district and "district" not in cols:
        checks.append(("district", "district_id IS NULL", f"the layout's district \"{layout.district}\" is not a "
                       "district of the gazetteer (data/reference/districts.csv): fix [source] district"))
    if "district" in cols:
        checks.append((cols["district"], "district_id IS NULL AND (district_raw IS NOT NULL OR province_raw IS NULL)",
                       "not one district of the gazetteer (data/reference/districts.csv): write the district's "
                       "name or add an alias; a total row is left out, since totals are the sums of the districts"))
    if "province" in cols:
        checks.append((cols["province"], "district_raw IS NULL AND province IS NULL",
                       "not a province (write its name, e.g. Punjab or Khyber Pakhtunkhwa)"))
    rejected = " OR ".join(f"({c})" for _, c, _ in checks)
    for header, condition, reason in checks:
        for (row,) in con.execute(f"SELECT _row FROM returns_read WHERE {condition} ORDER BY _row").fetchall():
            extracted.issues.append(Issue(extracted.path.name, row, header, reason, "row rejected"))
    for m in measures:
        bad = con.execute(f"SELECT _row FROM returns_read WHERE NOT ({rejected}) AND {m} IS NOT NULL "
                          f"AND NOT regexp_full_match({m}, '{COUNT}') AND NOT regexp_full_match({m}, '{BELOW}') "
                          "ORDER BY _row").fetchall()
        for (row,) in bad:
            extracted.issues.append(Issue(extracted.path.name, row, cols[m], "not a count (a whole number, or <N "
                                          "for a figure published only as below N); this figure is left out",
                                          "value cleared"))
    if not layout.published:  # a "<N" the layout does not declare would make a jump the noise does not cover
        declared = f"<{layout.below}" if layout.below else None
        for m in measures:
            odd = con.execute(f"SELECT _row FROM returns_read WHERE NOT ({rejected}) AND regexp_full_match({m}, "
                              f"'{BELOW}') AND regexp_replace({m}, '\\s', '', 'g') IS DISTINCT FROM $declared "
                              "ORDER BY _row", {"declared": declared}).fetchall()
            for (row,) in odd:
                extracted.issues.append(Issue(
                    extracted.path.name, row, cols[m], f"a figure given only as below N in an unpublished return "
                    f"whose layout declares {'below = ' + str(layout.below) if layout.below else 'no below'} in "
                    "[source]; this figure is left out: declare the return's N with below = N, or ask the agency "
                    "for the exact count (the release protects it)", "value cleared"))
            con.execute(f"UPDATE returns_read SET {m} = NULL WHERE regexp_full_match({m}, '{BELOW}') AND "
                        f"regexp_replace({m}, '\\s', '', 'g') IS DISTINCT FROM $declared", {"declared": declared})
    for m in measures:
        con.execute(f"""
            INSERT INTO stg_returns
            SELECT $file_id, $sid, _row, district_id, province, year, month, '{m}',
                   CASE WHEN regexp_full_match({m}, '{COUNT}')
                        THEN CAST(CAST(replace({m}, ',', '') AS DOUBLE) AS BIGINT) END,
                   CASE WHEN regexp_full_match({m}, '{BELOW}') THEN regexp_replace({m}, '\\s', '', 'g') END,
                   synthetic
            FROM returns_read
            WHERE NOT ({rejected}) AND (regexp_full_match({m}, '{COUNT}') OR regexp_full_match({m}, '{BELOW}'))
            ORDER BY _row""", {"file_id": file_id, "sid": layout.id})
    con.execute("DROP TABLE returns_read")


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary", [table]).fetchall()[0][0])
