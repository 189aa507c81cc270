"""Published reference facts for the dashboard: Pakistan's US TIP tiers, every country's tier by report year, the
figures the TIP reports (and others) give for Pakistan, and the reference tables' own sources.

They are copied into the release as published (``reference/`` in the data package, loaded by ``etl/reference.py``),
not protected: they are public facts, each row with its own source. Every function reads the release only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tipdash import db, queries, text
from tipdash.queries import cached


@cached
def sources() -> pd.DataFrame:
    return db.fetch_df("SELECT * FROM ref_sources") if "ref_sources" in queries.tables() else pd.DataFrame()


@cached
def tier_history(iso3: str = "PAK") -> pd.DataFrame:
    if "ref_tip_tiers" not in queries.tables():
        return pd.DataFrame(columns=["report_year", "tier", "tier_rank", "source_url"])
    return db.fetch_df("""
        SELECT report_year, country, tier, tier_rank, evidence_type, source_url, source_note
        FROM ref_tip_tiers WHERE iso3 = $iso3 ORDER BY report_year""", {"iso3": iso3})


@cached
def tier_report_years() -> list[int]:
    if "ref_tip_tiers" not in queries.tables():
        return []
    return db.fetch_df("SELECT DISTINCT report_year FROM ref_tip_tiers ORDER BY 1")["report_year"].astype(int).tolist()


@cached
def country_tiers(report_year: int) -> pd.DataFrame:
    if "ref_tip_tiers" not in queries.tables():
        return pd.DataFrame(columns=["iso3", "country", "tier", "tier_rank"])
    return db.fetch_df("""
        SELECT iso3, country, tier, tier_rank, source_url
        FROM ref_tip_tiers WHERE report_year = $year ORDER BY tier_rank, country""", {"year": int(report_year)})


def _first_table(*names: str) -> str | None:
    have = queries.tables()
    return next((n for n in names if n in have), None)


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
    df = db.fetch_df(f"SELECT * FROM {table}")
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
                shown_value = text.NOT_AVAILABLE if text.is_missing(value) else f"{float(value):,.0f}"
                if not text.is_missing(value) and not bool(hit["verified"]):
                    shown_value += " (unverified)"
            else:
                shown_value = text.NOT_AVAILABLE
            row[ind] = shown_value
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
