"""Coverage facts: what each agency's files held, for the release's coverage tables (issue #13, section 4).

Written into the private warehouse by the build, beside the cases:

* ``coverage_agencies``: one row per Pakistani agency's source layout (every one the ETL knows, whether it sent
  anything): its agency, type and province, and how many of its files arrived and could not be read. Facts about
  files, not about any person. Published tables and foreign victim data (layouts of grain "aggregate" or area
  "foreign") are not an agency's case records and are left out.
* ``coverage_rows``: one row per data row read (or, for rows a file lost before they could be typed, one row per
  file with their number in ``rows``): the agency, what the ETL did with the row (loaded, merged, rejected), the
  privacy unit it belongs to and its report year when one is known. No value of the row is kept.
* ``coverage_records``: one row per agency record that was loaded (one agency's record of a case: all its rows),
  with its case, the case's report month and year and which contract fields the record left unrecorded.

The release (etl/release.py) counts these with each case's contribution bounded and adds noise; nothing here is
published as it is except ``coverage_agencies``' agency names and whether any file arrived.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from etl import anonymise
from etl.extract import Extracted
from etl.layouts import Layout
from etl.standardise import EARLIEST

# Contract fields whose absence the coverage page reports, and when a loaded record counts as missing each. A FIR
# date is missing only when the record says a FIR was registered (stage or later dates) but gives no date.
MISSING_FIELDS = {
    "district": "district_id IS NULL",
    "fir_date": "stage_rank >= 2 AND fir_date IS NULL",
    "offence": "offence IS NULL",
    "outcome": "stage_rank = 5 AND outcome IS NULL",
}


def _is_agency_records(layout: Layout) -> bool:
    return layout.grain != "aggregate" and layout.area != "foreign"


def _agencies(files: list[Extracted], layouts: list[Layout]) -> pd.DataFrame:
    layouts = [lay for lay in layouts if _is_agency_records(lay)]
    received = {lay.id: 0 for lay in layouts}
    unreadable = dict(received)
    for f in files:
        if f.layout is not None and f.layout.id in received:
            received[f.layout.id] += 1
            unreadable[f.layout.id] += int(not f.table)
    return pd.DataFrame(
        [(lay.id, lay.agency, lay.agency_type, lay.province, received[lay.id], unreadable[lay.id])
         for lay in sorted(layouts, key=lambda lay: lay.id)],
        columns=["source_id", "agency", "agency_type", "province", "files_received", "files_unreadable"])


def _lost_rows(files: list[Extracted], con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows of a file that never reached staging (a broken line, a file skipped whole): counted as rejected."""
    typed = dict(con.execute("SELECT file_id, count(*) FROM stg_rows GROUP BY file_id").fetchall()) \
        if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stg_rows' AND temporary"
                       ).fetchone()[0] else {}
    lost = [(f.layout.id, f.rows_read - typed.get(i, 0)) for i, f in enumerate(files)
            if f.layout is not None and _is_agency_records(f.layout) and f.rows_read > typed.get(i, 0)]
    return pd.DataFrame(lost, columns=["source_id", "rows"]).astype({"source_id": str, "rows": "int64"})


def write_coverage_facts(con: duckdb.DuckDBPyConnection, files: list[Extracted], layouts: list[Layout],
                         key: bytes, today: dt.date) -> None:
    """Create out.coverage_agencies, out.coverage_rows and out.coverage_records from the build's temp tables
    (stg_rows, merged_rows, records, case_groups) and out.cases."""
    con.register("coverage_agencies_df", _agencies(files, layouts))
    con.execute("CREATE TABLE out.coverage_agencies AS SELECT source_id::VARCHAR AS source_id, "
                "agency::VARCHAR AS agency, agency_type::VARCHAR AS agency_type, province::VARCHAR AS province, "
                "files_received::INTEGER AS files_received, files_unreadable::INTEGER AS files_unreadable "
                "FROM coverage_agencies_df")
    con.unregister("coverage_agencies_df")
    # A row's unit is its case when its record was loaded; otherwise its agency record (source and reference,
    # keyed like a record pseudonym); a row with no reference is a unit of its own.
    record_id = f"substr({anonymise.hmac_sql('s.source_id || chr(31) || s.case_ref')}, 1, 16)"
    con.execute(f"""
        CREATE TABLE out.coverage_rows AS
        WITH units AS (
            SELECT s.file_id, s._row, s.source_id, s.report_year,
                   list_contains(list_transform(s.problems, lambda x: x.action), 'row rejected') AS rejected,
                   CASE WHEN s.case_ref IS NOT NULL THEN {record_id} END AS record_id
            FROM stg_rows s SEMI JOIN out.coverage_agencies a USING (source_id))
        SELECT u.source_id::VARCHAR AS source_id,
               CASE WHEN u.rejected THEN 'rejected' WHEN m._row IS NOT NULL THEN 'merged' ELSE 'loaded' END
                   AS status,
               coalesce(g.case_id, u.record_id, 'row:' || u.file_id || ':' || u._row) AS unit_id,
               coalesce(c.report_year, CASE WHEN u.report_year BETWEEN year($earliest) AND year($today)
                                            THEN u.report_year END)::SMALLINT AS report_year,
               1::BIGINT AS rows
        FROM units u
        LEFT JOIN merged_rows m ON m.file_id = u.file_id AND m._row = u._row
        LEFT JOIN case_groups g ON g.record_id = u.record_id
        LEFT JOIN out.cases c ON c.case_id = g.case_id""",
                {**anonymise.hmac_params(key), "earliest": EARLIEST, "today": today})
    con.register("coverage_lost_df", _lost_rows(files, con))
    con.execute("INSERT INTO out.coverage_rows SELECT source_id, 'rejected', NULL, NULL, rows "
                "FROM coverage_lost_df")
    con.unregister("coverage_lost_df")
    flags = ", ".join(f"({sql}) AS missing_{name}" for name, sql in MISSING_FIELDS.items())
    con.execute(f"""
        CREATE TABLE out.coverage_records AS
        SELECT r.source_id, g.case_id, c.report_month, c.report_year, r.* EXCLUDE (source_id, record_id)
        FROM (SELECT source_id::VARCHAR AS source_id, record_id, {flags} FROM records) r
        JOIN case_groups g USING (record_id) JOIN out.cases c ON c.case_id = g.case_id""")
