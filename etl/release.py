"""The public release: the catalogue's protected tables as a Frictionless Data Package (issue #11).

After every warehouse build the ETL writes ``config.release_dir()``: every table of ``tipcore.catalogue.TABLES``
over the full public domain of its keys (zeros included, so an absent row tells nothing), each measure of each
report year one vector released once with OpenDP's discrete Gaussian mechanism, plus the reference facts (published
facts, not records) as they are. The dashboard reads this folder and nothing else.

Privacy accounting (zero-concentrated differential privacy, rho per year; docs/privacy.md):

* the unit is one case with all its victims; a case belongs to one report year, so the years compose in parallel;
* the period tables (events by the year they happened) are charged to event years, with a budget of their own
  (``config.PRIVACY_RHO_PERIOD``): a case moves each period measure by at most 1 in one event year; agencies'
  unpublished aggregate returns (``returns_district_year``, ``returns_province_year``) share that budget
  (``catalogue.RETURNS_SHARE``), with a sensitivity from the returns the ETL knows (``catalogue.return_sensitivity``);
  published returns are copied as published (``returns/``), like the reference facts;
* a table gets ``rho * share`` of a year's budget, split evenly over its measures; sigma = sensitivity /
  sqrt(2 rho), and OpenDP's own privacy map is checked against that rho;
* the private ledger (``config.ledger_path()``) keeps, per (table, measure, year), keyed HMACs of the true and the
  released vectors and the released values: a year whose data did not change is republished as it was (nothing
  spent); a year whose data changed gets fresh noise for all its vectors and that rho is added to the year's
  cumulative loss; a year that would pass ``config.PRIVACY_RHO_CAP`` keeps its previous values (frozen).

The ledger is written before the new release is swapped in, so a published value is always on the ledger.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import fcntl
import hashlib
import hmac
import io
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import opendp.prelude as dp
import pandas as pd

from etl import anonymise
from etl.districts import PROVINCES
from tipcore import catalogue, config

dp.enable_features("contrib")

DELTA = 1e-6  # the delta at which the zCDP budget is also stated as (epsilon, delta)
ALPHA = 0.05  # margins are 95% intervals of one cell
UNIT = "one case with all its victims"
PACKAGE_NAME = "pakistan-tip-release"
TOLERANCE = 1e-9  # OpenDP rounds its privacy maps up by a few ulps
LEDGER_DOMAIN = b"tip-privacy-ledger-v1"
CC_BY = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
         "title": "Creative Commons Attribution 4.0 International"}
# Declared, not sniffed: a sniffer can take a long quoted note for another delimiter.
DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True, "lineTerminator": "\n"}
ODBL = {"name": "ODbL-1.0", "path": "https://opendatacommons.org/licenses/odbl/1-0/",
        "title": "Open Data Commons Open Database License 1.0"}

Progress = Callable[[str, float], None]


class ReleaseError(RuntimeError):
    """The release cannot be built; the message says why. The previous release is untouched."""


# -- the plan: rho, sigma, sensitivity and margin of every vector -------------------------------------------------


def _space():
    return dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=int)


@dataclass(frozen=True)
class VectorPlan:
    table: str
    measure: str
    rho: float  # this vector's share of a year's budget
    sigma: float
    sensitivity: int  # L2 distance one case can move the vector
    margin95: int  # 95% of a cell's noise is within +-margin95
    spent: float  # OpenDP's privacy map at `sensitivity`: the rho actually charged
    basis: str = "report"  # the years it is charged to: report years (cohort tables) or event years (period)

    def measurement(self):
        return _space() >> dp.m.then_gaussian(scale=self.sigma)


def budgets(rho: float | None = None, rho_period: float | None = None) -> dict[str, float]:
    """The per-year budget of each basis: report years (cohort tables) and event years (period tables)."""
    out = {"report": config.PRIVACY_RHO if rho is None else rho,
           "event": config.PRIVACY_RHO_PERIOD if rho_period is None else rho_period}
    for basis, value in out.items():
        if not value > 0:
            setting = "TIP_PRIVACY_RHO" if basis == "report" else "TIP_PRIVACY_RHO_PERIOD"
            raise ReleaseError(f"the privacy budget must be positive ({setting} is {value})")
    return out


def plan(rho: float | None = None, rho_period: float | None = None, returns_sensitivity: int = 1) \
        -> dict[tuple[str, str], VectorPlan]:
    """The noise of every (table, measure) vector of one year, checked against OpenDP's privacy map.
    ``returns_sensitivity``: of the unpublished returns' table (catalogue.return_sensitivity of the returns known)."""
    budget = budgets(rho, rho_period)
    catalogue.budget_check()
    out = {}
    for table in catalogue.TABLES.values():
        rho_tm = budget[table.basis] * table.share / len(table.measures)
        for key in table.measures:
            sens = returns_sensitivity if "return_source" in table.keys else catalogue.MEASURES[key].sensitivity
            sigma = sens / math.sqrt(2 * rho_tm)
            meas = _space() >> dp.m.then_gaussian(scale=sigma)
            spent = float(meas.map(sens))
            if not spent <= rho_tm * (1 + TOLERANCE):
                raise ReleaseError(f"{table.name}.{key}: OpenDP's privacy map gives rho {spent}, above its share "
                                   f"{rho_tm}")
            margin = int(dp.discrete_gaussian_scale_to_accuracy(sigma, ALPHA))
            out[(table.name, key)] = VectorPlan(table.name, key, rho_tm, sigma, sens, margin, spent, table.basis)
    return out


def basis_rho(vector_plan: dict[tuple[str, str], VectorPlan], basis: str) -> float:
    """What one release spends per year of a basis: the composition of that basis's vectors."""
    return composed_rho([p.spent for p in vector_plan.values() if p.basis == basis])


def composed_rho(rhos: list[float]) -> float:
    """OpenDP's zCDP composition of losses: each loss is the map of a discrete Gaussian at distance 1 (its twin)."""
    rhos = [r for r in rhos if r > 0]
    if not rhos:
        return 0.0
    twins = [_space() >> dp.m.then_gaussian(scale=1 / math.sqrt(2 * r)) for r in rhos]
    if len(twins) == 1:
        return float(twins[0].map(1))
    return float(dp.c.make_composition(twins).map(1))


def epsilon(rho: float, delta: float = DELTA) -> float:
    """(epsilon, delta)-DP equivalent of a zCDP loss rho, by OpenDP's conversion (privacy profile at delta)."""
    if rho <= 0:
        return 0.0
    twin = _space() >> dp.m.then_gaussian(scale=1 / math.sqrt(2 * rho))
    approx = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(twin), delta)
    return float(approx.map(1)[0])


# -- the public domain and the true counts ------------------------------------------------------------------------


@dataclass
class Domain:
    years: list[int]
    districts: list[str]
    outside_years: int  # cases reported outside the release's years (left out)
    is_demo: bool
    data_as_of: str | None  # last report month in the domain, YYYY-MM
    etl_run_id: str | None
    agencies: list[str] = field(default_factory=list)  # source layouts the ETL knows (sent data or not)
    returns: list[str] = field(default_factory=list)  # unpublished aggregate returns the ETL knows

    def values(self, key: str) -> list:
        fixed = {
            "year": self.years,
            "month": [dt.date(y, m, 1) for y in self.years for m in range(1, 13)],
            "province": [*PROVINCES, catalogue.NO_PROVINCE],
            "district_id": self.districts,
            "offence": list(catalogue.OFFENCES),
            "scope": list(catalogue.SCOPES),
            "agency_type": list(catalogue.AGENCY_TYPES),
            "sex": list(catalogue.SEXES),
            "age_band": list(catalogue.AGE_BANDS),
            "law_group": list(catalogue.LAW_GROUPS),
            "verdict_months": list(catalogue.VERDICT_BINS),
            "kind": list(catalogue.KINDS),
            "agency": self.agencies,
            "row_status": list(catalogue.ROW_STATUSES),
            "field": list(catalogue.COVERAGE_FIELDS),
            "return_source": self.returns,
        }
        if key not in fixed:
            raise ReleaseError(f"the catalogue uses a key the release does not know: {key}")
        return fixed[key]


def _release_to(last: int) -> int:
    value = os.environ.get("TIP_RELEASE_TO")
    if not value:
        return last
    try:
        return int(value)
    except ValueError:
        raise ReleaseError(f"TIP_RELEASE_TO must be a year, not {value!r}") from None


def domain(con: duckdb.DuckDBPyConnection, year_from: int | None = None) -> Domain:
    """Key domains from the settings, the catalogue and the warehouse (``wh``)'s gazetteer and last report year."""
    first = config.RELEASE_FROM if year_from is None else year_from
    last_in_data, is_demo = con.execute(
        "SELECT max(report_year), coalesce(bool_or(is_demo), false) FROM wh.cases").fetchone()
    if last_in_data is None:
        raise ReleaseError("the warehouse holds no case")
    last = _release_to(int(last_in_data))
    if last < first:
        raise ReleaseError(f"no report year to release: the years run from {first} (TIP_RELEASE_FROM) to {last}")
    years = list(range(first, last + 1))
    districts = [r[0] for r in con.execute("SELECT district_id FROM wh.districts ORDER BY district_id").fetchall()]
    outside, as_of = con.execute(
        "SELECT count(*) FILTER (WHERE report_year NOT BETWEEN $a AND $b), "
        "strftime(max(report_month) FILTER (WHERE report_year BETWEEN $a AND $b), '%Y-%m') FROM wh.cases",
        {"a": first, "b": last}).fetchone()
    run = con.execute("SELECT run_id FROM wh.etl_runs ORDER BY started_at DESC LIMIT 1").fetchone()
    agencies = [r[0] for r in con.execute("SELECT source_id FROM wh.coverage_agencies ORDER BY source_id"
                                          ).fetchall()] if _has_coverage(con) else []
    returns = [r[0] for r in con.execute("SELECT source_id FROM wh.return_sources WHERE NOT published "
                                         "ORDER BY source_id").fetchall()] if _has_returns(con) else []
    return Domain(years, districts, int(outside), bool(is_demo), as_of, run[0] if run else None, agencies, returns)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'wh' AND table_name = ?",
                            [name]).fetchone()[0])


def _has_coverage(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse holds coverage facts (warehouses built before them have none: no agency rows)."""
    return _has_table(con, "coverage_agencies")


def _return_belows(warehouse: Path) -> list[int | None]:
    """The "<N" of each unpublished return the warehouse knows (None: exact counts), for their sensitivity."""
    with _warehouse(warehouse) as con:
        if not _has_returns(con):
            return []
        return [r[0] for r in con.execute("SELECT below FROM wh.return_sources WHERE NOT published "
                                          "ORDER BY source_id").fetchall()]


def _has_returns(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse holds aggregate returns (warehouses built before them have none)."""
    return _has_table(con, "return_sources")


def _verdict_bin_sql(column: str) -> str:
    """CASE expression binning whole months into catalogue.VERDICT_BINS ('0-5', '36+', ..., 'not_recorded')."""
    parts = [f"WHEN {column} IS NULL THEN 'not_recorded'"]
    for label in catalogue.VERDICT_BINS:
        if label == "not_recorded":
            continue
        if label.endswith("+"):
            parts.append(f"WHEN {column} >= {int(label[:-1])} THEN '{label}'")
        else:
            low, high = (int(v) for v in label.split("-"))
            parts.append(f"WHEN {column} BETWEEN {low} AND {high} THEN '{label}'")
    return "CASE " + " ".join(parts) + " END"


_CASE_MEASURES = {
    "cases": "1",
    "firs": "c.is_fir::INTEGER",
    "investigations": "(c.stage_rank >= 3)::INTEGER",
    "charge_sheets": "c.is_charge_sheeted::INTEGER",
    "trials": "c.is_trial_concluded::INTEGER",
    "convictions": "c.is_convicted::INTEGER",
    "acquittals": "(c.is_trial_concluded AND c.outcome = 'acquitted')::INTEGER",
    "compromises": "(c.is_trial_concluded AND c.outcome = 'compromise')::INTEGER",
    "victims": "coalesce(v.victims, 0)",
    "victims_referred": "coalesce(v.victims_referred, 0)",
}
_VICTIM_KEYS = {"sex", "age_band"}


def _prepare(con: duckdb.DuckDBPyConnection, dom: Domain) -> None:
    """Temp tables: one row per case (keys and measures) and one per counted victim, inside the year domain."""
    measures = ",\n".join(f"{sql} AS {name}" for name, sql in _CASE_MEASURES.items())
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE rel_cases AS
        SELECT c.case_id, c.report_year::INTEGER AS year, c.report_month AS month,
               coalesce(c.province, '{catalogue.NO_PROVINCE}') AS province, c.district_id,
               coalesce(c.offence, 'not_recorded') AS offence, coalesce(c.scope, 'not_recorded') AS scope,
               c.agency_type, coalesce(c.law_group, 'Not recorded') AS law_group,
               CASE WHEN c.is_smuggling THEN 'smuggling' ELSE 'trafficking' END AS kind,
               CASE WHEN c.is_trial_concluded THEN {_verdict_bin_sql('c.months_fir_to_verdict')} END
                   AS verdict_months,
               {measures}
        FROM wh.cases c
        LEFT JOIN (SELECT case_id, count(*) AS victims, count(*) FILTER (WHERE is_referred) AS victims_referred
                   FROM wh.victims WHERE victim_no <= $clip GROUP BY case_id) v USING (case_id)
        WHERE c.report_year BETWEEN $first AND $last""",
                {"clip": catalogue.VICTIM_CLIP, "first": dom.years[0], "last": dom.years[-1]})
    con.execute("""
        CREATE OR REPLACE TEMP TABLE rel_victims AS
        SELECT c.* EXCLUDE (victims, victims_referred), v.sex, coalesce(v.age_band, 'not_recorded') AS age_band,
               1 AS victims, coalesce(v.is_referred, false)::INTEGER AS victims_referred
        FROM rel_cases c JOIN wh.victims v USING (case_id)
        WHERE v.victim_no <= $clip""", {"clip": catalogue.VICTIM_CLIP})
    # One row per event (FIR, charge sheet, verdict) in the release's years, whichever year its case was reported.
    events = [("period_firs", "c.is_fir", "c.fir_month"),
              ("period_charge_sheets", "c.is_charge_sheeted", "c.challan_month"),
              ("period_trials", "c.is_trial_concluded", "c.verdict_month")]
    selects = []
    for measure, happened, month in events:
        flags = ", ".join(f"{int(m == measure)} AS {m}" for m in catalogue.PERIOD if m != "period_convictions")
        convicted = "c.is_convicted::INTEGER" if measure == "period_trials" else "0"
        selects.append(f"""
            SELECT year({month})::INTEGER AS year, coalesce(c.province, '{catalogue.NO_PROVINCE}') AS province,
                   c.district_id, CASE WHEN c.is_smuggling THEN 'smuggling' ELSE 'trafficking' END AS kind,
                   {flags}, {convicted} AS period_convictions
            FROM wh.cases c WHERE {happened} AND year({month}) BETWEEN $first AND $last""")
    con.execute("CREATE OR REPLACE TEMP TABLE rel_events AS " + " UNION ALL ".join(selects),
                {"first": dom.years[0], "last": dom.years[-1]})
    _prepare_coverage(con, dom)
    _prepare_returns(con, dom)
    for key in {k for t in catalogue.TABLES.values() for k in t.keys}:
        values = dom.values(key)
        frame = pd.DataFrame({key: values, f"{key}__ord": range(len(values))})
        con.register(f"dom_{key}_df", frame)
        cast = {"year": "INTEGER", "month": "DATE"}.get(key, "VARCHAR")
        con.execute(f"CREATE OR REPLACE TEMP TABLE dom_{key} AS SELECT {key}::{cast} AS {key}, {key}__ord "
                    f"FROM dom_{key}_df")
        con.unregister(f"dom_{key}_df")


def _prepare_coverage(con: duckdb.DuckDBPyConnection, dom: Domain) -> None:
    """Temp tables of the coverage measures, each case's contribution bounded (catalogue.ROW_CLIP, AGENCY_CLIP):

    * rel_rows: rows by agency, year and status; a case's (unit's) first ROW_CLIP rows, in agency and status
      order, all in the unit's first known report year. A unit with no known report month (rows rejected for
      their date, or lost before they were typed) is counted in the release's last year: it appears in no other
      year, so the years still compose in parallel;
    * rel_records: one record per case and agency, for at most AGENCY_CLIP agencies of a case, by report month
      (a case known only to the year is in no month: counted as outside the domain);
    * rel_missing: the same records, one row per field they leave unrecorded."""
    if not _has_coverage(con):  # no agency in the domain, so nothing is counted: empty tables of the right shape
        con.execute("CREATE OR REPLACE TEMP TABLE rel_rows (agency VARCHAR, year INTEGER, row_status VARCHAR, "
                    "rows BIGINT)")
        con.execute("CREATE OR REPLACE TEMP TABLE rel_records (agency VARCHAR, month DATE, agency_records BIGINT)")
        con.execute("CREATE OR REPLACE TEMP TABLE rel_missing (agency VARCHAR, year INTEGER, field VARCHAR, "
                    "records_missing BIGINT)")
        return
    years = {"first": dom.years[0], "last": dom.years[-1]}
    con.execute("""
        CREATE OR REPLACE TEMP TABLE rel_rows AS
        WITH dated AS (  -- all rows of a unit in one year: its first known one
            SELECT source_id AS agency, status AS row_status, rows, unit_id,
                   coalesce(min(report_year::INTEGER) OVER (PARTITION BY unit_id), $last) AS year
            FROM wh.coverage_rows),
        counted AS (  -- a unit's rows one by one, so the first ROW_CLIP can be kept
            SELECT agency, year, row_status,
                   sum(rows) OVER (PARTITION BY unit_id ORDER BY agency, row_status
                                   ROWS UNBOUNDED PRECEDING) AS upto, rows, unit_id
            FROM dated WHERE unit_id IS NOT NULL)
        SELECT agency, year, row_status, greatest(0, least(rows, $clip - (upto - rows)))::BIGINT AS rows
        FROM counted WHERE year BETWEEN $first AND $last
        UNION ALL
        SELECT agency, year, row_status, rows FROM dated WHERE unit_id IS NULL""",
                {**years, "clip": catalogue.ROW_CLIP})
    con.execute("""
        CREATE OR REPLACE TEMP TABLE rel_record_once AS
        SELECT * FROM (
            SELECT *, dense_rank() OVER (PARTITION BY case_id ORDER BY source_id) AS agency_no,
                   row_number() OVER (PARTITION BY case_id, source_id ORDER BY missing_district, missing_fir_date,
                                                                           missing_offence, missing_outcome) AS copy
            FROM wh.coverage_records WHERE report_year BETWEEN $first AND $last)
        WHERE agency_no <= $agencies AND copy = 1""", {**years, "agencies": catalogue.AGENCY_CLIP})
    con.execute("CREATE OR REPLACE TEMP TABLE rel_records AS SELECT source_id AS agency, report_month AS month, "
                "1::BIGINT AS agency_records FROM rel_record_once")
    missing = " UNION ALL ".join(
        f"SELECT source_id AS agency, report_year::INTEGER AS year, '{f}' AS field, "
        f"missing_{f}::BIGINT AS records_missing FROM rel_record_once" for f in catalogue.COVERAGE_FIELDS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE rel_missing AS {missing}")


def _prepare_returns(con: duckdb.DuckDBPyConnection, dom: Domain) -> None:
    """Temp tables of the unpublished returns (published ones are copied as they are, ``_returns_files``):

    * rel_returns: one row per return figure, its measure in the release's name, with its district (NULL for a
      province's figure) and province, in its year (a monthly return's months fall in their year). A figure given
      only as "<N" (the N its layout declares: etl.standardise clears any other) is counted as N // 2 before the
      noise, whose sensitivity covers the jump (catalogue.return_sensitivity); a figure left empty is not counted;
    * dom_return_district, dom_return_province: the cells each return covers, from its layout (public, not from its
      rows): a district return, every district of its province (or the one district it names) and its province; a
      province's return, its province (a return that names no province: every district, every province). Only
      these cells are released, every one of them in every year, zeros included."""
    if not _has_returns(con):
        con.execute("CREATE OR REPLACE TEMP TABLE rel_returns (return_source VARCHAR, district_id VARCHAR, "
                    "province VARCHAR, year INTEGER, "
                    + ", ".join(f"{m} BIGINT" for m in catalogue.RETURN_MEASURES) + ")")
        con.execute("CREATE OR REPLACE TEMP TABLE dom_return_district (return_source VARCHAR, district_id VARCHAR)")
        con.execute("CREATE OR REPLACE TEMP TABLE dom_return_province (return_source VARCHAR, province VARCHAR)")
        return
    measures = ", ".join(f"CASE WHEN r.measure = '{own}' THEN coalesce(r.value, "
                         f"TRY_CAST(ltrim(r.value_flag, '<') AS BIGINT) // 2) ELSE 0 END AS {released}"
                         for own, released in catalogue.RETURN_MEASURE_OF.items())
    # Victim figures are not released from unpublished returns (catalogue.RETURN_MEASURES says why).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE rel_returns AS
        SELECT r.source_id AS return_source, r.district_id, r.province, r.year::INTEGER AS year, {measures}
        FROM wh.returns r WHERE NOT r.published AND r.year BETWEEN $first AND $last
          AND list_contains($measures, r.measure)""",
                {"first": dom.years[0], "last": dom.years[-1], "measures": list(catalogue.RETURN_MEASURE_OF)})
    con.execute("""
        CREATE OR REPLACE TEMP TABLE dom_return_district AS
        SELECT s.source_id AS return_source, d.district_id
        FROM wh.return_sources s JOIN wh.districts d
          ON s.level = 'district' AND (d.district_id = s.district_id
                                       OR (s.district_id IS NULL AND (s.province IS NULL OR d.province = s.province)))
        WHERE NOT s.published""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE dom_return_province AS
        SELECT s.source_id AS return_source, p.province
        FROM wh.return_sources s JOIN (SELECT unnest($provinces) AS province) p
          ON s.province IS NULL OR p.province = s.province
        WHERE NOT s.published""", {"provinces": list(PROVINCES)})


# The coverage tables' source tables, named by a key only they hold.
_COVERAGE_BASES = {"row_status": "rel_rows", "field": "rel_missing", "agency": "rel_records",
                   "return_source": "rel_returns"}


def true_table(con: duckdb.DuckDBPyConnection, table: catalogue.Table) -> tuple[pd.DataFrame, int]:
    """Dense true counts of one table (every key combination, zeros included), in domain order, with its year in
    ``_year``; and the number of cases (or victims) whose keys fall outside the domain (0 unless a code is new)."""
    keys = list(table.keys)
    base = next((b for k, b in _COVERAGE_BASES.items() if k in keys), None) or \
        ("rel_events" if table.basis == "event" else "rel_victims" if _VICTIM_KEYS & set(keys) else "rel_cases")
    where = ["district_id IS NOT NULL"] if "district_id" in keys else []  # counted in province and Pakistan only
    if "verdict_months" in keys:
        where.append("verdict_months IS NOT NULL")  # concluded trials only
    where_sql = ("WHERE " + " AND ".join(where)) if where else ""
    sums = ", ".join(f"sum({m})::BIGINT AS {m}" for m in table.measures)
    key_list = ", ".join(keys)
    cross = " CROSS JOIN ".join(f"dom_{k}" for k in keys)
    if "return_source" in keys:  # a return's cells are the areas it covers, not every area
        area = "district_id" if "district_id" in keys else "province"
        cross += f" SEMI JOIN dom_return_{area.removesuffix('_id')} USING (return_source, {area})"
    year = "d.year" if "year" in keys else "year(d.month)::INTEGER"
    out_keys = ", ".join(f"d.{k}::VARCHAR AS {k}" if k == "month" else f"d.{k}" for k in keys)
    measures = ", ".join(f"coalesce(a.{m}, 0)::BIGINT AS {m}" for m in table.measures)
    order = ", ".join(f"d.{k}__ord" for k in keys)
    con.execute(f"CREATE OR REPLACE TEMP TABLE rel_agg AS SELECT {key_list}, {sums} FROM {base} {where_sql} "
                f"GROUP BY ALL")
    frame = con.execute(f"""
        SELECT {out_keys}, {year} AS _year, {measures}
        FROM (SELECT * FROM {cross}) d LEFT JOIN rel_agg a USING ({key_list})
        ORDER BY {order}""").df()
    outside = con.execute(f"SELECT coalesce(sum({table.measures[0]}), 0) FROM rel_agg a ANTI JOIN "
                          f"(SELECT * FROM {cross}) d USING ({key_list})").fetchone()[0]
    return frame, int(outside)


def true_tables(warehouse: Path, year_from: int | None = None) -> tuple[dict[str, pd.DataFrame], Domain]:
    """Every catalogue table's dense true counts from the warehouse (private: for the release and its tests)."""
    with _warehouse(warehouse) as con:
        dom = domain(con, year_from)
        _prepare(con, dom)
        return {name: true_table(con, t)[0] for name, t in catalogue.TABLES.items()}, dom


@contextlib.contextmanager
def _warehouse(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not Path(warehouse).is_file():
        raise ReleaseError(f"no warehouse at {Path(warehouse).name}; build it first (python -m etl build)")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")  # the build prints its own progress
        con.execute(f"ATTACH '{_sql_text(str(warehouse))}' AS wh (READ_ONLY)")
        yield con
    finally:
        con.close()


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


# -- the ledger ---------------------------------------------------------------------------------------------------

_LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (        -- what is released now, per (table, measure, year)
    table_name VARCHAR, measure VARCHAR, year INTEGER,
    true_hmac VARCHAR,                      -- keyed HMAC of the true vector the released one was drawn from
    released_hmac VARCHAR,                  -- keyed HMAC of the released vector
    released BIGINT[],                      -- the released (noisy) values, republished while the data is the same
    sigma DOUBLE, sensitivity INTEGER, rho DOUBLE,
    release_id VARCHAR, drawn_at TIMESTAMP,
    PRIMARY KEY (table_name, measure, year));
CREATE TABLE IF NOT EXISTS draws (          -- every fresh draw ever made: the loss history
    release_id VARCHAR, table_name VARCHAR, measure VARCHAR, year INTEGER, rho DOUBLE, sigma DOUBLE,
    true_hmac VARCHAR, released_hmac VARCHAR, drawn_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS years (          -- per report year: cumulative loss and the releases that spent it
    year INTEGER PRIMARY KEY, cumulative_rho DOUBLE, releases VARCHAR[], frozen BOOLEAN, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS event_years (    -- the same per event year, for the period tables
    year INTEGER PRIMARY KEY, cumulative_rho DOUBLE, releases VARCHAR[], frozen BOOLEAN, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS releases (
    release_id VARCHAR PRIMARY KEY, created TIMESTAMP, etl_run_id VARCHAR, rho_spent DOUBLE, years_drawn INTEGER[],
    frozen_years INTEGER[]);
"""


def _ledger_key() -> bytes:
    return hmac.new(anonymise.pseudonym_key(), LEDGER_DOMAIN, hashlib.sha256).digest()


def _vector_hmac(key: bytes, table: str, measure: str, year: int, keys_digest: str, values: list[int]) -> str:
    message = "\x1f".join((table, measure, str(year), keys_digest, ",".join(str(int(v)) for v in values)))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


@dataclass
class YearResult:
    year: int
    spent: float = 0.0  # rho drawn in this build
    cumulative: float = 0.0
    releases: list[str] = field(default_factory=list)
    frozen: bool = False
    data_changed: bool = False
    drawn: list[tuple[str, str]] = field(default_factory=list)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    lock_path = path.parent / f".{path.name}.lock"
    with lock_path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReleaseError("another release is being built from this ledger; wait for it to finish") from None
        yield


# -- writing ------------------------------------------------------------------------------------------------------


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


_DUCK_TYPES = {"VARCHAR": "string", "DOUBLE": "number", "FLOAT": "number", "BOOLEAN": "boolean", "DATE": "date",
               "BIGINT": "integer", "INTEGER": "integer", "SMALLINT": "integer", "TINYINT": "integer",
               "HUGEINT": "integer", "UBIGINT": "integer", "UINTEGER": "integer", "USMALLINT": "integer",
               "UTINYINT": "integer", "TIMESTAMP": "datetime"}


def _reference(con: duckdb.DuckDBPyConnection) -> list[tuple[dict, bytes]]:
    """The reference facts (ref_* tables and the districts gazetteer), as they are in the warehouse."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh' "
        "AND (table_name = 'districts' OR table_name LIKE 'ref\\_%' ESCAPE '\\') ORDER BY table_name").fetchall()]
    about = {}
    if "ref_sources" in names:
        about = {r[0]: r[1:] for r in con.execute(
            "SELECT table_name, description, citation, licence FROM wh.ref_sources").fetchall()}
    out = []
    for name in names:
        columns = con.execute(f"DESCRIBE wh.{name}").fetchall()
        select = ", ".join(f'"{c[0]}"' for c in columns)
        # DuckDB's own CSV writer: an integer column with NULLs stays integer (pandas would write 12.0).
        data = _duck_csv(con, f"SELECT {select} FROM wh.{name} ORDER BY rowid")
        fields = []
        for column, ctype, *_ in columns:
            base = re.sub(r"\(.*\)", "", ctype)
            fields.append({"name": column, "type": _DUCK_TYPES.get(base, "string")})
        description, citation, licence = about.get(name, ("Reference facts", None, None))
        if name == "ref_sources":
            description = "Where each reference table comes from: file, description, citation and licence"
        resource = {
            "name": name, "path": f"reference/{name}.csv", "profile": "tabular-data-resource",
            "title": description, "description": f"Published facts, not case records: copied as they are from the "
                                                 f"warehouse. {description}.",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "dialect": DIALECT,
            "schema": {"fields": fields},
        }
        if name == "districts":
            resource["schema"]["primaryKey"] = ["district_id"]
            resource["licenses"] = [ODBL]
        if citation:
            resource["sources"] = [{"title": citation}]
        if licence:
            resource["rights"] = licence
        out.append((resource, data))
    return out


def _agency_files(con: duckdb.DuckDBPyConnection) -> list[tuple[dict, bytes]]:
    """The agencies the ETL knows and whether any file of theirs arrived: facts about files, published as they are.
    Not how many files: an agency that sent one file per case would publish its count of cases."""
    if not _has_coverage(con):
        return []
    data = _duck_csv(con, "SELECT source_id AS agency, agency AS name, agency_type, province, "
                          "files_received > 0 AS files_received FROM wh.coverage_agencies ORDER BY source_id")
    fields = [{"name": "agency", "type": "string", "description": catalogue.KEY_DESCRIPTIONS["agency"]},
              {"name": "name", "type": "string", "description": "the agency's name"},
              {"name": "agency_type", "type": "string", "description": catalogue.KEY_DESCRIPTIONS["agency_type"]},
              {"name": "province", "type": "string", "description": "the province its layout covers (empty: several)"},
              {"name": "files_received", "type": "boolean",
               "description": "whether any file of this agency arrived for the build (read or not)"}]
    resource = {
        "name": "coverage_agencies", "path": "coverage/agencies.csv", "profile": "tabular-data-resource",
        "title": "Agencies whose exports the ETL reads, and whether any file arrived",
        "description": "Facts about the agencies' files, not about any person: published as they are. How much "
                       "each agency sent, and for which months, is in the protected coverage tables.",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "dialect": DIALECT, "licenses": [CC_BY],
        "schema": {"fields": fields, "primaryKey": ["agency"]},
    }
    return [(resource, data)]


def _returns_files(con: duckdb.DuckDBPyConnection) -> list[tuple[dict, bytes]]:
    """The returns the ETL knows (facts about their layouts) and the figures of the published ones, as published:
    their source has already made them public. Unpublished returns are in the protected returns tables."""
    if not _has_returns(con):
        return []
    sources = _duck_csv(con, "SELECT source_id AS return_source, agency, agency_type, published, level, province, "
                             "district_id, period, measures, below, citation, url FROM wh.return_sources "
                             "ORDER BY source_id")
    source_fields = [
        {"name": "return_source", "type": "string", "description": "the return's source layout"},
        {"name": "agency", "type": "string", "description": "the agency whose return it is"},
        {"name": "agency_type", "type": "string", "description": catalogue.KEY_DESCRIPTIONS["agency_type"]},
        {"name": "published", "type": "boolean",
         "description": "true: published by its source, its figures in returns/published.csv as published; false: "
                        "the agency's own return, its figures only in the protected tables returns_district_year "
                        "and returns_province_year"},
        {"name": "level", "type": "string", "description": "district: figures by district; province: a province's"},
        {"name": "province", "type": "string", "description": "the province the return covers"},
        {"name": "district_id", "type": "string", "description": "the one district the return covers, if one"},
        {"name": "period", "type": "string", "description": "month: a monthly return; year: an annual one"},
        {"name": "measures", "type": "string", "description": "the measures the return gives (space-separated); "
                                                              "the protected tables hold cells for the others too, "
                                                              "which are noise around zero"},
        {"name": "below", "type": "integer", "description": "N of an unpublished return that writes small counts "
                                                            "as \"<N\" (empty: exact counts)"},
        {"name": "citation", "type": "string", "description": "where a published return was published"},
        {"name": "url", "type": "string", "description": "its address, if it has one"}]
    figures = _duck_csv(con, "SELECT source_id AS return_source, district_id, province, year, month, measure, value, "
                             "value_flag FROM wh.returns WHERE published "
                             "ORDER BY source_id, province, district_id, year, month, measure")
    figure_fields = [
        {"name": "return_source", "type": "string", "description": "the return (returns/sources.csv)"},
        {"name": "district_id", "type": "string", "description": "district id of the gazetteer; empty: a province's "
                                                                 "figure"},
        {"name": "province", "type": "string", "description": "province"},
        {"name": "year", "type": "integer", "description": "the year the figure counts"},
        {"name": "month", "type": "date", "description": "the month it counts (first day); empty: the whole year"},
        {"name": "measure", "type": "string",
         "description": "cases (reported), firs, charge_sheets, trials (concluded), convictions, victims "
                        "(identified), victims_referred: counted in the period, as the return counts them"},
        {"name": "value", "type": "integer", "description": "the figure as published; empty when only a flag was"},
        {"name": "value_flag", "type": "string", "description": "a figure published only as below N (\"<5\")"}]
    common = {"profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
              "dialect": DIALECT}
    return [
        ({"name": "return_sources", "path": "returns/sources.csv", **common,
          "title": "Aggregate returns the ETL reads: whose, where, how often, and whether published",
          "description": "Facts about the returns' layouts, not about any person: published as they are.",
          "licenses": [CC_BY], "schema": {"fields": source_fields, "primaryKey": ["return_source"]}}, sources),
        ({"name": "returns_published", "path": "returns/published.csv", **common,
          "title": "Published returns' figures, as published",
          "description": "Figures an agency has itself published (returns/sources.csv names where): copied as "
                         "published, not protected, never added to the case counts. Not the release's own counts.",
          "schema": {"fields": figure_fields}}, figures),
    ]


def _duck_csv(con: duckdb.DuckDBPyConnection, query: str) -> bytes:
    """A query's result as CSV bytes, written by DuckDB's CSV writer (into a private temporary file)."""
    with tempfile.TemporaryDirectory(prefix="tip-release-") as tmp:
        target = Path(tmp) / "out.csv"
        con.execute(f"COPY ({query}) TO '{_sql_text(str(target))}' (HEADER, DELIMITER ',')")
        return target.read_bytes()


def _table_resource(table: catalogue.Table, dom: Domain) -> dict:
    fields = []
    for key in table.keys:
        spec: dict = {"name": key, "description": catalogue.year_meaning(table) if key == "year"
                      else catalogue.KEY_DESCRIPTIONS[key]}
        if key == "year":
            spec.update(type="integer", constraints={"required": True, "minimum": dom.years[0],
                                                     "maximum": dom.years[-1]})
        elif key == "month":
            spec.update(type="date", constraints={"required": True})
        else:
            spec.update(type="string", constraints={"required": True, "enum": [str(v) for v in dom.values(key)]})
        fields.append(spec)
    for m in table.measures:
        measure = catalogue.MEASURES[m]
        fields.append({"name": m, "type": "integer", "constraints": {"required": True},
                       "description": f"{measure.description}; protected with differential privacy: a noisy "
                                      "count that can be below zero (see the package's privacy property)"})
    return {
        "name": table.name, "path": f"data/{table.name}.csv", "profile": "tabular-data-resource",
        "title": table.title,
        "description": f"{table.title}. Every combination of the keys has a row (zeros included); every count is "
                       "protected with differential privacy and carries noise (margins in the privacy property).",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "dialect": DIALECT, "licenses": [CC_BY],
        "schema": {"fields": fields, "primaryKey": list(table.keys)},
    }


def _rename_exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result != 0:
        err = ctypes.get_errno()
        if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            return False
        raise OSError(err, os.strerror(err), str(b))
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(target: Path) -> None:
    for leftover in target.parent.glob(f".{target.name}.building-*"):
        match = re.search(r"building-(\d+)", leftover.name)
        if match and not _pid_alive(int(match.group(1))):
            shutil.rmtree(leftover, ignore_errors=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write the files into a new folder beside ``target`` and swap it in atomically; world-readable."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    building = target.parent / f".{target.name}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        building.mkdir()
        os.chmod(building, 0o755)
        for relative, data in files.items():
            path = building / relative
            if not path.parent.exists():
                path.parent.mkdir(parents=True)
                os.chmod(path.parent, 0o755)
            with path.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(path, 0o644)
        _fsync_dir(building)
        if not target.exists():
            os.rename(building, target)
        elif not _rename_exchange(building, target):
            old = target.parent / f".{target.name}.building-{os.getpid()}.old"
            os.rename(target, old)  # not atomic on this system: a reader may miss the folder for a moment
            os.rename(building, target)
            building = old
        _fsync_dir(target.parent)
    finally:
        shutil.rmtree(building, ignore_errors=True)  # after an exchange this is the previous release


# -- the release --------------------------------------------------------------------------------------------------


def _quiet(_message: str, _fraction: float) -> None:
    pass


def build_release(warehouse: Path | None = None, release_dir: Path | None = None, ledger: Path | None = None, *,
                  rho: float | None = None, rho_cap: float | None = None, year_from: int | None = None,
                  rho_period: float | None = None, rho_period_cap: float | None = None,
                  progress: Progress | None = None) -> dict:
    """Build the public release from the warehouse; return a summary for the (private) build report."""
    started = time.perf_counter()
    warehouse = Path(warehouse or config.warehouse_path())
    target = Path(release_dir or config.release_dir(warehouse))
    ledger = Path(ledger or config.ledger_path(warehouse))
    caps = {"report": config.PRIVACY_RHO_CAP if rho_cap is None else rho_cap,
            "event": config.PRIVACY_RHO_PERIOD_CAP if rho_period_cap is None else rho_period_cap}
    progress = progress or _quiet
    vector_plan = plan(rho, rho_period, catalogue.return_sensitivity(_return_belows(warehouse)))
    for basis, cap in caps.items():
        cost = basis_rho(vector_plan, basis)
        if cost > cap * (1 + TOLERANCE):
            names = ("TIP_PRIVACY_RHO", "TIP_PRIVACY_RHO_CAP") if basis == "report" else \
                ("TIP_PRIVACY_RHO_PERIOD", "TIP_PRIVACY_RHO_PERIOD_CAP")
            raise ReleaseError(f"one release costs rho {cost:g} per {basis} year, more than the cap {cap:g} "
                               f"({names[1]}); lower {names[0]} or raise the cap")

    progress("Counting the release tables", 0.0)
    with _warehouse(warehouse) as con:
        dom = domain(con, year_from)
        _prepare(con, dom)
        truths: dict[str, pd.DataFrame] = {}
        outside: dict[str, int] = {}
        for name, table in catalogue.TABLES.items():
            truths[name], n = true_table(con, table)
            if n:
                outside[name] = n
        reference = _reference(con) + _agency_files(con) + _returns_files(con)
    counted = time.perf_counter()

    key = _ledger_key()
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with _lock(ledger):
        lcon = duckdb.connect(str(ledger))
        try:
            os.chmod(ledger, 0o600)
            for statement in _LEDGER_SCHEMA.split(";"):
                if statement.strip():
                    lcon.execute(statement)
            result = _noise_and_account(lcon, key, truths, dom, vector_plan, caps, reference, progress)
            partitions, release_id, created, files = result
            lcon.execute("CHECKPOINT")
        finally:
            lcon.close()
        with contextlib.suppress(FileNotFoundError):
            os.chmod(ledger.with_name(ledger.name + ".wal"), 0o600)
        progress("Writing the release", 0.9)
        _write_folder(target, files)
    seconds = round(time.perf_counter() - started, 3)
    return {
        "release_id": release_id,
        "created": created,
        "release_dir": str(target),
        "ledger": str(ledger),
        "tables": len(catalogue.TABLES),
        "reference_tables": len(reference),
        "years": f"{dom.years[0]}-{dom.years[-1]}",
        "cases_outside_years": dom.outside_years,
        "outside_domain": outside,
        "rho_per_year": basis_rho(vector_plan, "report"),
        "rho_period_per_year": basis_rho(vector_plan, "event"),
        **_partition_summary(partitions["report"], ""),
        **_partition_summary(partitions["event"], "period_"),
        "is_demo": dom.is_demo,
        "seconds": seconds,
        "seconds_counting": round(counted - started, 3),
    }


def _partition_summary(years: dict[int, YearResult], prefix: str) -> dict:
    return {f"{prefix}rho_spent": {y: r.spent for y, r in years.items() if r.spent},
            f"{prefix}cumulative_rho": {y: r.cumulative for y, r in years.items()},
            f"{prefix}years_redrawn": [y for y, r in years.items() if r.drawn],
            f"{prefix}frozen_years": [y for y, r in years.items() if r.frozen]}


# The ledger's table of cumulative loss per year of each basis.
_YEARS_TABLE = {"report": "years", "event": "event_years"}
_CAP_SETTING = {"report": "TIP_PRIVACY_RHO_CAP", "event": "TIP_PRIVACY_RHO_PERIOD_CAP"}


def _noise_and_account(lcon: duckdb.DuckDBPyConnection, key: bytes, truths: dict[str, pd.DataFrame], dom: Domain,
                       vector_plan: dict[tuple[str, str], VectorPlan], caps: dict[str, float],
                       reference: list[tuple[dict, bytes]], progress: Progress):
    """Decide per year of each basis: republish, draw fresh noise, or freeze; draw; compose the files; record in
    the ledger."""
    previous = {(r[0], r[1], int(r[2])): r for r in lcon.execute(
        "SELECT table_name, measure, year, true_hmac, released, sigma, sensitivity, release_id FROM vectors"
    ).fetchall()}
    # One year's slice of each table: its row positions and a digest of its keys (a new gazetteer is a change too).
    slices: dict[tuple[str, int], np.ndarray] = {}
    digests: dict[tuple[str, int], str] = {}
    for name, frame in truths.items():
        table = catalogue.TABLES[name]
        year_of_row = frame["_year"].to_numpy()
        for year in dom.years:
            rows = np.flatnonzero(year_of_row == year)
            slices[(name, year)] = rows
            keys = frame.iloc[rows][list(table.keys)].astype(str).to_csv(index=False)
            digests[(name, year)] = hashlib.sha256(keys.encode()).hexdigest()[:16]
    true_values = {(name, m): truths[name][m].to_numpy(dtype=np.int64) for (name, m) in vector_plan}
    out_values = {k: v.copy() for k, v in true_values.items()}

    pending: list[tuple] = []  # (table, measure, year, true_hmac, values, plan) drawn in this build
    partitions: dict[str, dict[int, YearResult]] = {}
    steps = len(catalogue.BASES) * len(dom.years)
    for b, basis in enumerate(catalogue.BASES):
        past_years = {int(r[0]): (float(r[1]), list(r[2] or [])) for r in lcon.execute(
            f"SELECT year, cumulative_rho, releases FROM {_YEARS_TABLE[basis]}").fetchall()}
        basis_plan = {k: vp for k, vp in vector_plan.items() if vp.basis == basis}
        partitions[basis] = {}
        for i, year in enumerate(dom.years):
            progress(f"Adding noise to {year}", 0.1 + 0.7 * (b * len(dom.years) + i) / steps)
            cumulative, releases = past_years.get(year, (0.0, []))
            state = YearResult(year, cumulative=cumulative, releases=list(releases))
            vectors = []
            for (name, measure), vp in basis_plan.items():
                rows = slices[(name, year)]
                truth = true_values[(name, measure)][rows].tolist()
                true_hmac = _vector_hmac(key, name, measure, year, digests[(name, year)], truth)
                vectors.append((name, measure, rows, truth, true_hmac, vp, previous.get((name, measure, year))))
            for name, measure, rows, values in _draw_year(state, vectors, caps[basis], basis, pending):
                out_values[(name, measure)][rows] = values
            partitions[basis][year] = state

    # The files (their hash names the release), then the ledger, then the swap.
    progress("Composing the data package", 0.85)
    files: dict[str, bytes] = {}
    for name, table in catalogue.TABLES.items():
        frame = truths[name][list(table.keys)].copy()
        for m in table.measures:
            frame[m] = out_values[(name, m)]
        files[f"data/{name}.csv"] = _csv_bytes(frame)
    content = hashlib.sha256()
    for path in sorted(files):
        content.update(path.encode() + b"\0" + files[path])
    content.update(json.dumps({f"{t}.{m}": [p.sigma, p.sensitivity] for (t, m), p in vector_plan.items()},
                              sort_keys=True).encode())
    release_id = content.hexdigest()[:12]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    known = lcon.execute("SELECT created FROM releases WHERE release_id = ?", [release_id]).fetchone()
    created = (known[0] if known else now).strftime("%Y-%m-%dT%H:%M:%SZ")
    every_year = [state for years in partitions.values() for state in years.values()]
    for state in every_year:
        if state.drawn and release_id not in state.releases:
            state.releases.append(release_id)

    lcon.execute("BEGIN TRANSACTION")
    try:
        draws = pd.DataFrame(
            [(name, measure, year, true_hmac, _vector_hmac(key, name, measure, year, digests[(name, year)], values),
              values, vp.sigma, vp.sensitivity, vp.spent, release_id, now)
             for name, measure, year, true_hmac, values, vp in pending],
            columns=["table_name", "measure", "year", "true_hmac", "released_hmac", "released", "sigma",
                     "sensitivity", "rho", "release_id", "drawn_at"])
        if len(draws):
            lcon.register("draws_df", draws)
            lcon.execute("INSERT OR REPLACE INTO vectors SELECT table_name, measure, year::INTEGER, true_hmac, "
                         "released_hmac, released::BIGINT[], sigma, sensitivity::INTEGER, rho, release_id, drawn_at "
                         "FROM draws_df")
            lcon.execute("INSERT INTO draws SELECT release_id, table_name, measure, year::INTEGER, rho, sigma, "
                         "true_hmac, released_hmac, drawn_at FROM draws_df")
            lcon.unregister("draws_df")
        for basis, years in partitions.items():
            for state in years.values():
                lcon.execute(f"INSERT OR REPLACE INTO {_YEARS_TABLE[basis]} VALUES (?, ?, ?, ?, ?)",
                             [state.year, state.cumulative, state.releases, state.frozen, now])
        report = partitions["report"].values()
        if not known:  # rho_spent: the loss one case can take in this release (its report year's + an event year's)
            lcon.execute("INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?)",
                         [release_id, now, dom.etl_run_id,
                          max((s.spent for s in report), default=0.0)
                          + max((s.spent for s in partitions["event"].values()), default=0.0),
                          [s.year for s in report if s.drawn], [s.year for s in report if s.frozen]])
        lcon.execute("COMMIT")
    except BaseException:
        lcon.execute("ROLLBACK")
        raise

    manifest = _manifest(dom, vector_plan, partitions, caps)
    status = {"release_id": release_id, "created": created, "data_as_of": dom.data_as_of, "is_demo": dom.is_demo,
              "etl_run_id": dom.etl_run_id}
    files.update({r["path"]: data for r, data in reference})
    descriptor = _descriptor(dom, release_id, created, manifest, status, reference)
    files["datapackage.json"] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return partitions, release_id, created, files


def _draw_year(state: YearResult, vectors: list[tuple], cap: float, basis: str, pending: list[tuple]) \
        -> Iterator[tuple[str, str, np.ndarray, list[int]]]:
    """One year of one basis: the values each vector publishes (republished, fresh, or frozen); fills ``state``."""
    year, cumulative = state.year, state.cumulative
    # A change in the year's data re-noises every vector of the year: which of them changed is not published.
    state.data_changed = any(prev is not None and prev[3] != th for *_, th, _vp, prev in vectors)
    redraw = [v for v in vectors if state.data_changed or v[6] is None
              or (v[6][5], v[6][6]) != (v[5].sigma, v[5].sensitivity)]
    need = composed_rho([v[5].spent for v in redraw])
    if redraw and cumulative + need > cap * (1 + TOLERANCE):
        missing = [f"{v[0]}.{v[1]}" for v in vectors if v[6] is None]
        if missing:
            raise ReleaseError(f"{year}: its privacy budget is spent (rho {cumulative:g} of the cap {cap:g}) "
                               f"and {', '.join(missing[:5])} were never released; raise {_CAP_SETTING[basis]} or "
                               "release fewer tables")
        state.frozen = True
        redraw = []
    drawing = {(v[0], v[1]) for v in redraw}
    for name, measure, rows, truth, true_hmac, vp, prev in vectors:
        if (name, measure) in drawing:
            meas = vp.measurement()
            if not float(meas.map(vp.sensitivity)) <= vp.rho * (1 + TOLERANCE):
                raise ReleaseError(f"{name}.{measure}: OpenDP's privacy map exceeds its rho")
            values = [int(v) for v in meas(truth)]
            pending.append((name, measure, year, true_hmac, values, vp))
            state.drawn.append((name, measure))
        else:
            values = [int(v) for v in prev[4]]
            if len(values) != len(rows):
                raise ReleaseError(f"{year}: the frozen values of {name}.{measure} do not fit the current "
                                   f"domain; raise {_CAP_SETTING[basis]} to release the year again")
        yield name, measure, rows, values
    if redraw:
        state.spent = need
        state.cumulative = composed_rho([cumulative, need]) if cumulative else need




def _years_manifest(years: dict[int, YearResult], rho: float) -> dict:
    return {str(y): {"rho": rho, "cumulative_rho": s.cumulative, "cumulative_epsilon": epsilon(s.cumulative),
                     "releases": s.releases, "frozen": s.frozen} for y, s in years.items()}


def _manifest(dom: Domain, vector_plan: dict[tuple[str, str], VectorPlan],
              partitions: dict[str, dict[int, YearResult]], caps: dict[str, float]) -> dict:
    """The privacy property of the package: what is protected, how, and what each year has spent."""
    year_rho, period_rho = basis_rho(vector_plan, "report"), basis_rho(vector_plan, "event")
    tables = {}
    for name, table in catalogue.TABLES.items():
        measures = {m: {"rho": vector_plan[(name, m)].spent, "sigma": vector_plan[(name, m)].sigma,
                        "sensitivity": vector_plan[(name, m)].sensitivity,
                        "margin95": vector_plan[(name, m)].margin95} for m in table.measures}
        tables[name] = {"share": table.share, "basis": table.basis,
                        "rho": composed_rho([vector_plan[(name, m)].spent for m in table.measures]),
                        "measures": measures}
    return {
        "unit": UNIT,
        "guarantee": "zero-concentrated differential privacy (zCDP). The cohort tables are charged to report years: "
                     "a case belongs to one report year, so the years compose in parallel. The period tables are "
                     "charged to event years: a case has at most one FIR, one charge sheet and one verdict, so it "
                     "adds at most 1 to each period measure in one event year. One case's loss is at most its "
                     "report year's cumulative rho plus the largest cumulative rho of the event years "
                     "(case_rho_per_release per release); it bounds what the whole release can reveal about "
                     "whether any one case (with all its victims) is in the data. Agencies' unpublished returns "
                     "(the returns_ tables) are charged to event years too, within their budget: a return is "
                     "assumed to count a case at most once per measure, in one area and period, and the tables' "
                     "sensitivity covers every unpublished return counting the same case and the jump of a declared "
                     "'<N'",
        "mechanism": "discrete Gaussian noise on each (table, measure, year) vector of counts, "
                     "OpenDP 0.16 (make_gaussian on integer vectors with L2 sensitivity)",
        "library": "opendp 0.16.0",
        "rho_per_year": year_rho,
        "delta": DELTA,
        "epsilon_per_year": epsilon(year_rho),
        "rho_cap_per_year": caps["report"],
        "period_rho_per_year": period_rho,
        "period_rho_cap_per_year": caps["event"],
        "case_rho_per_release": composed_rho([year_rho, period_rho]),
        "case_epsilon_per_release": epsilon(composed_rho([year_rho, period_rho])),
        "victim_clip": catalogue.VICTIM_CLIP,
        "margin": "margin95: 95% of a cell's noise lies within plus or minus this many; a sum of n cells has "
                  "sigma times the square root of n",
        "display_rule": {"show_below": config.SHOW_BELOW,
                         "text": f"released values below {config.SHOW_BELOW} are shown as 'fewer than "
                                 f"{config.SHOW_BELOW}'; the files keep the noisy value (it can be below zero)"},
        "synthetic": dom.is_demo,
        "tables": tables,
        "years": _years_manifest(partitions["report"], year_rho),
        "event_years": _years_manifest(partitions["event"], period_rho),
        "frozen_note": "a frozen year's budget cap is reached: it keeps the values released before, which do not "
                       "reflect later corrections to that year's data",
    }


def _descriptor(dom: Domain, release_id: str, created: str, manifest: dict, status: dict,
                reference: list[tuple[dict, bytes]]) -> dict:
    demo = " (SYNTHETIC DEMO DATA, not real cases)" if dom.is_demo else ""
    description = (
        "Counts of trafficking-in-persons and migrant-smuggling cases reported to Pakistani agencies, by year, "
        "month, province, district, offence and stage, protected with differential privacy: every count carries "
        "random noise (OpenDP's discrete Gaussian) so that no one can learn from it whether any one person's case "
        "is in the data, beyond the small margin stated in the privacy property. Counts can be below zero; sums of "
        "many cells are unbiased. Reference facts (the gazetteer, TIP Report figures) are published facts copied "
        "with their sources.")
    if dom.is_demo:
        description = ("SYNTHETIC DEMO DATA generated by `python -m etl demo`: these are not real cases and must "
                       "never be cited. " + description)
    sources = [{"title": "Synthetic demo agency exports (python -m etl demo)" if dom.is_demo else
                "Case records of Pakistani agencies (police, FIA, labour, social welfare, child protection, "
                "prosecution, NGOs), de-identified and protected by the ETL"}]
    sources += [s for r, _ in reference for s in r.get("sources", [])]
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": f"Pakistan TIP data: protected public release{demo}",
        "description": description,
        "version": release_id,
        "created": created,
        "licenses": [CC_BY],
        "sources": sources,
        "synthetic": dom.is_demo,
        "status": status,
        "privacy": manifest,
        "resources": [_table_resource(t, dom) for t in catalogue.TABLES.values()] + [r for r, _ in reference],
    }


# -- after a build ------------------------------------------------------------------------------------------------


def secure_private(warehouse: Path, raw: Path | None = None) -> None:
    """Folders 0700 and files 0600 for everything record-level: the private folder, the warehouse, the ledger, the
    pseudonym key, the run reports (they quote raw values) and the agency exports themselves."""
    private = config.private_dir()
    if private.is_dir():
        os.chmod(private, 0o700)
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal"), config.ledger_path(warehouse),
                 config.secrets_file()):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o600)
    for folder in (config.reports_dir(warehouse), raw):
        if folder is not None and folder.is_dir():
            os.chmod(folder, 0o700)
            for path in folder.rglob("*"):
                if not path.is_symlink():
                    os.chmod(path, 0o700 if path.is_dir() else 0o600)


def publish_after_build(warehouse: Path, raw: Path | None = None, progress: Progress | None = None) -> dict:
    """The build's last step: the release from the new warehouse, and permissions. Never raises: the warehouse is
    already in place, so a failed release is reported (the previous release stays as it was)."""
    progress = progress or _quiet
    try:
        secure_private(warehouse, raw)
        progress("Building the public release", 0.98)
        result = build_release(warehouse, progress=lambda msg, frac: progress(msg, 0.98 + 0.02 * frac))
        return {"ok": True, **result}
    except Exception as exc:  # noqa: BLE001 - reported in the summary; the previous release is untouched
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def summary_line(result: dict | None) -> str:
    """One line (plain text, no markup) for the build summary printed by `python -m etl build`."""
    if not result:
        return "Public release: not built"
    if not result.get("ok", True):
        return f"Public release not updated (the previous one stays): {result.get('error')}"
    parts = [f"{result['tables']} tables, years {result['years']}"]
    parts.append(f"rho spent on {len(result['rho_spent'])} year(s)" if result["rho_spent"]
                 else "nothing spent (same data as the last release)")
    if result["frozen_years"]:
        parts.append("FROZEN (budget spent): " + ", ".join(map(str, result["frozen_years"])))
    if result["cases_outside_years"]:
        parts.append(f"{result['cases_outside_years']:,} cases outside the years left out")
    parts.append(f"{result['seconds']:.1f} s")
    return f"Public release {result['release_id']}: {'; '.join(parts)}: {result['release_dir']}"
