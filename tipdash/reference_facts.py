"""Published reference facts for the dashboard: Pakistan's US TIP tiers, every country's tier by report year, the
figures the TIP reports (and others) give for Pakistan, and the reference tables' own sources.

They are copied into the release as published (``reference/`` in the data package, loaded by ``etl/reference.py``),
not protected: they are public facts, each row with its own source. Every function reads the release only.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlparse

import pandas as pd

from tipdash import db, i18n, queries, text
from tipdash.i18n import N_, _
from tipdash.queries import cached


@cached
def sources() -> pd.DataFrame:
    return db.fetch_df("SELECT * FROM ref_sources") if "ref_sources" in queries.tables() else pd.DataFrame()


# Tier placements ------------------------------------------------------------------------------------------------

# A report year is mapped when the data holds every country the report ranked: 150 countries or more, or a year whose
# rows all come from the all-country Heiss & Kelley dataset (2001-2007, when the reports ranked fewer countries).
# Other years hold a subset (comparators, Watch List / Tier 3 lists): a map of them would paint most of the world
# "not in the data", so they are listed, not mapped.
MAP_MIN_COUNTRIES = 150
ALL_COUNTRY_DATASET = "dataset_heiss_kelley"
# How a placement is known (evidence_type), in words: the hover and the table name it beside the source's site.
EVIDENCE = {
    "direct_statement": N_("a copy of the report, or a news report, naming the tier"),
    "dataset_heiss_kelley": N_("the Heiss & Kelley tier dataset"),
    "cia_factbook_world_list": N_("the CIA World Factbook's Watch List and Tier 3 list"),
    "complete_tier_list_page": N_("a complete copy of the tier lists"),
    "multi_year_summary_statement": N_("a report statement covering several years"),
    "presidential_determination": N_("the presidential determination on Tier 3"),
    "inferred_from_remained_or_downgraded_statement": N_("inferred from a later report's \"remained\" or "
                                                         "\"downgraded\""),
    "inferred_absent_from_complete_WL_T3_list": N_("inferred: absent from the complete Watch List and Tier 3 "
                                                   "lists, so Tier 2 assumed"),
}
_TIER_COLUMNS = """t.report_year, t.country, t.iso3, t.tier, t.tier_rank, t.evidence_type, t.inferred, t.verified,
                   t.source_url, t.source_note"""


def _tier_select(where: str) -> str:
    """Tier rows with the State Department's narrative link where the release has one (NULL otherwise)."""
    if "ref_tip_narratives" in queries.tables():
        return f"""SELECT {_TIER_COLUMNS}, n.narrative_url FROM ref_tip_tiers t
                   LEFT JOIN ref_tip_narratives n USING (report_year, iso3) WHERE {where}"""
    return f"SELECT {_TIER_COLUMNS}, NULL::VARCHAR AS narrative_url FROM ref_tip_tiers t WHERE {where}"


@cached
def tier_history(iso3: str = "PAK") -> pd.DataFrame:
    """One country's tier in every report year the data holds, each with its evidence, source and narrative link."""
    if "ref_tip_tiers" not in queries.tables():
        return pd.DataFrame(columns=["report_year", "tier", "tier_rank", "inferred", "verified", "source_url",
                                     "narrative_url"])
    return _with_sources(db.fetch_df(_tier_select("t.iso3 = $iso3") + " ORDER BY t.report_year", {"iso3": iso3}))


@cached
def tier_coverage() -> pd.DataFrame:
    """Countries in the data per report year, and whether the year is complete enough to map (the rule above)."""
    if "ref_tip_tiers" not in queries.tables():
        return pd.DataFrame(columns=["report_year", "countries", "mapped"])
    return db.fetch_df("""
        SELECT report_year, count(*) AS countries,
               count(*) >= $least OR bool_and(evidence_type = $dataset) AS mapped
        FROM ref_tip_tiers GROUP BY report_year ORDER BY report_year""",
                       {"least": MAP_MIN_COUNTRIES, "dataset": ALL_COUNTRY_DATASET})


def tier_report_years() -> list[int]:
    return tier_coverage()["report_year"].astype(int).tolist()


def mapped_report_years() -> list[int]:
    coverage = tier_coverage()
    return coverage.loc[coverage["mapped"].astype(bool), "report_year"].astype(int).tolist()


@cached
def country_tiers(report_year: int) -> pd.DataFrame:
    if "ref_tip_tiers" not in queries.tables():
        return pd.DataFrame(columns=["iso3", "country", "tier", "tier_rank", "inferred", "verified", "source_url"])
    return _with_sources(db.fetch_df(_tier_select("t.report_year = $year") + " ORDER BY t.tier_rank, t.country",
                                     {"year": int(report_year)}))


def _with_sources(tiers: pd.DataFrame) -> pd.DataFrame:
    tiers["source"] = [f"{_(EVIDENCE[e]) if e in EVIDENCE else e} ({_host(u)})"
                       for e, u in zip(tiers["evidence_type"], tiers["source_url"], strict=True)]
    return tiers


# Published law-enforcement figures: the TIP Reports (as quoted) and UNODC's GLOTIP data ----------------------------

# Stage of the response -> the TIP Report indicators and the UNODC GLOTIP indicators that count it. Each indicator is
# its own definition: they share a panel, never a line.
STAGES = {  # the panel names are marked for the catalogue in published_charts.PANEL_NAMES
    "investigations": ("Investigations / offences", ("investigations", "investigations_ptpa", "investigations_ppc"),
                       ("unodc_offences",)),
    "prosecutions": ("Prosecutions", ("prosecutions",), ("unodc_persons_prosecuted",)),
    "convictions": ("Convictions", ("convictions",), ("unodc_persons_convicted",)),
    "victims": ("Victims identified / detected", ("victims_identified",), ("unodc_victims_detected",)),
}
# UNODC's own terms for its GLOTIP indicators (the row names of the UNODC Data Portal file the data cites).
UNODC_DEFINITIONS = {
    "unodc_offences": N_("Offences of trafficking in persons recorded by Pakistan's authorities"),
    "unodc_persons_prosecuted": N_("Persons prosecuted for trafficking in persons"),
    "unodc_persons_convicted": N_("Persons convicted of trafficking in persons"),
    "unodc_victims_detected": N_("Detected trafficking victims (all ages and sexes)"),
}
NOT_IN_DATA = N_("not in the data")
UNODC_SOURCE = "UNODC, Global Report on Trafficking in Persons data (GLOTIP), Pakistan's official figures"
# What kind of source a row is, from the tag its note starts with (first match wins), in words a reader can weigh.
_SOURCE_KINDS = (
    ("op-ed", N_("an op-ed paraphrasing the TIP Report")),
    ("letter to the editor", N_("a letter to the editor citing the State Department")),
    ("software project", N_("a software project's notes summarising the TIP Report")),
    ("quoted by news", N_("a news report quoting the TIP Report")),
    ("tip report text", N_("the TIP Report's own text")),
    ("unodc", N_("UNODC GLOTIP data, a copy of the UNODC Data Portal file")),
)


def source_label(kind: object, url: object) -> str:
    """Who published a figure, e.g. "an op-ed paraphrasing the TIP Report (sabahnews.net)"."""
    tag = "" if text.is_missing(kind) else str(kind)
    words = next((_(label) for key, label in _SOURCE_KINDS if key in tag.lower()), tag or _("source not named"))
    host = _host(url)
    return f"{words} ({host})" if host else words


def _host(url: object) -> str:
    return urlparse(url).netloc.removeprefix("www.") if isinstance(url, str) else ""


@cached
def published_figures() -> pd.DataFrame:
    """Every national figure for Pakistan's response the reference tables hold: TIP Report figures (as quoted, with
    who quoted them) and UNODC GLOTIP totals, one row per figure.

    ``year`` is the year the figure counts (not the report's year); ``series`` names one definition (indicator and
    what it counts), so a chart joins only figures of the same series; ``value`` is NA when a source gives none.
    """
    cols = ["stage", "series", "source_family", "definition", "year", "report_year", "value", "value_as_read",
            "verified", "source", "source_url", "source_note"]
    if "ref_tip_stats" not in queries.tables():
        return pd.DataFrame(columns=cols)
    stage_of = {i: stage for stage, (_, tip, unodc) in STAGES.items() for i in (*tip, *unodc)}
    df = db.fetch_df("""
        SELECT report_year, period_covered, indicator, value, value_as_read, breakdown, series, source_kind,
               verified, source_url, source_note
        FROM ref_tip_stats
        WHERE list_contains($indicators, indicator)
          -- UNODC's totals only: its sex/age and form splits are parts of the total, not other definitions
          AND (series <> 'unodc' OR breakdown LIKE 'all%')
        ORDER BY indicator, breakdown, period_covered""", {"indicators": list(stage_of)})
    df["stage"] = df["indicator"].map(stage_of)
    df["year"] = pd.to_numeric(df["period_covered"].str.extract(r"(\d{4})", expand=False), errors="coerce") \
        .astype("Int64")
    unodc = df["series"].eq("unodc")
    df["source_family"] = unodc.map({True: "UNODC GLOTIP", False: "US TIP Report"})
    df["definition"] = [_(UNODC_DEFINITIONS[i]) if u else f"{text.GOV_INDICATORS.get(i, i.replace('_', ' ')).lower()}"
                        f"{'' if text.is_missing(b) else ': ' + b}"
                        for i, b, u in zip(df["indicator"], df["breakdown"], unodc, strict=True)]
    df["series"] = df["source_family"] + " · " + df["definition"]
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("Float64")
    df["verified"] = df["verified"].astype(bool)
    df["source"] = [source_label(k, u) for k, u in zip(df["source_kind"], df["source_url"], strict=True)]
    return df[cols].reset_index(drop=True)


def figure_citations(figures: pd.DataFrame) -> pd.DataFrame:
    """Every figure as printed, with who published it, whether it is verified, and the link (the page's table)."""
    out = figures.sort_values(["stage", "year", "source_family"], kind="stable").copy()
    out["stage"] = out["stage"].map({k: _(v[0]) for k, v in STAGES.items()})
    out["figure"] = [text.NOT_AVAILABLE if text.is_missing(v) else i18n.number(float(v)) for v in out["value"]]
    out["status"] = [_("as published") if v else _("unverified") for v in out["verified"]]
    return out[["year", "stage", "figure", "status", "definition", "source", "report_year", "value_as_read",
                "source_note", "source_url"]].reset_index(drop=True)


def tip_figures_by_year(figures: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """A year × stage grid of the TIP Report figures: the figure ("unverified" when its source is), or "not in the
    data" when the reference tables hold none for that year (the report may give one: it was not found)."""
    tip = figures[figures["source_family"].eq("US TIP Report")]
    rows = []
    for year in sorted(set(years), reverse=True):
        row = {"year": int(year)}
        for stage in STAGES:
            hits = tip[(tip["year"] == year) & (tip["stage"] == stage) & tip["value"].notna()]
            row[stage] = _("; ").join(i18n.number(float(v)) + ("" if ok else " " + _("(unverified)"))
                                      for v, ok in zip(hits["value"], hits["verified"], strict=True)) \
                or _(NOT_IN_DATA)
        rows.append(row)
    return pd.DataFrame(rows, columns=["year", *STAGES])


# Estimated against reported ---------------------------------------------------------------------------------------

ESTIMATE_INDICATOR = "estimated number of people in modern slavery"


@cached
def slavery_estimates() -> pd.DataFrame:
    """Walk Free's Global Slavery Index estimates of people in modern slavery in Pakistan, per edition, with any
    range the data holds (none so far: ``low``/``high`` stay NA rather than being made up)."""
    cols = ["edition", "value", "low", "high", "verified", "source", "source_url", "source_note"]
    if "ref_context" not in queries.tables():
        return pd.DataFrame(columns=cols)
    df = db.fetch_df("""
        SELECT edition_or_year AS edition, value, verified, source_url, source_note
        FROM ref_context
        WHERE source_org LIKE 'Walk Free%' AND indicator = $indicator AND geography = 'Pakistan'
          AND value IS NOT NULL
        ORDER BY edition_or_year""", {"indicator": ESTIMATE_INDICATOR})
    bounds = db.fetch_df("""
        SELECT edition_or_year AS edition,
               max(value) FILTER (WHERE indicator ILIKE '%lower%') AS low,
               max(value) FILTER (WHERE indicator ILIKE '%upper%') AS high
        FROM ref_context WHERE source_org LIKE 'Walk Free%' AND indicator ILIKE '%modern slavery%'
        GROUP BY ALL""")
    df = df.merge(bounds, on="edition", how="left")
    source = _("Walk Free, Global Slavery Index {edition} (as reported by {host})")
    df["source"] = [source.format(edition=e, host=_host(u)) for e, u in zip(df["edition"], df["source_url"],
                                                                             strict=True)]
    return df[cols]
