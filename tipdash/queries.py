"""One function per question the dashboard asks. The only module that writes SQL.

Rules every function follows:
* SQL with bound parameters only; filter values never enter the SQL text.
* Aggregation happens in DuckDB; only small results are fetched.
* Every count goes through :mod:`tipdash.privacy` (``count_sql``/``sum_sql`` in SQL, then ``protect``), and every
  rate, share or change is computed from the protected counts, so no page can publish a true small number.
* Results are cached per warehouse version and arguments: a rebuilt warehouse is never served from stale cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from tipdash import db, privacy, text
from tipdash.filters import FilterOptions, Filters

F = TypeVar("F", bound=Callable)
POP_PER = 100_000
NO_CENSUS = ("Azad Jammu & Kashmir", "Gilgit-Baltistan")  # no 2023 census district figures


def cached(fn: F) -> F:
    """Cache ``fn`` per warehouse version and arguments (results are small DataFrames)."""

    def run(version: str, *args, **kwargs):
        return fn(*args, **kwargs)

    # A distinct name per function, so Streamlit keeps one cache per query (not one shared by all).
    run.__module__, run.__qualname__, run.__name__ = fn.__module__, fn.__qualname__, fn.__name__
    cached_run = st.cache_data(show_spinner=False, max_entries=256, ttl=6 * 3600)(run)

    def public(*args, **kwargs):
        return cached_run(db.version(), *args, **kwargs)

    public.__name__, public.__qualname__, public.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    public.uncached = fn
    return public  # type: ignore[return-value]


def _df(sql: str, params: dict | None = None) -> pd.DataFrame:
    return db.fetch_df(sql, params)


# Filters -> WHERE ---------------------------------------------------------------------------------------------


def where_sql(f: Filters, alias: str = "", years: tuple[int, int] | None = None,
              victim_alias: str | None = None) -> tuple[str, dict]:
    """The WHERE condition (without the keyword) and its parameters for the cases matching ``f``.

    ``years`` overrides the period (used to scan the current and previous periods at once). With
    ``victim_alias`` the victim sex and age filters apply to each victim row instead of "any victim of the case".
    """
    a = f"{alias}." if alias else ""
    y0, y1 = years or (f.year_from, f.year_to)
    conds = [f"{a}report_year BETWEEN $y0 AND $y1"]
    params: dict = {"y0": int(y0), "y1": int(y1)}
    offence = f"coalesce({a}offence, 'not_recorded')"
    if f.offences:
        params["offences"] = list(f.offences)
        if f.include_smuggling:
            conds.append(f"(list_contains($offences, {offence}) OR {a}is_smuggling)")
        else:
            conds.append(f"list_contains($offences, {offence}) AND NOT {a}is_smuggling")
    elif not f.include_smuggling:
        conds.append(f"NOT {a}is_smuggling")
    if f.sexes:
        params["sexes"] = list(f.sexes)
        conds.append(f"list_contains($sexes, {victim_alias}.sex)" if victim_alias
                     else f"list_has_any({a}victim_sexes, $sexes)")
    if f.age_bands:
        params["age_bands"] = list(f.age_bands)
        conds.append(f"list_contains($age_bands, {victim_alias}.age_band)" if victim_alias
                     else f"list_has_any({a}victim_age_bands, $age_bands)")
    if f.scopes:
        params["scopes"] = list(f.scopes)
        conds.append(f"list_contains($scopes, coalesce({a}scope, 'not_recorded'))")
    if f.agencies:
        params["agencies"] = list(f.agencies)
        conds.append(f"list_contains($agencies, {a}agency)")
    if f.provinces:
        params["provinces"] = list(f.provinces)
        conds.append(f"list_contains($provinces, {a}province)")
    if f.districts:
        params["districts"] = list(f.districts)
        conds.append(f"list_contains($districts, {a}district_id)")
    return " AND ".join(conds), params


def _two_periods(f: Filters, alias: str = "") -> tuple[str, dict, str, str]:
    """WHERE over the previous and current period together, and the conditions telling them apart."""
    prev = f.previous()
    where, params = where_sql(f, alias, years=(prev.year_from, f.year_to))
    params["cur_from"] = f.year_from
    a = f"{alias}." if alias else ""
    return where, params, f"{a}report_year >= $cur_from", f"{a}report_year < $cur_from"


# Protected counts of cases ------------------------------------------------------------------------------------

# measure key -> (value per row, cell key per row, condition), with {a} standing for the table alias. Victims are
# summed from cases with the victims' combined record key.
CASE_COUNTS: dict[str, tuple[str, str, str | None]] = {
    "cases": ("1", "{a}ckey", None),
    "victims": ("{a}victim_count", "{a}victim_ckey", None),
    "firs": ("1", "{a}ckey", "{a}is_fir"),
    "investigations": ("1", "{a}ckey", "{a}stage_rank >= 3"),
    "charge_sheets": ("1", "{a}ckey", "{a}is_charge_sheeted"),
    "trials": ("1", "{a}ckey", "{a}is_trial_concluded"),
    "convictions": ("1", "{a}ckey", "{a}is_convicted"),
    "acquittals": ("1", "{a}ckey", "{a}is_trial_concluded AND {a}outcome = 'acquitted'"),
    "compromises": ("1", "{a}ckey", "{a}is_trial_concluded AND {a}outcome = 'compromise'"),
    "victims_referred": ("{a}victims_referred", "{a}victim_ckey", None),
}
STAGE_COUNTS = ["cases", "firs", "charge_sheets", "trials", "convictions"]
RATES: dict[str, tuple[str, str]] = {  # rate -> (numerator, denominator), all in per cent
    "conviction_rate": ("convictions", "trials"),
    "fir_rate": ("firs", "cases"),
    "charge_sheet_rate": ("charge_sheets", "firs"),
    "referral_rate": ("victims_referred", "victims"),
}


# The ETL's agg_district_year holds these counts per district, province, year, offence, scope and smuggling flag,
# with plain sums of the record keys: summing its rows gives the same protected values as counting `cases`, from
# a table about 30 times smaller. Victim sex and age and the agency are not in it.
AGG_TABLE = "agg_district_year"
VICTIM_AGG_TABLE = "agg_victims"
AGG_COUNTS = {"cases": "cases", "victims": "victims", "firs": "firs", "charge_sheets": "charge_sheets",
              "trials": "trials_concluded", "convictions": "convictions"}


def counts_table(f: Filters, keys: Sequence[str]) -> str:
    """The table to count ``keys`` under ``f`` from: the aggregate when it has them all and every filter, else cases.

    Only for questions that group by the aggregate's columns (district_id, province, report_year, offence, scope,
    is_smuggling) and count nothing else.
    """
    if f.sexes or f.age_bands or f.agencies or not set(keys) <= AGG_COUNTS.keys() or AGG_TABLE not in tables():
        return "cases"
    return AGG_TABLE


def count_items(keys: Sequence[str], alias: str = "", where: str | None = None, suffix: str = "",
                table: str = "cases") -> str:
    """SELECT items for the protected counts ``keys`` (optionally only rows matching ``where``) from ``table``."""
    a = f"{alias}." if alias else ""
    items = []
    for key in keys:
        if table == AGG_TABLE:
            column = f"{a}{AGG_COUNTS[key]}"
            items.append(privacy.sum_sql(f"{key}{suffix}", column, key=f"{column}_key", where=where))
            continue
        value, cell_key, cond = (part.format(a=a) if part else None for part in CASE_COUNTS[key])
        full = " AND ".join(f"({c})" for c in (where, cond) if c) or None
        items.append(privacy.sum_sql(f"{key}{suffix}", value, key=cell_key, where=full))
    return ",\n       ".join(items)


def add_rates(df: pd.DataFrame, suffix: str = "") -> pd.DataFrame:
    """Rates from protected counts (NA when either count is suppressed or the base is 0)."""
    out = df.copy()
    for rate, (num, den) in RATES.items():
        if f"{num}{suffix}" in out and f"{den}{suffix}" in out:
            out[f"{rate}{suffix}"] = privacy.rate(out[f"{num}{suffix}"], out[f"{den}{suffix}"])
    if f"convictions{suffix}" in out and f"cases{suffix}" in out:
        out[f"attrition{suffix}"] = (100 - privacy.rate(out[f"convictions{suffix}"], out[f"cases{suffix}"])).round(1)
    return out


def change_percent(current: pd.Series, previous: pd.Series) -> pd.Series:
    """Change in per cent of the previous (protected) value; NA when either is suppressed or previous is 0."""
    cur = current.astype("Float64")
    prev = previous.astype("Float64")
    return ((cur - prev) / prev.where(prev > 0) * 100).round(1)


def per_100k(counts: pd.Series, population: pd.Series, years: int) -> pd.Series:
    """Yearly rate per 100,000 people; NA where the population is unknown (AJK, GB) or the count suppressed."""
    pop = pd.to_numeric(population, errors="coerce").astype("Float64") * years
    return privacy.rate(counts, pop, per=POP_PER)


# Warehouse facts ----------------------------------------------------------------------------------------------


@cached
def tables() -> frozenset[str]:
    df = _df("SELECT table_name FROM information_schema.tables WHERE table_catalog = $cat", {"cat": db.SCHEMA})
    return frozenset(df["table_name"])


def _first_table(*names: str) -> str | None:
    have = tables()
    return next((n for n in names if n in have), None)


@cached
def filter_options() -> FilterOptions:
    years = _df("SELECT min(report_year) AS lo, max(report_year) AS hi, max(report_month) AS last FROM cases")
    lo, hi = years["lo"].iloc[0], years["hi"].iloc[0]
    if pd.isna(lo):  # an empty warehouse still gets working widgets
        lo = hi = pd.Timestamp.today().year
    lo, hi = int(lo), int(hi)
    last = years["last"].iloc[0]
    complete_to = hi if pd.isna(last) or pd.Timestamp(last).month == 12 or hi == lo else hi - 1
    span = min(3, max(1, (complete_to - lo + 1) // 2))
    agencies = _df("SELECT DISTINCT agency FROM cases ORDER BY agency")["agency"].tolist()
    dist = _df("SELECT district_id, name, province FROM districts ORDER BY province, name")
    provinces = sorted(set(dist["province"]) | set(
        _df("SELECT DISTINCT province FROM cases WHERE province IS NOT NULL")["province"]))
    return FilterOptions(
        year_min=lo, year_max=hi, default_years=(complete_to - span + 1, complete_to),
        agencies=tuple(agencies), provinces=tuple(provinces),
        districts={r.district_id: (r.name, r.province) for r in dist.itertuples()},
    )


@cached
def data_status() -> dict:
    """Latest ETL run, demo flag and the last month of data."""
    runs = _df("SELECT * FROM etl_runs ORDER BY coalesce(finished_at, started_at) DESC LIMIT 1") \
        if "etl_runs" in tables() else pd.DataFrame()
    facts = _df("""
        SELECT max(report_month) AS last_month, min(report_month) AS first_month,
               EXISTS (SELECT 1 FROM cases WHERE is_demo) AS any_demo
        FROM cases""")
    run = runs.iloc[0].to_dict() if len(runs) else {}
    last = facts["last_month"].iloc[0]
    return {
        "is_demo": bool(facts["any_demo"].iloc[0]) or bool(run.get("is_demo", False)),
        "last_month": None if pd.isna(last) else pd.Timestamp(last),
        "run_id": run.get("run_id"),
        "finished_at": run.get("finished_at"),
        "warehouse_version": run.get("warehouse_version"),
        "k_anonymity_min": run.get("k_anonymity_min"),
        "k_threshold": run.get("k_threshold"),
    }


RUN_COLUMNS = ["run_id", "started_at", "finished_at", "is_demo", "warehouse_version", "files_read", "rows_read",
               "rows_loaded", "rows_rejected", "rows_merged", "cases_loaded", "victims_loaded", "k_anonymity_min",
               "k_threshold", "input_files"]


@cached
def etl_runs() -> pd.DataFrame:
    """Every build of this warehouse, newest first (the columns the ETL recorded, of those worth showing)."""
    if "etl_runs" not in tables():
        return pd.DataFrame()
    df = _df("SELECT * FROM etl_runs ORDER BY started_at DESC")
    if "files_read" not in df and "input_files" in df:
        df["files_read"] = df["input_files"].map(_count_files)
    return df[[c for c in RUN_COLUMNS if c in df and c != "input_files"]]


def _count_files(raw) -> int | None:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    return len(value) if isinstance(value, (list, dict)) else None


@cached
def sources() -> pd.DataFrame:
    return _df("SELECT * FROM ref_sources") if "ref_sources" in tables() else pd.DataFrame()


# Overview -----------------------------------------------------------------------------------------------------

HEADLINE = ["cases", "victims", "firs", "charge_sheets", "convictions"]


@cached
def headline(f: Filters) -> pd.DataFrame:
    """Headline measures for the period and the previous period of equal length, with the change.

    Counts change in per cent and the conviction rate in percentage points: never as a difference of counts,
    which could reveal a small number.
    """
    where, params, cur, _ = _two_periods(f)
    keys = HEADLINE + ["trials"]
    table = counts_table(f, keys)
    # One pass, grouped by period: cheaper than filtering every count twice.
    sql = f"""
        WITH periods AS (SELECT * FROM (VALUES (true), (false)) AS p(is_current)),
        counts AS (SELECT {cur} AS is_current, {count_items(keys, table=table)} FROM {table} WHERE {where}
                   GROUP BY ALL)
        SELECT p.is_current, counts.* EXCLUDE (is_current)
        FROM periods p LEFT JOIN counts USING (is_current)"""
    both = add_rates(privacy.protect(_df(sql, params)))
    current = both[both["is_current"]].drop(columns="is_current").reset_index(drop=True)
    previous = both[~both["is_current"]].drop(columns="is_current").reset_index(drop=True)
    row = pd.concat([current, previous.add_suffix("_prev")], axis=1)
    out = []
    for key in HEADLINE + ["conviction_rate"]:
        value, previous = row[key], row[f"{key}_prev"]
        is_rate = key in RATES
        change = (value.astype("Float64") - previous.astype("Float64")).round(1) if is_rate \
            else change_percent(value, previous)
        out.append({"measure": key, "label": text.title(key), "value": value.iloc[0],
                    "previous": previous.iloc[0], "change": change.iloc[0],
                    "change_unit": "pp" if is_rate else "percent"})
    return pd.DataFrame(out)


@cached
def trend(f: Filters, grain: str = "year", measures: tuple[str, ...] = ("cases", "firs", "charge_sheets",
                                                                        "convictions")) -> pd.DataFrame:
    """Protected counts per year or month of report (every period in the range, zeros included)."""
    if grain not in ("year", "month"):
        raise ValueError(grain)
    measures = tuple(m for m in measures if m in CASE_COUNTS)
    where, params = where_sql(f)
    table = counts_table(f, measures) if grain == "year" else "cases"  # the aggregate has no months
    bucket = "make_date(report_year, 1, 1)" if grain == "year" else "report_month"
    step = "INTERVAL 1 YEAR" if grain == "year" else "INTERVAL 1 MONTH"
    sql = f"""
        WITH periods AS (
            SELECT unnest(generate_series(make_date($y0, 1, 1), make_date($y1, 12, 1), {step}))::DATE AS period
        ),
        counts AS (
            SELECT {bucket} AS period, {count_items(measures, table=table)}
            FROM {table} WHERE {where} GROUP BY ALL
        )
        SELECT p.period, counts.* EXCLUDE (period)
        FROM periods p LEFT JOIN counts USING (period)
        ORDER BY p.period"""
    df = privacy.protect(_df(sql, params))
    df["period"] = pd.to_datetime(df["period"])
    return df


@cached
def top_districts(f: Filters, n: int = 10, measure: str = "cases") -> pd.DataFrame:
    """The ``n`` districts with the most (protected) cases or victims."""
    if measure not in ("cases", "victims"):
        raise ValueError(measure)
    where, params = where_sql(f, "c")
    table = counts_table(f, [measure])
    sql = f"""
        SELECT c.district_id, d.name, d.province, {count_items([measure], alias='c', table=table)}
        FROM {table} c JOIN districts d USING (district_id)
        WHERE {where} GROUP BY ALL"""
    df = privacy.protect(_df(sql, params))
    return df.sort_values([measure, "name"], ascending=[False, True], na_position="last").head(n) \
        .reset_index(drop=True)


@cached
def smuggling_cases(f: Filters) -> object:
    """Protected count of smuggling-of-migrants cases under the other filters (shown apart, never mixed in)."""
    g = replace(f, offences=(), include_smuggling=True)
    where, params = where_sql(g)
    df = privacy.protect(_df(f"SELECT {count_items(['cases'])} FROM cases WHERE {where} AND is_smuggling", params))
    return df["cases"].iloc[0]


# TIP report tiers and government figures -----------------------------------------------------------------------


@cached
def tier_history(iso3: str = "PAK") -> pd.DataFrame:
    if "ref_tip_tiers" not in tables():
        return pd.DataFrame(columns=["report_year", "tier", "tier_rank", "source_url"])
    return _df("""
        SELECT report_year, country, tier, tier_rank, evidence_type, source_url, source_note
        FROM ref_tip_tiers WHERE iso3 = $iso3 ORDER BY report_year""", {"iso3": iso3})


@cached
def tier_report_years() -> list[int]:
    if "ref_tip_tiers" not in tables():
        return []
    return _df("SELECT DISTINCT report_year FROM ref_tip_tiers ORDER BY 1")["report_year"].astype(int).tolist()


@cached
def country_tiers(report_year: int) -> pd.DataFrame:
    if "ref_tip_tiers" not in tables():
        return pd.DataFrame(columns=["iso3", "country", "tier", "tier_rank"])
    return _df("""
        SELECT iso3, country, tier, tier_rank, source_url
        FROM ref_tip_tiers WHERE report_year = $year ORDER BY tier_rank, country""", {"year": int(report_year)})


@cached
def government_figures() -> pd.DataFrame:
    """Figures the TIP reports give for Pakistan: one row per report year, indicator and breakdown.

    ``value`` is NA when the report gives no figure (shown as "not available", never 0); ``verified`` is False
    when the source marks the figure unverified. Investigations, prosecutions, convictions and victims identified
    are kept when the table has them; otherwise every indicator is.
    """
    table = _first_table("ref_tip_stats", "ref_law_enforcement")
    cols = ["year", "indicator", "value", "value_as_read", "breakdown", "verified", "source_url", "source_note"]
    if not table:
        return pd.DataFrame(columns=cols)
    df = _df(f"SELECT * FROM {table}")
    year_col = next((c for c in ("report_year", "year_reported", "year") if c in df), None)
    if year_col is None or "indicator" not in df:
        return pd.DataFrame(columns=cols)
    df["year"] = pd.to_numeric(df[year_col], errors="coerce").astype("Int64")
    df["value"] = pd.to_numeric(df.get("value"), errors="coerce").astype("Float64")
    df["verified"] = _verified_flags(df)
    for col in cols:
        if col not in df:
            df[col] = pd.NA
    core = df["indicator"].isin(list(text.GOV_INDICATORS))
    if core.any():
        df = df[core]
    order = {k: i for i, k in enumerate(text.GOV_INDICATORS)}
    df = df.assign(_order=df["indicator"].map(order)).sort_values(["year", "_order"], kind="stable")
    return df[cols].reset_index(drop=True)


def government_citations(figures: pd.DataFrame) -> pd.DataFrame:
    """Every figure as printed, with its verification and source link (the page's citation table)."""
    out = figures.copy()
    out["indicator"] = out["indicator"].map(lambda i: text.GOV_INDICATORS.get(i, str(i).replace("_", " ")))
    out["figure"] = [text.NOT_AVAILABLE if text.is_missing(v) else f"{float(v):,.0f}" for v in out["value"]]
    out["status"] = ["verified" if v else "unverified" for v in out["verified"]]
    return out[["year", "indicator", "figure", "status", "breakdown", "value_as_read", "source_note", "source_url"]]


def government_series(figures: pd.DataFrame) -> pd.DataFrame:
    """One figure per report year and indicator for the chart: the first the table lists (its breakdown kept)."""
    return figures.dropna(subset=["year"]).drop_duplicates(["year", "indicator"], keep="first") \
        .reset_index(drop=True)


def government_by_year(figures: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """A report year × indicator grid: the figure, "not available" when the report gives none, "(unverified)"."""
    series = government_series(figures).set_index(["year", "indicator"])
    indicators = [i for i in text.GOV_INDICATORS if i in set(figures["indicator"])] or \
        list(dict.fromkeys(figures["indicator"]))
    rows = []
    for year in sorted(set(years), reverse=True):
        row = {"year": int(year)}
        for ind in indicators:
            if (year, ind) in series.index:
                hit = series.loc[(year, ind)]
                value = hit["value"]
                shown = text.NOT_AVAILABLE if text.is_missing(value) else f"{float(value):,.0f}"
                if not text.is_missing(value) and not bool(hit["verified"]):
                    shown += " (unverified)"
            else:
                shown = text.NOT_AVAILABLE
            row[ind] = shown
        rows.append(row)
    return pd.DataFrame(rows)


def _verified_flags(df: pd.DataFrame) -> pd.Series:
    """Read whichever verification column the reference table has (bool or words) as True/False."""
    for col in ("verified", "verification", "is_verified", "verification_flag", "verification_status"):
        if col in df:
            raw = df[col]
            if raw.dtype == bool:
                return raw
            words = raw.astype("string").str.lower().fillna("")
            return ~words.str.contains("unverif|not verif|estimate|unconfirmed|false|^no$|^0$", regex=True)
    return pd.Series(True, index=df.index)


# Districts: map measures, profile, comparison ------------------------------------------------------------------


@cached
def district_measures(f: Filters) -> pd.DataFrame:
    """Every district in the selected area with protected cases and victims, per-100,000 rates and change."""
    where, params, cur, prev = _two_periods(f)
    area, area_params = _district_area(f)
    table = counts_table(f, ["cases", "victims"])
    sql = f"""
        WITH counts AS (
            SELECT district_id, {count_items(['cases', 'victims'], where=cur, table=table)},
                   {count_items(['cases'], where=prev, suffix='_prev', table=table)}
            FROM {table} WHERE {where} AND district_id IS NOT NULL GROUP BY district_id
        )
        SELECT d.district_id, d.name, d.province, d.lat, d.lon, d.population_2023 AS population,
               counts.* EXCLUDE (district_id)
        FROM districts d LEFT JOIN counts USING (district_id)
        WHERE {area}
        ORDER BY d.province, d.name"""
    df = privacy.protect(_df(sql, params | area_params))
    df["cases_per_100k"] = per_100k(df["cases"], df["population"], f.years)
    df["victims_per_100k"] = per_100k(df["victims"], df["population"], f.years)
    df["change"] = change_percent(df["cases"], df["cases_prev"])
    return df.drop(columns=["cases_prev"])


def _district_area(f: Filters, alias: str = "d") -> tuple[str, dict]:
    conds, params = ["TRUE"], {}
    if f.provinces:
        conds.append(f"list_contains($area_provinces, {alias}.province)")
        params["area_provinces"] = list(f.provinces)
    if f.districts:
        conds.append(f"list_contains($area_districts, {alias}.district_id)")
        params["area_districts"] = list(f.districts)
    return " AND ".join(conds), params


INDICATOR_COUNTS = ["cases", "victims", "firs", "charge_sheets", "trials", "convictions", "victims_referred"]


@cached
def area_indicators(f: Filters, label: str = "") -> pd.DataFrame:
    """One row for the area ``f`` selects: protected counts, rates, median months to verdict, rate per 100,000."""
    where, params = where_sql(f)
    pop_sql, pop_params = _population_sql(f)
    sql = f"""
        SELECT {count_items(INDICATOR_COUNTS)},
               median(months_fir_to_verdict) FILTER (WHERE is_trial_concluded) AS months_to_verdict,
               ({pop_sql}) AS population
        FROM cases WHERE {where}"""
    df = add_rates(privacy.protect(_df(sql, params | pop_params)))
    # A median of fewer than 10 trials would describe a handful of cases: publish it only with the trials count.
    df.loc[df["trials"].isna(), "months_to_verdict"] = np.nan
    df["cases_per_100k"] = per_100k(df["cases"], df["population"], f.years)
    df.insert(0, "area", label or f.describe())
    return df


def _population_sql(f: Filters) -> tuple[str, dict]:
    """2023 census population of the area: NULL when any part of it has no census figure (AJK, GB)."""
    if f.districts:
        return ("SELECT CASE WHEN count(population_2023) = count(*) THEN sum(population_2023) END FROM districts "
                "WHERE list_contains($pop_districts, district_id)"), {"pop_districts": list(f.districts)}
    if f.provinces:
        return ("SELECT CASE WHEN count(population_2023) = count(*) THEN sum(population_2023) END FROM districts "
                "WHERE list_contains($pop_provinces, province)"), {"pop_provinces": list(f.provinces)}
    # Pakistan: the census covers the four provinces and Islamabad; the rate is labelled accordingly.
    return "SELECT sum(population_2023) FROM districts", {}


def district_comparison(f: Filters, district_id: str, options: FilterOptions) -> pd.DataFrame:
    """The district, its province and Pakistan side by side (three cached queries)."""
    name, province = options.districts.get(district_id, (district_id, ""))
    rows = [area_indicators(f.for_district(district_id), name)]
    if province:
        rows.append(area_indicators(f.for_province(province), province))
    rows.append(area_indicators(f.for_pakistan(), "Pakistan"))
    return pd.concat(rows, ignore_index=True)


def rates_by_area(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison turned for a grouped chart: one row per rate, one column per area."""
    rates = list(RATES)
    long = comparison.melt(id_vars="area", value_vars=rates, var_name="rate", value_name="value")
    wide = long.pivot(index="rate", columns="area", values="value").reindex(rates).reset_index()
    wide["rate"] = wide["rate"].map(text.short)
    return wide[["rate", *comparison["area"]]]


@cached
def offence_mix(f: Filters) -> pd.DataFrame:
    where, params = where_sql(f)
    sql = f"""
        SELECT CASE WHEN is_smuggling THEN 'migrant_smuggling' ELSE coalesce(offence, 'not_recorded') END AS offence,
               {count_items(['cases'])}
        FROM cases WHERE {where} GROUP BY ALL"""
    df = privacy.protect(_df(sql, params))
    df["label"] = df["offence"].map(text.offence)
    return df.sort_values("cases", ascending=False, na_position="last").reset_index(drop=True)


@cached
def victim_profile(f: Filters) -> pd.DataFrame:
    """Victims by sex and age band, counted from the victims table with its own record keys."""
    if not f.agencies and VICTIM_AGG_TABLE in tables():  # the ETL's victims by cell, sex and age band
        source, case_alias, count = (f"{VICTIM_AGG_TABLE} v", "v",
                                     privacy.sum_sql("victims", "v.victims", key="v.victims_key"))
    else:
        source, case_alias, count = ("victims v JOIN cases c USING (case_id)", "c",
                                     privacy.count_sql("victims", key="v.ckey"))
    where, params = where_sql(f, case_alias, victim_alias="v")
    sql = f"""
        SELECT v.sex, coalesce(v.age_band, 'not recorded') AS age_band, {count}
        FROM {source} WHERE {where} GROUP BY ALL"""
    df = privacy.protect(_df(sql, params))
    order = {b: i for i, b in enumerate([*text.AGE_BANDS, "not recorded"])}
    df["sex_label"] = df["sex"].map(lambda s: text.SEXES.get(s, s))
    return df.sort_values(["age_band", "sex"], key=lambda s: s.map(order) if s.name == "age_band" else s) \
        .reset_index(drop=True)


# Conviction gap -----------------------------------------------------------------------------------------------


@cached
def funnel(f: Filters) -> pd.DataFrame:
    """Reported -> FIR -> charge sheet -> trial concluded -> convicted: protected count and share kept and lost."""
    where, params = where_sql(f)
    table = counts_table(f, STAGE_COUNTS)
    row = privacy.protect(_df(f"SELECT {count_items(STAGE_COUNTS, table=table)} FROM {table} WHERE {where}", params))
    values = pd.array([row[k].iloc[0] for k in STAGE_COUNTS], dtype="Int64")
    df = pd.DataFrame({"stage": STAGE_COUNTS, "label": [text.title(k) for k in STAGE_COUNTS], "value": values})
    previous = df["value"].shift(1)
    df["share_of_previous"] = privacy.rate(df["value"], previous)
    df["share_lost"] = (100 - df["share_of_previous"]).round(1)
    df["share_of_reported"] = privacy.rate(df["value"], pd.Series([values[0]] * len(df), dtype="Int64"))
    return df


AREA_LEVELS = {"province": "province", "district": "district_id"}


@cached
def attrition_by_area(f: Filters, level: str = "province") -> pd.DataFrame:
    """Stage counts, conviction rate and attrition per province or district."""
    col = AREA_LEVELS[level]
    where, params = where_sql(f, "c")
    table = counts_table(f, STAGE_COUNTS)
    if level == "district":
        area, area_params = _district_area(f)
        sql = f"""
            WITH counts AS (
                SELECT c.district_id, {count_items(STAGE_COUNTS, alias='c', table=table)}
                FROM {table} c WHERE {where} AND c.district_id IS NOT NULL GROUP BY ALL
            )
            SELECT d.district_id, d.name, d.province, d.lat, d.lon, counts.* EXCLUDE (district_id)
            FROM districts d LEFT JOIN counts USING (district_id) WHERE {area}"""
        params |= area_params
    else:
        sql = f"""
            SELECT coalesce(c.{col}, 'Province not recorded') AS province,
                   {count_items(STAGE_COUNTS, alias='c', table=table)}
            FROM {table} c WHERE {where} GROUP BY ALL"""
    df = add_rates(privacy.protect(_df(sql, params)))
    name = "name" if level == "district" else "province"  # ties (rates not available) by name, the same every time
    return df.sort_values(["conviction_rate", name], ascending=[False, True], na_position="last") \
        .reset_index(drop=True)


STAGE_DIMENSIONS = {
    "offence": "CASE WHEN is_smuggling THEN 'migrant_smuggling' ELSE coalesce(offence, 'not_recorded') END",
    "law_group": "law_group",
    "scope": "coalesce(scope, 'not_recorded')",
}


@cached
def stages_by(f: Filters, dimension: str) -> pd.DataFrame:
    """Stage counts, conviction rate and attrition by offence, law used or scope."""
    expr = STAGE_DIMENSIONS[dimension]
    where, params = where_sql(f)
    sql = f"SELECT {expr} AS {dimension}, {count_items(STAGE_COUNTS)} FROM cases WHERE {where} GROUP BY ALL"
    df = add_rates(privacy.protect(_df(sql, params)))
    labels = {"offence": text.offence, "law_group": lambda v: text.LAW_GROUPS.get(v, v),
              "scope": lambda v: text.SCOPES.get(v, v)}[dimension]
    df["label"] = df[dimension].map(labels)
    return df.sort_values("cases", ascending=False, na_position="last").reset_index(drop=True)


@cached
def trial_outcomes(f: Filters) -> pd.DataFrame:
    where, params = where_sql(f)
    keys = ["convictions", "acquittals", "compromises", "trials"]
    row = privacy.protect(_df(f"SELECT {count_items(keys)} FROM cases WHERE {where}", params))
    df = pd.DataFrame({
        "outcome": ["convicted", "acquitted", "compromise"],
        "label": [text.OUTCOMES[o] for o in ("convicted", "acquitted", "compromise")],
        "value": pd.array([row[k].iloc[0] for k in keys[:3]], dtype="Int64"),
    })
    df["share"] = privacy.rate(df["value"], pd.Series([row["trials"].iloc[0]] * 3, dtype="Int64"))
    return df


VERDICT_BINS = [(0, 6, "under 6 months"), (6, 12, "6–11 months"), (12, 24, "1–2 years"),
                (24, 36, "2–3 years"), (36, 60, "3–5 years"), (60, None, "5 years or more")]


@cached
def verdict_time(f: Filters) -> pd.DataFrame:
    """Concluded trials by months from FIR to verdict, in bins; small bins suppressed like any count."""
    where, params = where_sql(f)
    cases_sql = []
    for i, (lo, hi, _) in enumerate(VERDICT_BINS):
        upper = f" AND months_fir_to_verdict < {hi}" if hi is not None else ""
        cases_sql.append(f"WHEN months_fir_to_verdict >= {lo}{upper} THEN {i}")
    sql = f"""
        WITH bins AS (SELECT unnest(range({len(VERDICT_BINS)})) AS bin),
        counts AS (
            SELECT CASE {' '.join(cases_sql)} END AS bin, {count_items(['trials'])}
            FROM cases WHERE {where} AND is_trial_concluded AND months_fir_to_verdict IS NOT NULL GROUP BY ALL
        )
        SELECT b.bin, counts.* EXCLUDE (bin) FROM bins b LEFT JOIN counts USING (bin) ORDER BY b.bin"""
    df = privacy.protect(_df(sql, params))
    df["label"] = [VERDICT_BINS[int(b)][2] for b in df["bin"]]
    return df


@cached
def median_months_to_verdict(f: Filters) -> float | None:
    row = area_indicators.uncached(f)
    value = row["months_to_verdict"].iloc[0]
    return None if pd.isna(value) else float(value)


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


@cached
def scorecard_inputs(f: Filters) -> pd.DataFrame:
    """Per district: protected counts and the transparent indicators the scorecard scores."""
    where, params = where_sql(f, "c")
    area, area_params = _district_area(f)
    sql = f"""
        WITH counts AS (
            SELECT c.district_id, {count_items(INDICATOR_COUNTS, alias='c')},
                   median(c.months_fir_to_verdict) FILTER (WHERE c.is_trial_concluded) AS months_to_verdict
            FROM cases c WHERE {where} AND c.district_id IS NOT NULL GROUP BY ALL
        )
        SELECT d.district_id, d.name, d.province, d.lat, d.lon, counts.* EXCLUDE (district_id)
        FROM districts d LEFT JOIN counts USING (district_id) WHERE {area} ORDER BY d.province, d.name"""
    df = add_rates(privacy.protect(_df(sql, params | area_params)))
    df.loc[df["trials"].isna() | (df["trials"] == 0), "months_to_verdict"] = np.nan
    return df


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
    df["band"] = [_band(s) if ok else INSUFFICIENT for s, ok in zip(df["score"], enough, strict=True)]
    return df


def _band(score: float) -> str:
    return next(name for floor, name in BANDS if score >= floor)


# Explore -------------------------------------------------------------------------------------------------------

CASE_DIMENSIONS = {
    "year": "c.report_year",
    "month": "strftime(c.report_month, '%Y-%m')",
    "province": "coalesce(c.province, 'Province not recorded')",
    "district": "coalesce(d.name || ' (' || d.province || ')', 'District not recorded')",
    "offence": "CASE WHEN c.is_smuggling THEN 'migrant_smuggling' ELSE coalesce(c.offence, 'not_recorded') END",
    "agency": "c.agency",
    "stage": "c.stage",
    "outcome": "coalesce(c.outcome, 'not_recorded')",
}
VICTIM_DIMENSIONS = {"sex": "v.sex", "age_band": "coalesce(v.age_band, 'not recorded')"}
CASE_MEASURES = [*CASE_COUNTS, *RATES, "attrition"]
VICTIM_MEASURES = ["victims", "victims_referred"]
EXPLORE_ROW_LIMIT = 20_000


def explore_grain(dimensions: Sequence[str]) -> str:
    """'victims' when a victim dimension is chosen (then only victim measures apply), else 'cases'."""
    return "victims" if any(d in VICTIM_DIMENSIONS for d in dimensions) else "cases"


def explore_sql(f: Filters, dimensions: Sequence[str], measures: Sequence[str]) -> tuple[str, dict, list[str]]:
    """The parametrised SQL (shown on the page), its parameters and the counts it selects."""
    dims = [d for d in dimensions if d in CASE_DIMENSIONS or d in VICTIM_DIMENSIONS]
    grain = explore_grain(dims)
    select_dims = [f"{CASE_DIMENSIONS.get(d) or VICTIM_DIMENSIONS[d]} AS {d}" for d in dims]
    if grain == "victims":
        counts = [m for m in VICTIM_MEASURES if m in measures or (m == "victims" and "referral_rate" in measures)]
        counts = counts or ["victims"]
        if "referral_rate" in measures and "victims_referred" not in counts:
            counts.append("victims_referred")
        where, params = where_sql(f, "c", victim_alias="v")
        items = [privacy.count_sql("victims", key="v.ckey")]
        if "victims_referred" in counts:
            items.append(privacy.count_sql("victims_referred", "v.is_referred", key="v.ckey"))
        source = "victims v JOIN cases c USING (case_id)"
    else:
        counts = [m for m in CASE_COUNTS if m in measures]
        for rate in (m for m in measures if m in RATES or m == "attrition"):
            counts += [c for c in (RATES.get(rate) or ("convictions", "cases")) if c not in counts]
        counts = counts or ["cases"]
        where, params = where_sql(f, "c")
        items = [count_items(counts, alias="c")]
        source = "cases c"
    if "district" in dims:
        source += " LEFT JOIN districts d ON d.district_id = c.district_id"
    group = "GROUP BY ALL ORDER BY ALL" if dims else ""
    sql = (f"SELECT {', '.join(select_dims + items)}\nFROM {source}\nWHERE {where}\n{group}\n"
           f"LIMIT {EXPLORE_ROW_LIMIT + 1}")
    return sql, params, counts


@cached
def explore(f: Filters, dimensions: tuple[str, ...], measures: tuple[str, ...]) -> pd.DataFrame:
    """The table a user asked for: protected counts (and rates from them) by the chosen dimensions."""
    sql, params, _ = explore_sql(f, dimensions, measures)
    df = add_rates(privacy.protect(_df(sql, params)))
    keep = [d for d in dimensions if d in df] + [m for m in measures if m in df]
    df = df[keep]
    for dim, labels in (("offence", text.offence), ("sex", lambda v: text.SEXES.get(v, v)),
                        ("stage", lambda v: text.STAGES.get(v, v)), ("outcome", lambda v: text.OUTCOMES.get(v, v))):
        if dim in df:
            df[dim] = df[dim].map(labels)
    return df
