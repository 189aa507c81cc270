"""Injection and access: every filter and URL parameter fuzzed with SQL-injection and path-traversal strings.

Properties checked (tests/test_queries.py and tests/test_pages.py try a few fixed strings; here they are generated):

* the SQL text the query layer sends never depends on a filter's *values*, only on which filters are set: the same
  filters holding a hostile string or a harmless one produce the same statements, so a value can only be a bound
  parameter;
* URL values are whitelisted before they reach a filter or a page choice, and every page runs without error with
  hostile values in every URL key;
* the dashboard's connection is read-only and the warehouse file is unchanged after every page has run.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
import streamlit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.apptest import open_page
from tests.reliability import record
from tipcore import catalogue
from tipdash import db, filters, queries
from tipdash.filters import Filters

REPO = Path(__file__).resolve().parent.parent
PAYLOADS = [
    "' OR 1=1 --", "'; DROP TABLE cases; --", '" OR ""="', "1) OR (1=1", "x') UNION SELECT * FROM etl_runs --",
    "'||(SELECT string_agg(case_id, ',') FROM cases)||'", "$y0", "$1", "?", "%s", "{y0}", "{{hmac:x}}",
    "../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "file:///etc/passwd", "%2e%2e%2f%2e%2e%2f",
    "COPY cases TO '/tmp/leak.csv'", "lahore'; ATTACH '/tmp/x.db' AS x; --", "\x00", "\u202egnp.exe",
    "<script>alert(1)</script>", "Punjab' OR 'a'='a", "پنجاب'; --", "A" * 5000, "1e309", "-1", "NaN",
]
hostile = st.one_of(st.sampled_from(PAYLOADS), st.text(min_size=1, max_size=40),
                    st.text(alphabet=string.punctuation + " ", min_size=1, max_size=12))
FILTER_FIELDS = ("offences", "sexes", "age_bands", "scopes", "agencies", "provinces", "districts")
URL_KEYS = ["years", "offence", "smuggling", "sex", "age", "scope", "agency", "province", "district", "level",
            "measure", "district_profile", "report_year", "slide", "area", "theme", "auto"]


@pytest.fixture
def options(warehouse):
    return queries.filter_options()


class SqlLog:
    """Every statement the query layer sends, with its parameters."""

    def __init__(self, monkeypatch):
        # Read once per release and cached: before logging, so two runs send the same statements.
        queries.tables()
        queries.gazetteer()
        self.calls: list[tuple[str, dict | list | None]] = []
        original = db.fetch_df

        def record(sql, params=None):
            self.calls.append((sql, params))
            return original(sql, params)

        monkeypatch.setattr(db, "fetch_df", record)

    def take(self) -> list[str]:
        sqls = [sql for sql, _ in self.calls]
        self.calls = []
        return sqls


def run_every_query(f: Filters) -> None:
    """Every query of the query layer that takes filters (uncached, so each one reaches SQL; the cached queries they
    call inside start empty too, so both runs send the same statements)."""
    streamlit.cache_data.clear()
    q = queries
    q.headline.uncached(f)
    q.trend.uncached(f, "year")
    q.trend.uncached(f, "month")
    q.top_districts.uncached(f)
    q.top_districts.uncached(f, 5, "victims")
    q.smuggling_cases.uncached(f)
    q.district_measures.uncached(f)
    q.area_indicators.uncached(f)
    q.offence_mix.uncached(f)
    q.victim_profile.uncached(f)
    q.funnel.uncached(f)
    q.attrition_by_area.uncached(f, "province")
    q.attrition_by_area.uncached(f, "district")
    for dimension in q.STAGE_DIMENSIONS:
        q.stages_by.uncached(f, dimension)
    q.trial_outcomes.uncached(f)
    q.verdict_time.uncached(f)
    q.scorecard_inputs.uncached(f)
    for name in catalogue.TABLES:
        q.release_table.uncached(name, f)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(hostile, min_size=1, max_size=3), fields=st.sets(st.sampled_from(FILTER_FIELDS), min_size=1),
       smuggling=st.booleans())
def test_sql_text_never_depends_on_filter_values(options, monkeypatch, values, fields, smuggling):
    log = SqlLog(monkeypatch)
    base = Filters(options.year_min, options.year_max, include_smuggling=smuggling)
    # The facts kept once per release (queries.per_release: options, status, gazetteer, years to maturity) are read by
    # whichever run first needs them, so one run may ask them and the other not. They take no filter, so they cannot
    # carry a filter's value: their statements are left out of the comparison.
    log.take()
    for fact in (queries.filter_options, queries.data_status, queries.gazetteer, queries.years_to_mature):
        fact.uncached()
    facts = set(log.take())
    evil = replace(base, **{name: tuple(values) for name in fields})
    benign = replace(base, **{name: tuple(f"benign{i}" for i in range(len(values))) for name in fields})
    run_every_query(evil)
    evil_sql = [sql for sql in log.take() if sql not in facts]
    run_every_query(benign)
    benign_sql = [sql for sql in log.take() if sql not in facts]
    differ = sum(a != b for a, b in zip(evil_sql, benign_sql, strict=False)) + abs(len(evil_sql) - len(benign_sql))
    record("injection", "hostile filter values through every query", example=True, statements=len(evil_sql),
           unbound=differ)
    assert evil_sql == benign_sql
    # A hostile value matches what any unknown value matches (nothing, or only smuggling cases when they are
    # included), and the release is still whole.
    cases = [queries.headline.uncached(g).set_index("measure").loc["cases", "value"] for g in (evil, benign)]
    assert str(cases[0]) == str(cases[1])
    assert int(db.fetch_df("SELECT count(*) AS n FROM national_year")["n"].iloc[0]) > 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(years=st.tuples(st.integers(1800, 2200), st.integers(1800, 2200)))
def test_years_are_bound_too(options, monkeypatch, years):
    log = SqlLog(monkeypatch)
    lo, hi = sorted(years)
    queries.funnel.uncached(Filters(lo, hi))
    sql = log.take()
    queries.funnel.uncached(Filters(options.year_min, options.year_max))
    assert sql == log.take()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(URL_KEYS), st.lists(hostile, min_size=1, max_size=3)))
def test_url_values_become_known_values_or_nothing(options, params):
    f = filters.from_query_params(params, options)
    assert options.year_min <= f.year_from <= f.year_to <= options.year_max
    allowed = {"offences": set(filters.text.OFFENCES), "sexes": set(filters.text.SEXES),
               "age_bands": set(filters.text.AGE_BANDS), "scopes": set(filters.text.SCOPES),
               "agencies": set(options.agencies), "provinces": set(options.provinces),
               "districts": set(options.districts)}
    for name, known in allowed.items():
        assert set(getattr(f, name)) <= known


def page_files() -> list[str]:
    return sorted(p.stem for p in (REPO / "pages").glob("*.py"))


URL_PAYLOADS = ["' OR 1=1 --", "../../etc/passwd", "$y0", "<script>alert(1)</script>", "99999999999999999999",
                "\u202e\x00", "province:Punjab' --", "district:../../etc", "-1", "1e309", "{{hmac:x}}", "%00"]


@pytest.mark.parametrize("shift", [0, 5])
def test_every_page_runs_with_hostile_values_in_every_url_key(shift, options, monkeypatch, warehouse):
    """Each page opened with a hostile value in every URL key (a different one per key, rotated between runs):
    no error, no hostile value in any SQL statement or parameter, the warehouse file unchanged."""
    log = SqlLog(monkeypatch)
    before = hashlib.sha256(Path(warehouse).read_bytes()).hexdigest()
    given = {key: URL_PAYLOADS[(i + shift) % len(URL_PAYLOADS)] for i, key in enumerate(URL_KEYS)}
    for page in page_files():
        open_page(page, given, timeout=90)
    assert log.calls, "the pages ran no query"
    record("injection", f"hostile values in {len(URL_KEYS)} URL keys on {len(page_files())} pages", statements=len(
        log.calls), unbound=sum(any(p in sql for p in set(given.values()) - {"$y0", "-1"}) for sql, _ in log.calls))
    for sql, params in log.calls:
        values = params.values() if isinstance(params, dict) else (params or [])
        for payload in set(given.values()):
            if payload not in ("$y0", "-1"):  # a real placeholder name, and text that SQL holds anyway
                assert payload not in sql, (payload, sql)
            assert not any(payload == v or (isinstance(v, list) and payload in v) for v in values), (sql, params)
    assert hashlib.sha256(Path(warehouse).read_bytes()).hexdigest() == before


@pytest.mark.parametrize("statement", [
    "CREATE TABLE x AS SELECT 1",
    "INSERT INTO national_year SELECT * FROM national_year LIMIT 1",
    "DELETE FROM national_year",
    "UPDATE national_year SET cases = 0",
    "DROP TABLE national_year",
    "ALTER TABLE national_year ADD COLUMN x INTEGER",
    "CREATE VIEW v AS SELECT 1",
])
def test_the_dashboard_connection_cannot_write(statement, warehouse):
    rows = int(db.fetch_df("SELECT count(*) AS n FROM national_year")["n"].iloc[0])
    with pytest.raises(duckdb.Error, match="(?i)read.only|cannot|not allowed"):
        db.fetch_df(statement)
    assert int(db.fetch_df("SELECT count(*) AS n FROM national_year")["n"].iloc[0]) == rows > 0


@pytest.mark.parametrize("statement", ["COPY (SELECT 1 AS x) TO '{dir}/probe.csv'",
                                       "SELECT * FROM read_csv('{readme}')",
                                       "ATTACH '{dir}/probe.duckdb' AS probe"])
def test_the_dashboard_connection_cannot_touch_other_files(statement, warehouse, tmp_path):
    """Defence in depth: no query can reach this (SQL text is fixed, values bound), and the connection could not
    read or write another file if one did."""
    sql = statement.format(dir=tmp_path, readme=REPO / "README.md")
    with pytest.raises(duckdb.Error):
        db.fetch_df(sql)
    assert not list(tmp_path.iterdir())
