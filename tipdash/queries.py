"""One function per question the dashboard asks, answered from the public release only. The only module with SQL
(with :mod:`tipdash.reference_facts`, which reads the release's published reference facts).

Rules every function follows:
* It reads the release's tables (``tipcore.catalogue``), never a record: every number is post-processing of
  values protected once by the ETL, so no combination of pages, filters or downloads reveals more.
* Each measure is answered from the coarsest released table that holds the question (a national figure from the
  national table, never a sum of 156 noisy districts). A question no table holds is not answered: its column is
  NA and the reason is kept in ``df.attrs["unanswered"]`` for the page to say.
* Every count comes with its 95% margin (``<measure>_moe``); rates and changes are computed from released values
  and shown only above a minimum base (:mod:`tipdash.privacy`).
* SQL with bound parameters only; filter values never enter the SQL text. Results are small and cached per release.

Speed (issue #11): the release is small, so a question's cost is per statement (about a millisecond each) and per
pandas step, not per row. Measures from several tables are read in one statement (:func:`released`), the rules of
:mod:`tipdash.privacy` run on float arrays, and the facts every question builds on (the gazetteer, the filter
options, the data status, the years to maturity) are kept once per release (:func:`per_release`).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from tipcore import catalogue
from tipdash import db, i18n, privacy, text
from tipdash.filters import FilterOptions, Filters
from tipdash.i18n import N_, _

F = TypeVar("F", bound=Callable)
T = TypeVar("T")
POP_PER = 100_000
MOE = privacy.MOE_SUFFIX
LEVELS = {"national": 0, "province": 1, "district": 2}
GAZETTEER = "districts"  # the release's copy of the gazetteer (reference facts, not records)
PREV = "_prev"  # suffix of the previous period's columns (released(previous=True))


def cached(fn: F) -> F:
    """Cache ``fn`` per release version, language and arguments (results are small DataFrames, some with labels
    in the language of the run that computed them)."""

    def uncached(*args, **kwargs):
        with db.one_release():
            return fn(*args, **kwargs)

    def run(version: str, language: str, *args, **kwargs):
        return uncached(*args, **kwargs)

    # A distinct name per function, so Streamlit keeps one cache per query (not one shared by all).
    run.__module__, run.__qualname__, run.__name__ = fn.__module__, fn.__qualname__, fn.__name__
    cached_run = st.cache_data(show_spinner=False, max_entries=256, ttl=6 * 3600)(run)

    def public(*args, **kwargs):
        return cached_run(db.version(), i18n.language(), *args, **kwargs)

    public.__name__, public.__qualname__, public.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    uncached.__name__, uncached.__qualname__, uncached.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    public.uncached = uncached
    return public  # type: ignore[return-value]


def per_release(fn: Callable[[], T]) -> Callable[[], T]:
    """A fact of the release (``fn``, a cached question without arguments, or the plain function computing it) for
    the questions built on it: computed once per release and kept with the release it came from, so a new release is
    never answered from an old one. Shared by every caller, who must not change it in place (Streamlit's cache would
    hand each caller a copy)."""
    slot: list[tuple[db.Release, T] | None] = [None]
    compute = getattr(fn, "uncached", fn)

    def fact() -> T:
        release = db.current()
        hit = slot[0]
        if hit is None or hit[0] is not release:
            hit = slot[0] = (release, compute())
        return hit[1]

    return fact


def _df(sql: str, params: dict | None = None) -> pd.DataFrame:
    return db.fetch_df(sql, params)


# Choosing the released table for a question ------------------------------------------------------------------

# A dimension a table can serve without holding it as a key: province through the gazetteer's district ->
# province, kind from the offence, year from the month.
VIA = {"province": "district_id", "kind": "offence", "year": "month"}


def _serves(table: catalogue.Table, dim: str) -> bool:
    return dim in table.keys or VIA.get(dim) in table.keys


def filter_dims(f: Filters) -> set[str]:
    """The release keys the filters ``f`` need a table to hold."""
    dims = {"year", "kind"}
    for dim, active in (("offence", f.offences), ("scope", f.scopes), ("agency_type", f.agencies),
                        ("sex", f.sexes), ("age_band", f.age_bands), ("province", f.provinces),
                        ("district_id", f.districts)):
        if active:
            dims.add(dim)
    return dims


class Unanswerable(LookupError):
    """No released table holds this question; the message says why in words."""


def choose_table(measure: str, dims: set[str]) -> catalogue.Table:
    """The coarsest released table with ``measure`` that holds every dimension in ``dims``."""
    table = _coarsest(measure, frozenset(dims))
    if table is None:
        raise Unanswerable(unanswerable_reason(measure, dims))
    return table


@functools.cache
def _coarsest(measure: str, dims: frozenset[str]) -> catalogue.Table | None:
    # The catalogue is fixed, so each choice is made once per process (a page asks dozens, a fifth of a
    # statement's cost each). None: no table holds it (the reason is worded in the run's language, not kept).
    fits = [t for t in catalogue.TABLES.values() if measure in t.measures and all(_serves(t, d) for d in dims)]
    # Coarsest level first; then a table holding the dimensions as keys (not through the month or the district);
    # then the fewest keys, so the fewest noisy cells are summed.
    return min(fits, key=lambda t: (LEVELS[t.level], sum(d not in t.keys and d != "kind" for d in dims),
                                   len(t.keys)), default=None)


# The keys a reason names (in text.filter_word's words); the others (year, kind) every table holds.
NAMED_DIMS = ("offence", "scope", "agency_type", "sex", "age_band", "province", "district_id", "month", "law_group",
              "verdict_months")


def unanswerable_reason(measure: str, dims: set[str]) -> str:
    asked = ", ".join(text.filter_word(d) for d in sorted(dims) if d in NAMED_DIMS) or _("these filters")
    return _("The public release holds no table of {measure} by {asked}: choose fewer filters (victim sex and age "
             "apply to victim counts only; districts are released without scope, agency or month).").format(
        measure=text.label(measure), asked=asked)


def _where(table: catalogue.Table, f: Filters, years: tuple[int, int] | None, alias: str = "t", span: str = "",
           tag: str = "") -> tuple[list[str], dict]:
    """The conditions selecting ``f`` (over ``years`` if given) in ``table``, and their parameters, each name ending
    in ``tag`` (so one statement can answer several questions); the years' are named ``y0<span><tag>`` and
    ``y1<span><tag>``, so one question can read several periods."""
    a = f"{alias}."
    y0, y1 = years or (f.year_from, f.year_to)
    year = f"{a}year" if "year" in table.keys else f"year({a}month)"
    conds = [f"{year} BETWEEN $y0{span}{tag} AND $y1{span}{tag}"]
    params: dict = {f"y0{span}{tag}": int(y0), f"y1{span}{tag}": int(y1)}
    if "offence" in table.keys:
        if f.offences:
            params["offences" + tag] = list(f.offences)
            extra = f" OR {a}offence = '{catalogue.SMUGGLING}'" if f.include_smuggling else ""
            conds.append(f"(list_contains($offences{tag}, {a}offence){extra})")
        elif not f.include_smuggling:
            conds.append(f"{a}offence <> '{catalogue.SMUGGLING}'")
    elif "kind" in table.keys and not f.include_smuggling:
        conds.append(f"{a}kind = 'trafficking'")
    for dim, values in (("scope", f.scopes), ("agency_type", f.agencies), ("sex", f.sexes),
                        ("age_band", f.age_bands), ("district_id", f.districts)):
        if values and dim in table.keys:
            params[dim + tag] = list(values)
            conds.append(f"list_contains(${dim}{tag}, {a}{dim})")
    if f.provinces and _serves(table, "province"):
        params["provinces" + tag] = list(f.provinces)
        conds.append(f"list_contains($provinces{tag}, {'g.' if 'province' not in table.keys else a}province)")
    return conds, params


def _select_dim(table: catalogue.Table, dim: str) -> str:
    if dim in table.keys:
        return f"t.{dim}"
    if dim == "province":
        return "g.province"
    if dim == "year":
        return "year(t.month)"
    if dim == "kind":
        return f"CASE WHEN t.offence = '{catalogue.SMUGGLING}' THEN 'smuggling' ELSE 'trafficking' END"
    raise KeyError(dim)


def sigma(table: str, measure: str) -> float:
    """The noise scale of one released cell of ``measure`` in ``table`` (from the release's privacy manifest)."""
    return db.current().sigmas[table][measure]


def _sums_sql(table: catalogue.Table, measures: Sequence[str], f: Filters, by: Sequence[str],
              years: tuple[int, int] | None, part: int, span: str = "", tag: str = "") -> tuple[str, dict]:
    """The statement summing ``measures`` of one released table under ``f`` grouped ``by``, with its number of
    cells as ``cells_<part><span>`` (a float: a row this table lacks, once joined to another's, is NaN); each sum is
    named ``<measure><span>``; its parameters' names end in ``tag``."""
    conds, params = _where(table, f, years, span=span, tag=tag)
    needs_gazetteer = "district_id" in table.keys and "province" not in table.keys and (
        "province" in by or f.provinces)
    source = f'"{table.name}" t' + (f" JOIN {GAZETTEER} g USING (district_id)" if needs_gazetteer else "")
    dims = [f"{_select_dim(table, d)} AS {d}" for d in by]
    sums = [f"sum(t.{m})::DOUBLE AS {m}{span}" for m in measures]
    sql = (f"SELECT {', '.join([*dims, *sums, f'count(*)::DOUBLE AS cells_{part}{span}'])} FROM {source} "
           f"WHERE {' AND '.join(conds)}" + (" GROUP BY ALL" if by else ""))
    return sql, params


def _joined(statements: list[str], by: Sequence[str]) -> str:
    """One statement for the parts of an answer read from several tables: their rows side by side, matched on
    ``by`` (every key either table holds, in order) or, with no ``by``, their one row each."""
    sql = statements[0]
    if len(statements) == 1:
        return sql
    keys = ", ".join(by)
    for i, part in enumerate(statements[1:], 1):
        sql = (f"SELECT * FROM ({sql}) AS a{i} FULL JOIN ({part}) AS b{i} USING ({keys})" if by else
               f"SELECT * FROM ({sql}) AS a{i}, ({part}) AS b{i}")
    return sql + (f" ORDER BY {keys}" if by else "")


class Shared(dict):
    """A dict for ``DataFrame.attrs`` that no one changes in place, so it is shared, not copied: pandas deep-copies
    ``attrs`` at every step and column read, which cost a page more than its statements (issue #11)."""

    def __deepcopy__(self, memo: dict) -> Shared:
        return self


@dataclass(frozen=True)
class _Reading:
    """How :func:`released` answers one question: the table of each measure (``plan``), the measures no table holds
    with the reason, the periods read (``spans``), the answer's columns (``names``) and its one statement (None when
    no table holds any of the measures)."""
    by: tuple[str, ...]
    plan: dict[str, list[str]]
    unanswered: dict[str, str]
    spans: tuple[str, ...]
    names: list[str]
    sql: str | None
    params: dict


def _reading(f: Filters, measures: Sequence[str], by: Sequence[str] = (), years: tuple[int, int] | None = None,
             previous: bool = False, tag: str = "") -> _Reading:
    dims = filter_dims(f) | set(by)
    plan: dict[str, list[str]] = {}
    unanswered: dict[str, str] = {}
    for m in measures:
        try:
            plan.setdefault(choose_table(m, dims).name, []).append(m)
        except Unanswerable as exc:
            unanswered[m] = str(exc)
    before = f.previous()
    spans = {"": years, **({PREV: (before.year_from, before.year_to)} if previous else {})}
    names = [f"{m}{span}" for span in spans for m in measures]
    sql, params = None, {}
    if plan:
        parts = [_sums_sql(catalogue.TABLES[name], ms, f, by, span_years, i, span, tag)
                 for span, span_years in spans.items() for i, (name, ms) in enumerate(plan.items())]
        sql, params = _joined([sql for sql, _ in parts], by), {k: v for _, p in parts for k, v in p.items()}
    return _Reading(tuple(by), plan, unanswered, tuple(spans), names, sql, params)


def _answer(reading: _Reading, df: pd.DataFrame | None) -> pd.DataFrame:
    """The released sums of one question, with their margins, from its rows of the statement (None: no statement)."""
    by = reading.by
    if df is None:
        out = pd.DataFrame({**{d: pd.Series(dtype="object") for d in by},
                            **{c: np.full(0 if by else 1, np.nan) for m in reading.names for c in (m, m + MOE)}})
    else:
        sigmas = db.current().sigmas
        # By position (the rows may be a slice of a statement answering several questions, where another question's
        # rows leave this one's integer keys NULL, so they arrive nullable: never NULL in its own rows).
        columns: dict[str, object] = {d: df[d].to_numpy("int64") if df[d].dtype == "Int64" else df[d].array
                                      for d in by}
        for span in reading.spans:
            for i, (name, ms) in enumerate(reading.plan.items()):
                cells = df[f"cells_{i}{span}"].to_numpy(dtype=float)
                for m in ms:
                    # An empty selection (no cell) sums to nothing.
                    columns[m + span] = np.where(cells == 0, 0.0, df[m + span].to_numpy(dtype=float))
                    columns[m + span + MOE] = privacy.margin(sigmas[name][m], cells)
        missing = np.full(len(df), np.nan)
        out = pd.DataFrame({**{d: columns[d] for d in by},
                            **{c: columns.get(c, missing) for m in reading.names for c in (m, m + MOE)}})
    out.attrs["unanswered"] = Shared(reading.unanswered)
    out.attrs["tables"] = Shared({m: name for name, ms in reading.plan.items() for m in ms})
    return out


def released(f: Filters, measures: Sequence[str], by: Sequence[str] = (),
             years: tuple[int, int] | None = None, previous: bool = False) -> pd.DataFrame:
    """Released sums of ``measures`` under ``f`` grouped ``by``, with their margins (raw values, not yet shown).

    Each measure comes from its own coarsest table; measures no table holds are NA, their reasons in
    ``attrs["unanswered"]`` and the tables used in ``attrs["tables"]``. One statement reads them all (a statement
    costs about a millisecond, whatever it reads). With ``previous``, the same statement also reads the previous
    period of equal length (:meth:`Filters.previous`), as ``<measure>_prev`` and ``<measure>_prev_moe``.
    """
    reading = _reading(f, measures, by, years, previous)
    return _answer(reading, None if reading.sql is None else _df(reading.sql, reading.params))


def released_together(questions: Sequence[tuple[Filters, Sequence[str], Sequence[str]]]) -> list[pd.DataFrame]:
    """:func:`released` for each question (filters, measures, by), all read in one statement: a view asking
    about several areas pays for one statement, not one per area. Rows come ordered by their ``by`` keys."""
    readings = [_reading(f, measures, by, tag=f"_q{i}") for i, (f, measures, by) in enumerate(questions)]
    asked = [(i, r) for i, r in enumerate(readings) if r.sql is not None]
    rows: dict[int, pd.DataFrame] = {}
    if asked:
        keys = list(dict.fromkeys(k for _, r in asked for k in r.by))
        sql = " UNION ALL BY NAME ".join(f"SELECT {i} AS question_, * FROM ({r.sql})" for i, r in asked)
        df = _df(sql + " ORDER BY " + ", ".join(["question_", *keys]),
                 {k: v for _, r in asked for k, v in r.params.items()})
        which = df["question_"].to_numpy()
        rows = {i: df[which == i] for i, _ in asked}
    return [_answer(r, rows.get(i)) for i, r in enumerate(readings)]


def shown(df: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    """The display rule over the count columns (after rates were computed from the raw released sums)."""
    return with_columns(df, {m: privacy.shown(df[m]).array for m in measures if m in df})


# Measures, rates and changes -----------------------------------------------------------------------------------

COUNTS = list(catalogue.MEASURES)
STAGE_COUNTS = ["cases", "firs", "charge_sheets", "trials", "convictions"]
RATES: dict[str, tuple[str, str]] = {  # rate -> (numerator, denominator), all in per cent
    "conviction_rate": ("convictions", "trials"),
    "fir_rate": ("firs", "cases"),
    "charge_sheet_rate": ("charge_sheets", "firs"),
    "referral_rate": ("victims_referred", "victims"),
    "period_conviction_rate": ("period_convictions", "period_trials"),
}


def add_rates(df: pd.DataFrame, suffix: str = "") -> pd.DataFrame:
    """Rates and their margins from released sums; attrition = share of cases reported not convicted.

    A rate (and its margin) is blanked where the margin is wider than ``privacy.RATE_MOE_MAX``: a base of 20 can
    still carry a margin of hundreds of points when it is a sum of many noisy cells (a region's small open cohort),
    and "100% ± 425 pp" printed on a tile reads as a finding.
    """
    new: dict[str, object] = {}
    for rate, (num, den) in RATES.items():
        n, d = f"{num}{suffix}", f"{den}{suffix}"
        if n not in df or d not in df:
            continue
        nums, dens = privacy.floats(df[n]), privacy.floats(df[d])
        values = privacy.rates(nums, dens)
        margins = privacy.rate_margins(nums, dens, privacy.floats(df[n + MOE]), privacy.floats(df[d + MOE]))
        wide = margins > privacy.RATE_MOE_MAX
        values[wide] = margins[wide] = np.nan
        new[f"{rate}{suffix}"] = privacy.nullable(values)
        new[f"{rate}{suffix}{MOE}"] = privacy.nullable(margins)
    if f"convictions{suffix}" in df and f"cases{suffix}" in df:
        convicted = privacy.rates(privacy.floats(df[f"convictions{suffix}"]), privacy.floats(df[f"cases{suffix}"]))
        new[f"attrition{suffix}"] = privacy.nullable(np.round(100 - convicted, 1))
    return with_columns(df, new)


def with_columns(df: pd.DataFrame, new: dict[str, object]) -> pd.DataFrame:
    """A copy of ``df`` with the columns ``new`` (replacing its own of the same name, in place; the others after
    them), built in one step: pandas costs far more per column set one by one. ``attrs`` are kept."""
    if any(c in df.columns for c in new):
        out = pd.DataFrame({**{c: new[c] if c in new else df[c] for c in df.columns}, **new}, index=df.index)
    else:  # only new columns: joined block by block, without reading every column (a quarter of the cost)
        out = pd.concat([df, pd.DataFrame(new, index=df.index)], axis=1)
    out.attrs = copy.deepcopy(df.attrs)
    return out


def change_percent(current: pd.Series, previous: pd.Series) -> pd.Series:
    """Change in per cent of the previous released value; NA when the previous is below the minimum base."""
    return privacy.applied(_changes, current, previous)


def _changes(current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    prev = np.where(previous >= privacy.RATE_MIN_BASE, previous, np.nan)
    return np.round((current - prev) / prev * 100, 1)


CHANGE_MIN_BASE = 50  # a district's change in cases needs this many cases in the earlier period


def change_margin(current: pd.Series, previous: pd.Series, current_moe: pd.Series, previous_moe: pd.Series) \
        -> pd.Series:
    """95% margin of :func:`change_percent` in points, by the delta method: 100 (m_c² + (c/p)² m_p²)^½ / p."""
    return privacy.applied(_change_margins, current, previous, current_moe, previous_moe)


def _change_margins(current: np.ndarray, previous: np.ndarray, current_moe: np.ndarray,
                    previous_moe: np.ndarray) -> np.ndarray:
    prev = np.where(previous >= privacy.RATE_MIN_BASE, previous, np.nan)
    return np.round(100 * (current_moe**2 + (current / prev) ** 2 * previous_moe**2) ** 0.5 / prev, 1)


def _year_starts(years: pd.Series) -> pd.Series:
    """1 January of each year, as dates (a chart's time axis): years since 1970 as numpy dates, not text parsed."""
    starts = (years.to_numpy(dtype="int64") - 1970).astype("datetime64[Y]").astype("datetime64[us]")
    return pd.Series(starts, index=years.index, name=years.name)


def per_100k(counts: pd.Series, population: pd.Series, years: int | np.ndarray,
             floor: float = privacy.SHOW_BELOW) -> pd.Series:
    """Yearly rate per 100,000 people; NA where the population is unknown (AJK, GB) or the count is below
    ``floor`` (a margin is converted with floor 0)."""
    return privacy.applied(_per_100k, counts, population, years=years, floor=floor)


def _per_100k(counts: np.ndarray, population: np.ndarray, years: int | np.ndarray, floor: float) -> np.ndarray:
    pop = population * years
    return np.round(np.where(counts >= floor, counts, np.nan) / np.where(pop > 0, pop, np.nan) * POP_PER, 1)


# Release facts ------------------------------------------------------------------------------------------------


@cached
def tables() -> frozenset[str]:
    return db.current().tables


def _release_options() -> FilterOptions:
    years = _df("SELECT min(year) AS lo, max(year) AS hi FROM national_year")
    lo, hi = int(years["lo"].iloc[0]), int(years["hi"].iloc[0])
    last = _status()["last_month"]
    complete_to = hi if last is None or last.month == 12 or hi == lo else hi - 1
    span = min(3, max(1, (complete_to - lo + 1) // 2))
    g = _gazetteer()
    ids, names, provinces_of = g["district_id"].tolist(), g["name"].tolist(), g["province"].tolist()
    known = set(provinces_of)
    return FilterOptions(
        year_min=lo, year_max=hi, default_years=(complete_to - span + 1, complete_to),
        agencies=catalogue.AGENCY_TYPES, provinces=tuple(p for p in catalogue_provinces() if p in known),
        districts={d: (n, p) for p, n, d in sorted(zip(provinces_of, names, ids, strict=True))},  # by province, name
    )


_options = per_release(_release_options)


@cached
def filter_options() -> FilterOptions:
    """The years, provinces, districts and agencies the sidebar offers: the release's, worked out once per release
    (every page asks for them, whatever the filters)."""
    return _options()


def catalogue_provinces() -> list[str]:
    return _df("SELECT DISTINCT province FROM province_year WHERE province <> $none ORDER BY province",
               {"none": catalogue.NO_PROVINCE})["province"].tolist()


@cached
def data_status() -> dict:
    """The release's public metadata: demo flag, last month of data, release id and date, privacy budget."""
    pkg = db.package()
    status = pkg.get("status", {})
    last = status.get("data_as_of")
    return {
        "is_demo": bool(status.get("is_demo", pkg.get("privacy", {}).get("synthetic", False))),
        "last_month": None if not last else pd.Timestamp(last),
        "run_id": status.get("etl_run_id"),
        "release_id": status.get("release_id", pkg.get("version")),
        "finished_at": status.get("created", pkg.get("created")),
        "rho": pkg.get("privacy", {}).get("rho_per_year"),
        "rho_period": pkg.get("privacy", {}).get("period_rho_per_year"),
        "rho_case": pkg.get("privacy", {}).get("case_rho_per_release"),
        "epsilon": pkg.get("privacy", {}).get("case_epsilon_per_release"),
        "delta": pkg.get("privacy", {}).get("delta"),
    }


_status = per_release(data_status)


@cached
def release_catalogue() -> pd.DataFrame:
    """Every table of the release with its title, keys, measures, rows and per-cell margin (the Explore page)."""
    rows = []
    for res in db.package().get("resources", []):
        spec = catalogue.TABLES.get(res["name"])
        if spec is None:
            continue
        margins = {m: privacy.margin(sigma(spec.name, m), 1) for m in spec.measures}
        rows.append({"table": spec.name, "title": spec.title, "level": spec.level, "keys": ", ".join(spec.keys),
                     "measures": ", ".join(spec.measures),
                     "margin": "; ".join(f"{m} ± {v:,.0f}" for m, v in margins.items()),
                     "file": res["path"]})
    return pd.DataFrame(rows)


@cached
def budget_by_year() -> pd.DataFrame:
    """Privacy loss spent per year over all releases (the ledger, as the manifest publishes it): by report year
    (the cohort tables) and by event year (the period tables)."""
    privacy_info = db.package().get("privacy", {})
    rows = [{"tables": label, "year": int(y), **{k: v for k, v in info.items() if not isinstance(v, (list, dict))}}
            for key, label in (("years", N_("cases reported in the year")), ("event_years", N_("events in the year")))
            for y, info in privacy_info.get(key, {}).items()]
    return pd.DataFrame(rows).sort_values(["tables", "year"]).reset_index(drop=True) if rows else pd.DataFrame()


@cached
def release_table(name: str, f: Filters) -> pd.DataFrame:
    """One released table as published, restricted to the filters it holds, with each cell's 95% margin."""
    spec = catalogue.TABLES[name]
    conds, params = _where(spec, f, None)
    needs_gazetteer = "district_id" in spec.keys and bool(f.provinces)
    source = f'"{name}" t' + (f" JOIN {GAZETTEER} g USING (district_id)" if needs_gazetteer else "")
    keys = ", ".join(f"t.{k}" for k in spec.keys)
    df = _df(f"SELECT t.* FROM {source} WHERE {' AND '.join(conds)} ORDER BY {keys}", params)
    for m in spec.measures:
        df.insert(df.columns.get_loc(m) + 1, m + MOE, round(privacy.margin(sigma(name, m), 1), 1))
    return df


# Overview -----------------------------------------------------------------------------------------------------

HEADLINE = ["cases", "victims", "firs", "charge_sheets", "convictions"]


# Where the period tables hold a question, the headline counts steps in the year they happened (the period view):
# comparing cohorts that are still in court would read unfinished trials as failures (issue #12).
PERIOD_OF = {"firs": "period_firs", "charge_sheets": "period_charge_sheets", "trials": "period_trials",
             "convictions": "period_convictions", "conviction_rate": "period_conviction_rate"}
COURT_MEASURES = {"convictions", "conviction_rate"}  # cohort measures that wait for verdicts


@cached
def headline(f: Filters) -> pd.DataFrame:
    """Headline measures for the period and the previous period of equal length, with the change.

    Counts change in per cent and the conviction rate in percentage points. Without the period view (a district or
    offence filter), conviction measures of cohorts still in court are not compared (``note``).
    """
    period = period_answerable(f)
    key_of = PERIOD_OF if period else {}
    keys = [key_of.get(k, k) for k in HEADLINE + ["trials"]]
    current = add_rates(add_rates(released(f, keys, previous=True)), suffix=PREV)
    # The previous period ends earlier, so it is complete whenever this one is.
    open_cohorts = not period and not cohort_complete(f.year_to)
    # The counts' rules on one array each (a pandas step per measure costs more than the statement).
    counts = [key_of.get(k, k) for k in HEADLINE]
    now = current[counts].iloc[0].to_numpy(dtype=float)
    before = current[[k + PREV for k in counts]].iloc[0].to_numpy(dtype=float)
    changes = _changes(now, before)
    now_shown, before_shown = privacy.shown(pd.Series(now)).array, privacy.shown(pd.Series(before)).array
    rate = key_of.get("conviction_rate", "conviction_rate")
    rate_now, rate_before = current[rate].iloc[0], current[rate + PREV].iloc[0]
    rate_change = pd.NA if rate_now is pd.NA or rate_before is pd.NA else np.round(rate_now - rate_before, 1)
    out = []
    for base in HEADLINE + ["conviction_rate"]:
        key = key_of.get(base, base)
        is_rate = key == rate
        i = None if is_rate else counts.index(key)
        change = rate_change if is_rate else pd.NA if np.isnan(changes[i]) else changes[i]
        note = text.STILL_IN_COURT if open_cohorts and base in COURT_MEASURES else ""
        out.append({"measure": key, "base": base, "label": text.title(key),
                    "value": rate_now if is_rate else now_shown[i], "moe": current[key + MOE].iloc[0],
                    "previous": rate_before if is_rate else before_shown[i],
                    "change": pd.NA if note else change, "change_unit": "pp" if is_rate else "percent",
                    "note": note})
    df = pd.DataFrame(out)
    df.attrs["unanswered"] = current.attrs["unanswered"]
    df.attrs["view"] = "period" if period else "cohort"
    return df


@cached
def trend(f: Filters, grain: str = "year", measures: tuple[str, ...] = ("cases", "firs", "charge_sheets",
                                                                        "convictions")) -> pd.DataFrame:
    """Released counts per year or month of report (every period in the range, zeros included)."""
    if grain not in ("year", "month"):
        raise ValueError(grain)
    measures = tuple(m for m in measures if m in catalogue.MEASURES)
    df = released(f, measures, by=(grain,))
    period = _year_starts(df["year"]) if grain == "year" else pd.to_datetime(df["month"])
    out = pd.DataFrame({"period": period, **{c: df[c] for c in df.columns if c != grain}})
    out.attrs = df.attrs
    return shown(out.sort_values("period"), measures).reset_index(drop=True)


@cached
def top_districts(f: Filters, n: int = 10, measure: str = "cases") -> pd.DataFrame:
    """The ``n`` districts with the most released cases or victims, with their margins."""
    if measure not in ("cases", "victims"):
        raise ValueError(measure)
    df = _with_names(released(f, [measure], by=("district_id",)))
    df = df.sort_values([measure, "name"], ascending=[False, True]).head(n)
    return shown(df, [measure]).reset_index(drop=True)


def _with_names(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each district's gazetteer row beside it (a left join on ``district_id``, as a lookup)."""
    names = _gazetteer_by_id().reindex(df["district_id"])
    return with_columns(df, {c: names[c].array for c in names.columns})


@cached
def gazetteer() -> pd.DataFrame:
    return _df(f"SELECT district_id, name, province, lat, lon, population_2023 AS population FROM {GAZETTEER}")


_gazetteer = per_release(gazetteer)
_gazetteer_by_id = per_release(lambda: _gazetteer().set_index("district_id"))


@cached
def smuggling_cases(f: Filters) -> object:
    """Released count of smuggling-of-migrants cases under the other filters (shown apart, never mixed in)."""
    df = released(replace(f, offences=(), include_smuggling=True), ["cases"], by=("kind",))
    smuggling = privacy.shown(df.loc[df["kind"] == "smuggling", "cases"])
    return smuggling.iloc[0] if len(smuggling) else None  # None: the release holds no table for these filters


# Districts: map measures, profile, comparison ------------------------------------------------------------------


def _in_area(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    keep = pd.Series(True, index=df.index)
    if f.provinces:
        keep &= df["province"].isin(f.provinces)
    if f.districts:
        keep &= df["district_id"].isin(f.districts)
    return df[keep]


@cached
def district_measures(f: Filters) -> pd.DataFrame:
    """Every district in the selected area with released cases and victims, per-100,000 rates and change."""
    sums = released(f, ["cases", "victims"], by=("district_id",), previous=True)
    df = _in_area(_gazetteer().merge(sums.drop(columns=["victims" + PREV, "victims" + PREV + MOE]),
                                     on="district_id", how="left"), f)
    # Districts are ranked by change: a change needs CHANGE_MIN_BASE cases before (25 cases rising to 62 is +150%
    # and leads a ranking on noise), and carries its margin so ranks are given only where margins separate them.
    enough = pd.to_numeric(df["cases" + PREV], errors="coerce") >= CHANGE_MIN_BASE
    df["change"] = change_percent(df["cases"], df["cases" + PREV]).where(enough)
    df["change" + MOE] = change_margin(df["cases"], df["cases" + PREV], df["cases" + MOE],
                                       df["cases" + PREV + MOE]).where(df["change"].notna())
    df = shown(df, ["cases", "victims"])
    df["cases_per_100k"] = per_100k(df["cases"], df["population"], f.years)
    df["cases_per_100k" + MOE] = per_100k(df["cases" + MOE].where(df["cases"].notna()), df["population"], f.years,
                                          floor=0)
    df["victims_per_100k"] = per_100k(df["victims"], df["population"], f.years)
    return df.drop(columns=["cases" + PREV, "cases" + PREV + MOE]).sort_values(["province", "name"]) \
        .reset_index(drop=True)


def rank_bounds(values: pd.Series, margins: pd.Series) -> pd.DataFrame:
    """The best and worst rank each value could hold given the 95% margins (best: one more than the values surely
    above it; worst: how many values could be at least as large); NA for missing values."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    m = pd.to_numeric(margins, errors="coerce").astype(float).fillna(0.0)
    known = v.notna()
    lower, upper = (v - m)[known].to_numpy(), (v + m)[known].to_numpy()
    out = pd.DataFrame({"best": pd.NA, "worst": pd.NA}, index=values.index, dtype="Int64")
    out.loc[known, "best"] = 1 + (lower[None, :] > upper[:, None]).sum(axis=1)
    out.loc[known, "worst"] = (upper[None, :] >= lower[:, None]).sum(axis=1)
    return out


def rank_labels(values: pd.Series, margins: pd.Series) -> pd.Series:
    """The ranks the noise allows: "1" when the 95% intervals separate a value from every other, else the range of
    ranks it could hold, "2–7". Missing values get no rank."""
    bounds = rank_bounds(values, margins)
    return pd.Series(["" if pd.isna(b) else str(b) if b == w else f"{b}–{w}"
                      for b, w in zip(bounds["best"], bounds["worst"], strict=True)], index=values.index, dtype=object)


INDICATOR_COUNTS = ["cases", "victims", "firs", "charge_sheets", "trials", "convictions", "victims_referred"]


@cached
def area_indicators(f: Filters, label: str = "") -> pd.DataFrame:
    """One row for the area ``f`` selects: released counts, rates, median months to verdict, rate per 100,000."""
    return area_comparison.uncached(((f, label),))


@cached
def area_comparison(areas: tuple[tuple[Filters, str], ...]) -> pd.DataFrame:
    """:func:`area_indicators` for each (filters, label) of ``areas``, one row each, all read in one statement."""
    answers = released_together([q for f, _ in areas
                                 for q in ((f, INDICATOR_COUNTS, ()), (f, ["trials"], ("verdict_months",)))])
    df = add_rates(pd.concat(answers[0::2], ignore_index=True))
    unanswered = Shared({k: v for a in answers[0::2] for k, v in a.attrs["unanswered"].items()})
    df["months_to_verdict"] = np.array([_grouped_median(bins) for bins in answers[1::2]], dtype=float)
    df["population"] = [_population(f) for f, _ in areas]
    df = shown(df, INDICATOR_COUNTS)
    df["cases_per_100k"] = per_100k(df["cases"], df["population"], np.array([f.years for f, _ in areas]))
    df.insert(0, "area", [label or f.describe() for f, label in areas])
    df.attrs = {"unanswered": unanswered}
    return df


def _population(f: Filters) -> float | None:
    """2023 census population of the area: None when any part of it has no census figure (AJK, GB)."""
    population, province_of = _district_populations()
    ids = [d for d in (f.districts or population) if d in population and (
        not f.provinces or province_of[d] in f.provinces)]
    pop = np.array([population[d] for d in ids], dtype=float)
    if f.districts or f.provinces:
        return float(pop.sum()) if len(pop) and not np.isnan(pop).any() else None
    # Pakistan: the census covers the four provinces and Islamabad; the rate is labelled accordingly.
    return float(np.nansum(pop))


def _release_district_populations() -> tuple[dict[str, float], dict[str, str]]:
    """Each district's census population (NaN: none) and province, looked up per area without a pandas step."""
    g = _gazetteer()
    pop = pd.to_numeric(g["population"], errors="coerce").to_numpy(dtype=float)
    return dict(zip(g["district_id"], pop, strict=True)), dict(zip(g["district_id"], g["province"], strict=True))


_district_populations = per_release(_release_district_populations)


def district_comparison(f: Filters, district_id: str, options: FilterOptions) -> pd.DataFrame:
    """The district, its province and Pakistan side by side (one cached query, one statement)."""
    name, province = options.districts.get(district_id, (district_id, ""))
    areas = ((f.for_district(district_id), name), *(((f.for_province(province), province),) if province else ()),
             (f.for_pakistan(), "Pakistan"))
    return area_comparison(areas)


def rates_by_area(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison turned for a grouped chart: one row per rate, one column per area."""
    rates = [r for r in RATES if r in comparison]  # the period view's rate is not released per district
    long = comparison.melt(id_vars="area", value_vars=rates, var_name="rate", value_name="value")
    wide = long.pivot(index="rate", columns="area", values="value").reindex(rates).reset_index()
    wide["rate"] = wide["rate"].map(text.short)
    return wide[["rate", *comparison["area"]]]


@cached
def offence_mix(f: Filters) -> pd.DataFrame:
    df = released(replace(f, include_smuggling=f.include_smuggling), ["cases"], by=("offence",))
    df = shown(df, ["cases"])
    df["label"] = df["offence"].map(text.offence)
    return df.sort_values("cases", ascending=False, na_position="last").reset_index(drop=True)


@cached
def victim_profile(f: Filters) -> pd.DataFrame:
    """Victims by sex and age band, from the released victims tables."""
    df = shown(released(f, ["victims"], by=("sex", "age_band")), ["victims"])
    df["age_band"] = df["age_band"].replace({"not_recorded": text.NOT_RECORDED})
    order = {b: i for i, b in enumerate([*text.AGE_BANDS, text.NOT_RECORDED])}
    df["sex_label"] = df["sex"].map(lambda s: text.SEXES.get(s, s))
    return df.sort_values(["age_band", "sex"], key=lambda s: s.map(order) if s.name == "age_band" else s) \
        .reset_index(drop=True)


# Conviction gap -----------------------------------------------------------------------------------------------


@cached
def funnel(f: Filters) -> pd.DataFrame:
    """Reported -> FIR -> charge sheet -> trial concluded -> convicted: released count and share kept and lost."""
    row = released(f, STAGE_COUNTS)
    # The rules on the stages' array (one pandas step per share costs more than the statement).
    raw = row[STAGE_COUNTS].iloc[0].to_numpy(dtype=float)
    kept = privacy.rates(raw, np.concatenate([[np.nan], raw[:-1]]))
    df = pd.DataFrame({"stage": STAGE_COUNTS, "label": [text.title(k) for k in STAGE_COUNTS],
                       "value": privacy.shown(pd.Series(raw)).array,
                       "moe": row[[k + MOE for k in STAGE_COUNTS]].iloc[0].to_numpy(dtype=float),
                       "share_of_previous": privacy.nullable(kept),
                       "share_lost": privacy.nullable(np.round(100 - kept, 1)),
                       "share_of_reported": privacy.nullable(privacy.rates(raw, np.full(len(raw), raw[0])))})
    df.attrs["unanswered"] = row.attrs["unanswered"]
    return df


# The two views of time (issue #12) -----------------------------------------------------------------------------

PERIOD_STAGES = list(catalogue.PERIOD)
# A cohort (the cases reported in a year) is complete enough to read its convictions once most of the verdicts it
# will get have come: when it is older than the time within which MATURE_SHARE of concluded trials reached their
# verdict (the release's time-to-verdict table). A share of cases stays in court for a decade or more, so the share
# still in court is shown beside each cohort, but cannot itself say when a cohort is done.
MATURE_SHARE = 0.8


def period_answerable(f: Filters) -> bool:
    """Whether the period tables (national and provincial, no breakdown by offence or district) hold ``f``."""
    return all(answerable(f, m).ok for m in PERIOD_STAGES)


@cached
def period_by_year(f: Filters) -> pd.DataFrame:
    """FIRs, charge sheets, concluded trials and convictions by the year they happened, with the conviction rate of
    the year (convictions ÷ trials concluded in the year) and margins."""
    df = add_rates(released(f, PERIOD_STAGES, by=("year",)))
    df["period"] = _year_starts(df["year"])
    return shown(df.sort_values("year"), PERIOD_STAGES).reset_index(drop=True)


@cached
def period_totals(f: Filters) -> pd.Series:
    """The period measures summed over ``f``'s years (one row), with the conviction rate and margins."""
    return shown(add_rates(released(f, PERIOD_STAGES)), PERIOD_STAGES).iloc[0]


@cached
def period_by_province(f: Filters) -> pd.DataFrame:
    df = add_rates(released(f, PERIOD_STAGES, by=("province",)))
    df = df[df["province"] != catalogue.NO_PROVINCE] if not f.provinces else df[df["province"].isin(f.provinces)]
    return shown(df, PERIOD_STAGES).sort_values(["period_conviction_rate", "province"], ascending=[False, True],
                                                 na_position="last").reset_index(drop=True)


def in_court(charge_sheets: pd.Series, trials: pd.Series, cs_moe: pd.Series, trials_moe: pd.Series) \
        -> tuple[pd.Series, pd.Series]:
    """Share (%) of charge-sheeted cases with no verdict yet, and its 95% margin; NA below the minimum base.

    Unlike a rate, a small numerator is shown: "fewer than 10 still in court" is what makes a cohort complete."""
    cs = privacy.numbers(charge_sheets)
    tr = privacy.numbers(trials)
    base = cs.where(cs >= privacy.RATE_MIN_BASE)
    share = ((cs - tr).clip(lower=0) / base * 100).clip(0, 100).round(1)
    waiting_moe = (pd.to_numeric(cs_moe, errors="coerce") ** 2 + pd.to_numeric(trials_moe, errors="coerce") ** 2) \
        ** 0.5
    moe = privacy.rate_margin(cs - tr, cs, waiting_moe, cs_moe)
    return share, moe


@cached
def years_to_mature() -> int:
    """Whole years within which MATURE_SHARE of concluded trials (all of Pakistan, every year released) reached their
    verdict, counted from the bins' upper ends (the open last bin taken to end at 60 months)."""
    o = _options()
    bins = verdict_time(Filters(o.year_min, o.year_max))
    counts = pd.to_numeric(bins["trials_raw"], errors="coerce").astype(float).clip(lower=0).fillna(0)
    ends = bins["verdict_months"].map({code: hi for code, _lo, hi, _label in VERDICT_BINS})
    if counts.sum() <= 0:
        return int(np.ceil(VERDICT_BINS[-1][2] / 12))
    reached = (counts.cumsum() / counts.sum()) >= MATURE_SHARE
    return int(np.ceil(ends[reached].iloc[0] / 12))


_years_to_mature = per_release(years_to_mature)


def is_complete(report_year: pd.Series) -> pd.Series:
    """Whether each cohort is old enough for most of its verdicts to have come (see MATURE_SHARE)."""
    last = _options().year_max
    return (pd.to_numeric(report_year, errors="coerce") + _years_to_mature() <= last).fillna(False).astype(bool)


def cohort_complete(report_year: int) -> bool:
    """:func:`is_complete` for one report year."""
    return report_year + _years_to_mature() <= _options().year_max


@cached
def cohort_progress(f: Filters) -> pd.DataFrame:
    """Per report year: what became of the cases reported, how many are still in court, and whether the cohort is
    complete enough to read its conviction rate (convictions ÷ concluded trials, with margin)."""
    counts = ["cases", "charge_sheets", "trials", "convictions"]
    df = add_rates(released(f, counts, by=("year",)))
    df["share_in_court"], df["share_in_court_moe"] = in_court(df["charge_sheets"], df["trials"],
                                                              df["charge_sheets_moe"], df["trials_moe"])
    df["complete"] = is_complete(df["year"])
    df["period"] = _year_starts(df["year"])
    return shown(df.sort_values("year"), counts).reset_index(drop=True)


@cached
def selection_in_court(f: Filters) -> dict:
    """The share still in court of all the cases reported in ``f``'s years, and whether the selection is complete."""
    row = released(f, ["charge_sheets", "trials"])
    share, moe = in_court(row["charge_sheets"], row["trials"], row["charge_sheets_moe"], row["trials_moe"])
    return {"share": share.iloc[0], "moe": moe.iloc[0], "complete": cohort_complete(f.year_to)}


@cached
def complete_years(f: Filters) -> tuple[int, int] | None:
    """The latest complete cohorts, as many years as ``f``'s period (fewer if the data do not reach back so far)."""
    o = _options()
    last = min(f.year_to, o.year_max - _years_to_mature())
    if last < o.year_min:
        return None
    return max(o.year_min, last - (f.year_to - f.year_from)), last


AREA_LEVELS = {"province": "province", "district": "district_id"}


@cached
def attrition_by_area(f: Filters, level: str = "province") -> pd.DataFrame:
    """Stage counts, conviction rate and attrition per province or district."""
    col = AREA_LEVELS[level]
    df = add_rates(released(f, STAGE_COUNTS, by=(col,)))
    if level == "district":
        df = _in_area(_gazetteer().merge(df, on="district_id", how="left"), f)
    else:
        df = df[df["province"] != catalogue.NO_PROVINCE] if not f.provinces else df
        if f.provinces:
            df = df[df["province"].isin(f.provinces)]
    df = shown(df, STAGE_COUNTS)
    name = "name" if level == "district" else "province"  # ties (rates not available) by name, the same every time
    return df.sort_values(["conviction_rate", name], ascending=[False, True], na_position="last") \
        .reset_index(drop=True)


STAGE_DIMENSIONS = {"offence": "offence", "law_group": "law_group", "scope": "scope", "agency_type": "agency_type"}


@cached
def stages_by(f: Filters, dimension: str) -> pd.DataFrame:
    """Stage counts, conviction rate and attrition by offence, law used, scope or type of agency."""
    dim = STAGE_DIMENSIONS[dimension]
    df = add_rates(released(f, STAGE_COUNTS, by=(dim,)))
    df = shown(df, STAGE_COUNTS)
    labels = {"offence": text.offence, "law_group": lambda v: text.LAW_GROUPS.get(v, v),
              "scope": lambda v: text.SCOPES.get(v, v), "agency_type": lambda v: text.AGENCY_TYPES.get(v, v)}
    df["label"] = df[dim].map(labels[dimension])
    return df.sort_values("cases", ascending=False, na_position="last").reset_index(drop=True)


@cached
def trial_outcomes(f: Filters) -> pd.DataFrame:
    keys = ["convictions", "acquittals", "compromises", "trials"]
    row = released(f, keys)
    raw = pd.Series([row[k].iloc[0] for k in keys[:3]], dtype="Float64")
    df = pd.DataFrame({
        "outcome": ["convicted", "acquitted", "compromise"],
        "label": [text.OUTCOMES[o] for o in ("convicted", "acquitted", "compromise")],
        "value": privacy.shown(raw),
        "moe": [row[k + MOE].iloc[0] for k in keys[:3]],
    })
    df["share"] = privacy.rate(raw, pd.Series([row["trials"].iloc[0]] * 3, dtype="Float64"))
    return df


# Whole months from FIR to verdict: the release's bins, with the bounds used to interpolate a grouped median
# (the open last bin is taken to end at 60 months).
VERDICT_BINS = [("0-5", 0, 6, "under 6 months"), ("6-11", 6, 12, "6–11 months"), ("12-23", 12, 24, "1–2 years"),
                ("24-35", 24, 36, "2–3 years"), ("36+", 36, 60, "3 years or more")]


@cached
def verdict_time(f: Filters) -> pd.DataFrame:
    """Concluded trials by months from FIR to verdict, in the release's bins."""
    df = released(f, ["trials"], by=("verdict_months",))
    order = {code: i for i, (code, *_rest) in enumerate(VERDICT_BINS)}
    undated = privacy.shown(df.loc[~df["verdict_months"].isin(order), "trials"]).sum(min_count=1)
    df = df[df["verdict_months"].isin(order)].copy()
    df.attrs["undated"] = undated  # concluded trials without an FIR or verdict date: in no bin
    df["bin"] = df["verdict_months"].map(order)
    df["label"] = df["verdict_months"].map({code: label for code, _lo, _hi, label in VERDICT_BINS})
    df = df.sort_values("bin").reset_index(drop=True)
    df["trials_raw"] = df["trials"]
    return shown(df, ["trials"])


@cached
def median_months_to_verdict(f: Filters) -> float | None:
    """Grouped median of months from FIR to verdict, interpolated within the released bins.

    None when the released trials with a known time number fewer than the minimum base for a rate.
    """
    # The raw released bins only: the labels and display rule of `verdict_time` cost more than the statement.
    return _grouped_median(released(f, ["trials"], by=("verdict_months",)))


def _grouped_median(bins: pd.DataFrame) -> float | None:
    """:func:`median_months_to_verdict` from the released trials by ``verdict_months``."""
    by_bin = dict(zip(bins["verdict_months"], bins["trials"].to_numpy(dtype=float), strict=True))
    counts = np.array([by_bin.get(code, np.nan) for code, *_rest in VERDICT_BINS])
    if np.isnan(counts).all():
        return None
    counts = np.clip(counts, 0, None)
    total = counts.sum()
    if total < privacy.RATE_MIN_BASE:
        return None
    cumulative = 0.0
    for (_code, lo, hi, _label), n in zip(VERDICT_BINS, counts, strict=True):
        if cumulative + n >= total / 2 and n > 0:
            return round(lo + (total / 2 - cumulative) / n * (hi - lo), 1)
        cumulative += n
    return None


# District scorecard ---------------------------------------------------------------------------------------------

SCORE_INDICATORS = {  # indicator -> higher is better?
    "conviction_rate": True,
    "fir_rate": True,
    "referral_rate": True,
    "charge_sheet_rate": True,
    "months_to_verdict": False,
}
MONTHS_SCALE = 60  # 0 months scores 100; 60 months or more scores 0
MIN_CASES = 50  # fewer cases reported: "insufficient data"
MIN_INDICATORS = 3
BANDS = [(60, "Band 1"), (45, "Band 2"), (30, "Band 2 watch list"), (0, "Band 3")]
INSUFFICIENT = "Insufficient data"
# A band is given only where the score's 95% margin stays inside it; otherwise the district is in this group and
# its table row says which bands the margin spans (issue #12: no label the noise decides).
UNSEPARATED = "Band unclear (within margin)"
BAND_ORDER = [name for _, name in BANDS] + [UNSEPARATED, INSUFFICIENT]


@cached
def scorecard_inputs(f: Filters) -> pd.DataFrame:
    """Per district: released counts and the indicators the scorecard scores (what districts are released with)."""
    wanted = [m for m in INDICATOR_COUNTS if m in catalogue.TABLES["district_year"].measures]
    df = add_rates(released(f, wanted, by=("district_id",)))
    df = _in_area(_gazetteer().merge(df, on="district_id", how="left"), f)
    for missing in ("victims_referred", "referral_rate", "months_to_verdict"):
        df[missing] = np.nan  # not released per district
    return shown(df, wanted).sort_values(["province", "name"]).reset_index(drop=True)


def score_districts(inputs: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Score 0-100 and band per district from the indicators and the user's weights (pure; no SQL).

    Each indicator is scored 0-100 (a share in per cent is its own score; months to verdict score
    100 × (1 − months / 60), floored at 0). The score is the weighted mean of the indicators available; a district
    with fewer than 50 cases reported or fewer than 3 indicators gets "Insufficient data" instead of a band.
    """
    df = inputs.copy()
    scores = pd.DataFrame(index=df.index)
    for ind, higher_better in SCORE_INDICATORS.items():
        raw = pd.to_numeric(df[ind], errors="coerce").astype(float)
        scores[ind] = raw.clip(0, 100) if higher_better else (100 * (1 - raw / MONTHS_SCALE)).clip(0, 100)
    w = pd.Series({k: max(float(weights.get(k, 0)), 0.0) for k in SCORE_INDICATORS})
    available = scores.notna() & (w > 0)
    weighted = (scores.fillna(0) * w).where(available, 0).sum(axis=1)
    total_weight = available.mul(w).sum(axis=1)
    df["indicators_available"] = scores.notna().sum(axis=1)
    df["score"] = (weighted / total_weight.where(total_weight > 0)).round(1)
    cases = pd.to_numeric(df["cases"], errors="coerce")
    enough = (cases >= MIN_CASES) & (df["indicators_available"] >= MIN_INDICATORS) & df["score"].notna()
    df.loc[~enough, "score"] = np.nan
    # The score's margin from the indicators' released margins (a share's margin in points is its score's; a
    # month is 100 / MONTHS_SCALE points), as for independent errors; an indicator without a margin column counts as
    # exact (a test's inputs, or a published figure).
    margins = pd.DataFrame(index=df.index)
    for ind, higher_better in SCORE_INDICATORS.items():
        moe = pd.to_numeric(df[ind + MOE], errors="coerce").astype(float) if ind + MOE in df else 0.0
        margins[ind] = moe if higher_better else moe * 100 / MONTHS_SCALE
    spread = ((margins * w) ** 2).where(available, 0).sum(axis=1, min_count=1) ** 0.5
    df["score_moe"] = (spread / total_weight.where(total_weight > 0)).round(1).where(enough)
    low = (df["score"] - df["score_moe"].fillna(np.inf)).clip(lower=0)
    high = (df["score"] + df["score_moe"].fillna(np.inf)).clip(upper=100)
    bands = [_bands(lo, hi) if ok else (INSUFFICIENT, INSUFFICIENT) for lo, hi, ok in zip(low, high, enough,
                                                                                          strict=True)]
    df["band"] = [b for b, _ in bands]
    df["band_range"] = [r for _, r in bands]
    return df


def _bands(low: float, high: float) -> tuple[str, str]:
    """(band, what the table says): the band when the margin stays in it, else UNSEPARATED and the bands spanned."""
    best, worst = _band(high), _band(low)
    if best == worst:
        return best, best
    names = [name for _, name in BANDS]
    return UNSEPARATED, " to ".join((best, worst)) if names.index(worst) - names.index(best) > 1 else \
        f"{best} or {worst}"


def _band(score: float) -> str:
    return next(name for floor, name in BANDS if score >= floor)


@dataclass(frozen=True)
class Answerable:
    """Whether the filters can be answered for a measure, and if not, why (for the pages and sidebar)."""

    ok: bool
    reason: str = ""


def answerable(f: Filters, measure: str = "cases", by: Sequence[str] = ()) -> Answerable:
    try:
        choose_table(measure, filter_dims(f) | set(by))
    except Unanswerable as exc:
        return Answerable(False, str(exc))
    return Answerable(True)

