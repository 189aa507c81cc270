"""Data coverage (pages/coverage.py): which agency's data arrived, how much of it the build could use, which fields
it left empty, and which districts no agency reported from. Read from the release only, like tipdash/queries.py.

The coverage tables are protected counts like every other (the margins come with them). Which agencies sent any
file is published as it is (the release's ``coverage_agencies``). Everything else here is read from the noisy
counts: a month "arrived" only when its released count is above ARRIVAL_MARGINS times its own 95% margin, so a
month with a handful of records and a month with none look alike ("none, or too few to tell"): a file's presence is
never published from its rows, because a row count of 1 would say that one case exists (docs/privacy.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tipcore import catalogue
from tipdash import db, privacy
from tipdash.i18n import N_
from tipdash.queries import GAZETTEER, cached, sigma

MOE = privacy.MOE_SUFFIX
AGENCIES = "coverage_agencies"
# A month's status, as the results hold it (in English: results are cached for every language); the page and the
# charts show it translated (tipdash.coverage_charts).
ARRIVED = N_("arrived")
UNCLEAR = N_("none, or too few to tell")
# Twice the 95% margin is about 4 sigma: noise alone passes it in about 1 cell of 30,000, so over some 1,200
# agency-months a false "arrived" is unlikely; one margin would pass 1 cell in 40.
ARRIVAL_MARGINS = 2
FIELD_WORDS = {"district": N_("district"), "fir_date": N_("FIR date"), "offence": N_("offence"),
               "outcome": N_("outcome")}


def _years(year_from: int, year_to: int) -> dict:
    return {"y0": int(year_from), "y1": int(year_to)}


@cached
def agencies() -> pd.DataFrame:
    """Every agency the ETL reads, with its name and whether any file of it arrived (published as it is)."""
    if AGENCIES not in db.release().tables:
        return pd.DataFrame(columns=["agency", "name", "agency_type", "province", "files_received"])
    return db.fetch_df(f"SELECT agency, name, agency_type, province, files_received FROM {AGENCIES} "
                       "ORDER BY name")


@cached
def arrivals(year_from: int, year_to: int) -> pd.DataFrame:
    """Agency x month: released records with their margin, and whether the month arrived beyond the noise."""
    moe = privacy.margin(sigma("coverage_agency_month", "agency_records"), 1)
    out = db.fetch_df(
        "SELECT a.name, m.agency, m.month, m.agency_records AS records FROM coverage_agency_month m "
        f"JOIN {AGENCIES} a USING (agency) WHERE year(m.month) BETWEEN $y0 AND $y1 ORDER BY a.name, m.month",
        _years(year_from, year_to))
    out[f"records{MOE}"] = moe
    out["status"] = np.where(out["records"] > ARRIVAL_MARGINS * moe, ARRIVED, UNCLEAR)
    return out


@cached
def agency_summary(year_from: int, year_to: int) -> pd.DataFrame:
    """Per agency: whether a file arrived, months that arrived beyond the noise and the latest of them, and its
    rows read, loaded, merged and rejected over the years, each with its 95% margin."""
    months = arrivals.uncached(year_from, year_to)
    seen = months[months["status"] == ARRIVED].groupby("agency")["month"].agg(["count", "max"])
    seen.columns = ["months_arrived", "latest_month"]
    rows = db.fetch_df(
        "SELECT agency, row_status, sum(rows) AS rows, count(*) AS cells FROM coverage_agency_rows "
        "WHERE year BETWEEN $y0 AND $y1 GROUP BY ALL", _years(year_from, year_to))
    s = sigma("coverage_agency_rows", "rows")
    wide = rows.pivot(index="agency", columns="row_status", values="rows").reindex(
        columns=list(catalogue.ROW_STATUSES))
    cells = rows.pivot(index="agency", columns="row_status", values="cells").reindex(
        columns=list(catalogue.ROW_STATUSES))
    for status in catalogue.ROW_STATUSES:
        wide[f"{status}{MOE}"] = privacy.margin(s, cells[status])
    wide["read"] = wide[list(catalogue.ROW_STATUSES)].sum(axis=1)
    wide[f"read{MOE}"] = privacy.margin(s, cells.sum(axis=1))
    out = agencies.uncached().set_index("agency").join(seen).join(wide).reset_index()
    out["months_arrived"] = out["months_arrived"].fillna(0).astype(int)
    out["latest_month"] = pd.to_datetime(out["latest_month"])  # NaT: no month beyond the noise
    out["files_received"] = out["files_received"].astype(bool)
    return out


@cached
def missing_fields(year_from: int, year_to: int) -> pd.DataFrame:
    """Agency x field: released records missing the field, the agency's released records, and the share missing
    with its 95% margin (no share where the base is too small to read)."""
    params = _years(year_from, year_to)
    missing = db.fetch_df(
        "SELECT agency, field, sum(records_missing) AS missing, count(*) AS cells FROM coverage_agency_fields "
        "WHERE year BETWEEN $y0 AND $y1 GROUP BY ALL", params)
    records = db.fetch_df(
        "SELECT agency, sum(agency_records) AS records, count(*) AS record_cells FROM coverage_agency_month "
        "WHERE year(month) BETWEEN $y0 AND $y1 GROUP BY ALL", params)
    out = agencies.uncached()[["agency", "name"]].merge(missing, on="agency").merge(records, on="agency")
    out[f"missing{MOE}"] = privacy.margin(sigma("coverage_agency_fields", "records_missing"), out.pop("cells"))
    out[f"records{MOE}"] = privacy.margin(sigma("coverage_agency_month", "agency_records"), out.pop("record_cells"))
    out["share"] = privacy.rate(out["missing"], out["records"])
    out[f"share{MOE}"] = privacy.rate_margin(out["missing"], out["records"], out[f"missing{MOE}"],
                                             out[f"records{MOE}"])
    readable = out["share"].notna() & (out[f"share{MOE}"] <= privacy.RATE_MOE_MAX)
    out["share"] = out["share"].where(readable)
    out[f"share{MOE}"] = out[f"share{MOE}"].where(readable)
    return out.sort_values(["name", "field"]).reset_index(drop=True)


@cached
def silent_districts(year_from: int, year_to: int) -> pd.DataFrame:
    """Districts whose released case count over the years is within its own margin of zero: no agency's records
    name them, or too few to tell apart from none. From the district case table every map uses."""
    s = sigma("district_year_total", "cases")
    out = db.fetch_df(
        "SELECT g.name, g.province, g.district_id, sum(t.cases) AS cases, count(*) AS cells "
        f"FROM district_year_total t JOIN {GAZETTEER} g USING (district_id) WHERE t.year BETWEEN $y0 AND $y1 "
        "GROUP BY ALL ORDER BY g.province, g.name", _years(year_from, year_to))
    out[f"cases{MOE}"] = privacy.margin(s, out.pop("cells"))
    return out[out["cases"] <= out[f"cases{MOE}"]].reset_index(drop=True)
