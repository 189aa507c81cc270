"""What agencies' aggregate returns report, shown beside the case-record counts (issue #13): a table and, where no
records exist, a funnel drawn from a return. Builders only: they return frames and figures and never draw.

The wording people see is in the constants below, in one place, for translation.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tipdash import privacy
from tipdash.returns_queries import MEASURES

# User-visible wording -------------------------------------------------------------------------------------------
TITLE = "Reported by the agencies' own returns"
REPORTED_BY = "Reported by {agency}"
NOTE = ("Counts agencies report in their returns, by area and period, as each return counts them (its own "
        "definitions and period): shown beside the case records, never added to them, since a case in a return may "
        "also be in the records. Published returns are shown as published, with their source; an agency's own "
        "unpublished return is protected like every count here (± is the 95% margin of its privacy noise). A "
        "figure given only as “<5” is not added into a sum: the sum says how many such figures it leaves out.")
MEASURE_LABELS = {"cases": "Cases reported", "firs": "FIRs", "charge_sheets": "Charge sheets",
                  "trials": "Trials concluded", "convictions": "Convictions", "victims": "Victims identified",
                  "victims_referred": "Victims referred"}
COLUMN_AGENCY, COLUMN_COVERS, COLUMN_SOURCE = "Reported by", "Return", "Source"
PERIODS = {"month": "Monthly", "year": "Annual"}
COVERS = "{period} return, {covers}"
COVERS_BY_DISTRICT = "{period} return, {covers} by district"
COVERS_SUMMED = "{period} return, {covers} by district: {areas} districts summed"
PUBLISHED = "published: {citation}"
PROTECTED = "the agency's own return (not published), protected in this release"
NOT_GIVEN = "not given"
NOT_RELEASED = "not released (an unpublished return's victim counts cannot be protected)"
FLAGGED = "{flags} × <5"
PLUS_FLAGGED = "{value} + {flags} × <5"
FILLED_TITLE = "From {agency}'s return, {period}: not case records"
FILLED_NOTE = ("The case records hold no cases here, or too few to show, so this funnel is drawn from the return: "
               "its stages are the return's own counts, as the return gives them, not the records'.")


def _cell(value, flags: int, moe) -> str:
    """One figure as shown: a published sum and how many "<5" figures it leaves out, or a protected sum ± margin."""
    flagged = int(flags or 0)
    if privacy.is_missing(value) and not flagged:
        return NOT_GIVEN
    if not privacy.is_missing(moe):  # protected: the display rule and the margin, like every released count
        shown = privacy.format_count(round(float(value))) if float(value) >= privacy.SHOW_BELOW \
            else privacy.SUPPRESSED_LABEL
        return f"{shown} ± {int(moe):,}"
    if privacy.is_missing(value):
        return FLAGGED.format(flags=flagged)
    if flagged and not value:
        return FLAGGED.format(flags=flagged)
    shown = f"{int(value):,}"
    return PLUS_FLAGGED.format(value=shown, flags=flagged) if flagged else shown


def summary_table(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per return: who reported, each stage measure it gives, and its source (the citation of a published
    return, or that it is protected)."""
    rows = []
    for (_, agency, published, citation), part in figures.groupby(
            ["return_source", "agency", "published", "citation"], dropna=False, sort=False):
        first = part.iloc[0]
        areas = int(first["areas"])
        template = COVERS if not first["by_district"] else COVERS_SUMMED if areas > 1 else COVERS_BY_DISTRICT
        covers = template.format(
            period=PERIODS.get(first["period"], first["period"]), covers=first["covers"], areas=areas)
        row = {COLUMN_AGENCY: agency, COLUMN_COVERS: covers}
        given = part.set_index("measure")
        gives = str(part["measures"].iloc[0]).split()
        for m in MEASURES:
            row[MEASURE_LABELS[m]] = _cell(given.at[m, "value"], given.at[m, "flags"], given.at[m, "moe"]) \
                if m in given.index else NOT_RELEASED if m in gives else NOT_GIVEN
        row[COLUMN_SOURCE] = PUBLISHED.format(citation=citation) if published else PROTECTED
        rows.append(row)
    return pd.DataFrame(rows, columns=[COLUMN_AGENCY, COLUMN_COVERS, *MEASURE_LABELS.values(), COLUMN_SOURCE])


def funnel_from_return(figures: pd.DataFrame, period: str) -> go.Figure | None:
    """The stages a return gives (cases reported to convictions), as a funnel labelled with the return: for an area
    and period whose case records are none or too few to show. The first published return that gives cases
    reported is used (published figures carry no noise), else the first protected one; None when none gives them."""
    stages = [m for m in MEASURES if m not in ("victims", "victims_referred")]
    usable = figures[(figures["measure"] == "cases") & figures["value"].notna()]
    if usable.empty:
        return None
    chosen = usable.sort_values("published", ascending=False, kind="stable").iloc[0]
    part = figures[(figures["return_source"] == chosen["return_source"]) & figures["measure"].isin(stages)]
    part = part.set_index("measure").reindex([m for m in stages if m in set(part["measure"])])
    texts = [_cell(v, fl, moe) for v, fl, moe in zip(part["value"], part["flags"], part["moe"], strict=True)]
    fig = go.Figure(go.Funnel(y=[MEASURE_LABELS[m] for m in part.index], x=part["value"].fillna(0).astype(float),
                              text=texts, textinfo="text", marker={"color": "#8c6d31"}))
    fig.update_layout(title=FILLED_TITLE.format(agency=chosen["agency"], period=period), height=360,
                      margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig
