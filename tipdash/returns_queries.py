"""Aggregate returns for a selection: what agencies' returns report for its area and years (issue #13).

Two kinds, both read from the release: published returns as their source published them (``returns_published``,
no noise), and agencies' own unpublished returns as the release protected them (``returns_district_year``,
``returns_province_year``: noisy counts with a margin). Neither is ever added to the case-record counts: a return
counts in its own way (its own definitions, its own period), and a case in it may also be in the records. Every
statement's values are bound parameters.
"""

from __future__ import annotations

import pandas as pd

from tipdash import db, privacy, queries
from tipdash.filters import Filters
from tipdash.queries import cached

# The measures a return can give, in funnel order; and the release's names for those of the protected table (its
# victim figures are not released: docs/privacy.md).
MEASURES = ("cases", "firs", "charge_sheets", "trials", "convictions", "victims", "victims_referred")
PROTECTED_NAMES = {"cases": "cases", "firs": "period_firs", "charge_sheets": "period_charge_sheets",
                   "trials": "period_trials", "convictions": "period_convictions"}
COLUMNS = ["return_source", "agency", "published", "citation", "url", "period", "measures", "by_district", "covers",
           "areas", "measure", "value", "flags", "moe"]
# What a return covers, from its layout: its one district's name, else its province.
_COVERS = f"coalesce((SELECT name FROM {queries.GAZETTEER} WHERE district_id = s.district_id), s.province)"


def _area(f: Filters) -> tuple[str, dict]:
    """The condition that a district id (``d``) or a province (``p``) lies in ``f``'s area, with its parameters."""
    if f.districts:
        return "list_contains($districts, d)", {"districts": list(f.districts)}
    if f.provinces:
        return ("(list_contains($provinces, p) OR list_contains($provinces, "
                f"(SELECT province FROM {queries.GAZETTEER} WHERE district_id = d)))",
                {"provinces": list(f.provinces)})
    return "true", {}


def _published(f: Filters) -> pd.DataFrame:
    """Published returns' figures in ``f``'s area and years, summed per return and measure: the numbers given,
    and how many figures were given only as "<N" (not summed: their value is not known)."""
    cond, params = _area(f)
    return db.fetch_df(f"""
        SELECT s.return_source, s.agency, true AS published, s.citation, s.url, s.period, s.measures,
               s.level = 'district' AND s.district_id IS NULL AS by_district,
               {_COVERS} AS covers, count(DISTINCT coalesce(r.district_id, r.province)) AS areas, r.measure,
               sum(r.value)::DOUBLE AS value, count(r.value_flag) AS flags, NULL::DOUBLE AS moe
        FROM (SELECT *, district_id AS d, province AS p FROM returns_published) r
        JOIN return_sources s USING (return_source)
        WHERE r.year BETWEEN $y0 AND $y1 AND {cond}
        GROUP BY ALL""", {"y0": f.year_from, "y1": f.year_to, **params})


def _protected(f: Filters) -> pd.DataFrame:
    """Unpublished returns' released (noisy) counts in ``f``'s area and years, summed per return and measure, each
    sum with its 95% margin (independent noise in each cell summed). Districts from the district table; a province
    or Pakistan from the province table, whose one cell per province carries far less noise than its districts
    summed."""
    table = "returns_district_year" if f.districts else "returns_province_year"
    if table not in queries.tables():
        return pd.DataFrame(columns=COLUMNS)
    if f.districts:
        cond, params = "list_contains($areas, t.district_id)", {"areas": list(f.districts)}
    elif f.provinces:
        cond, params = "list_contains($areas, t.province)", {"areas": list(f.provinces)}
    else:
        cond, params = "true", {}
    area = "t.district_id" if f.districts else "t.province"
    sums = ", ".join(f"sum(t.{name})::DOUBLE AS {own}" for own, name in PROTECTED_NAMES.items())
    wide = db.fetch_df(f"""
        SELECT s.return_source, s.agency, false AS published, s.citation, s.url, s.period, s.measures,
               s.level = 'district' AND s.district_id IS NULL AS by_district,
               {_COVERS} AS covers, count(DISTINCT {area}) AS areas, count(*) AS cells, {sums}
        FROM {table} t JOIN return_sources s USING (return_source)
        WHERE t.year BETWEEN $y0 AND $y1 AND {cond}
        GROUP BY ALL""", {"y0": f.year_from, "y1": f.year_to, **params})
    if wide.empty:
        return pd.DataFrame(columns=COLUMNS)
    sigmas = db.package()["privacy"]["tables"][table]["measures"]
    long = wide.melt(id_vars=[c for c in wide.columns if c not in PROTECTED_NAMES], value_vars=list(PROTECTED_NAMES),
                     var_name="measure", value_name="value")
    # Only the measures the return gives: the table's other cells are noise around zero.
    long = long[[m in str(g).split() for m, g in zip(long["measure"], long["measures"], strict=True)]].copy()
    long["flags"] = 0
    long["moe"] = [privacy.margin(float(sigmas[PROTECTED_NAMES[m]]["sigma"]), int(n)).round()
                   for m, n in zip(long["measure"], long["cells"], strict=True)]
    return long[COLUMNS]


@cached
def returns_for(f: Filters) -> pd.DataFrame:
    """Every return's figures for ``f``'s area and years: one row per return and measure (``value`` the sum of the
    figures given; ``flags`` how many were given only as "<N"; ``moe`` the 95% margin of a protected sum, NA for a
    published one). Empty when the release holds no returns. Offence and victim filters do not apply: a return
    gives no breakdown by them."""
    if "return_sources" not in queries.tables():
        return pd.DataFrame(columns=COLUMNS)
    parts = [p for p in (_published(f), _protected(f)) if not p.empty]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    out["order"] = out["measure"].map(MEASURES.index)
    return out.sort_values(["published", "agency", "order"], ascending=[False, True, True]) \
        .drop(columns="order").reset_index(drop=True)
