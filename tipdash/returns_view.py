"""What agencies' aggregate returns report, shown beside the case-record counts (issue #13): a table and, where no
records exist, a funnel drawn from a return. Builders only: they return frames and figures and never draw.

The wording people see is in the constants below, in one place, marked for the Urdu catalogue and translated
where it is shown (:mod:`tipdash.i18n`).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tipdash import i18n, privacy
from tipdash.i18n import N_, _
from tipdash.returns_queries import MEASURES

COLOUR = "#8c6d31"  # none of the record funnel's stage colours: these bars are another source's counts

# User-visible wording -------------------------------------------------------------------------------------------
TITLE = N_("Reported by the agencies' own returns")
REPORTED_BY = N_("Reported by {agency}")
NOTE = N_("Counts agencies report in their returns, by area and period, as each return counts them (its own "
        "definitions and period): shown beside the case records, never added to them, since a case in a return may "
        "also be in the records. Published returns are shown as published, with their source; an agency's own "
        "unpublished return is protected like every count here (± is the 95% margin of its privacy noise). A "
        "figure given only as “{below}” is not added into a sum: the sum says how many such figures it leaves out. An "
        "unpublished return's victim counts are not released: one raid can free dozens of people, more than the "
        "privacy noise is set to hide. The offence, victim, scope and agency filters do not apply: a return gives no "
        "such breakdown.")
MEASURE_LABELS = {"cases": N_("Cases reported"), "firs": N_("FIRs"), "charge_sheets": N_("Charge sheets"),
                  "trials": N_("Trials concluded"), "convictions": N_("Convictions"),
                  "victims": N_("Victims identified"), "victims_referred": N_("Victims referred")}
COLUMN_STAGE = N_("Stage")
SOURCE_LINE = N_("**{agency}**: {covers}; {source}.")
PERIODS = {"month": N_("Monthly"), "year": N_("Annual")}
COVERS = N_("{period} return, {covers}")
COVERS_BY_DISTRICT = N_("{period} return, {covers} by district")
COVERS_SUMMED = N_("{period} return, {covers} by district: {areas} areas summed")
PUBLISHED = N_("published, shown as published: {citation}")
PROTECTED = N_("the agency's own return (not published), protected in this release")
NOT_GIVEN = N_("not given")
NOT_RELEASED = N_("not released")
BELOW = "<5"  # how the returns write a small figure (no words: the same in every language)
FLAGGED = "{flags} × " + BELOW
PLUS_FLAGGED = "{value} + {flags} × " + BELOW
FILLED_TITLE = N_("Reported by {agency}, {period}: the return's own counts, not case records")
AXIS = N_("Figures given in the return (those given only as “{below}” are not in the bars)")
FILLED_NOTE = N_("The case records hold no cases here, or too few to show, so this funnel is drawn from the return: "
               "its stages are the return's own counts, as the return gives them, not the records'.")


def _quoting_below(message: str) -> str:
    """A message that quotes how returns write a small figure, translated; "<5" kept left to right inside Urdu's
    right-to-left text (bare, it is drawn mirrored: "5>")."""
    return _(message).format(below=i18n.isolate(BELOW))


def note() -> str:
    """What the returns are and how they are shown."""
    return _quoting_below(NOTE)


def _cell(value, flags: int, moe) -> str:
    """One figure as shown: a published sum and how many "<5" figures it leaves out, or a protected sum ± margin."""
    flagged = int(flags or 0)
    if privacy.is_missing(value) and not flagged:
        return _(NOT_GIVEN)
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


def _covers(first: pd.Series) -> str:
    """What one return covers and how often: "Annual return, Punjab by district: 36 districts summed"."""
    areas = int(first["areas"])
    template = COVERS if not first["by_district"] else COVERS_SUMMED if areas > 1 else COVERS_BY_DISTRICT
    period = _(PERIODS[first["period"]]) if first["period"] in PERIODS else first["period"]
    return _(template).format(period=period, covers=i18n.place(first["covers"]), areas=areas)


def _returns(figures: pd.DataFrame):
    """Each return's rows, in the order given (published first)."""
    return figures.groupby("return_source", sort=False)


def summary_table(figures: pd.DataFrame) -> pd.DataFrame:
    """The stages down the side, as in the stage table beside it, and one column per return ("Reported by <agency>"):
    each figure as the return gives it. Stages no return gives are left out; a stage one return gives and another
    does not says so."""
    columns = {}
    for _source, part in _returns(figures):
        given = part.set_index("measure")
        gives = str(part["measures"].iloc[0]).split()
        columns[_(REPORTED_BY).format(agency=part["agency"].iloc[0])] = [
            _cell(given.at[m, "value"], given.at[m, "flags"], given.at[m, "moe"]) if m in given.index
            else _(NOT_RELEASED) if m in gives else _(NOT_GIVEN) for m in MEASURES]
    table = pd.DataFrame({_(COLUMN_STAGE): [_(MEASURE_LABELS[m]) for m in MEASURES], **columns})
    given_by_any = [any(m in str(g).split() for g in figures["measures"].unique()) for m in MEASURES]
    return table[given_by_any].reset_index(drop=True)


def sources_note(figures: pd.DataFrame) -> str:
    """One line per return: its agency, what it covers, and its source (the citation of a published return, or
    that it is the agency's own, protected); Markdown."""
    lines = []
    for _source, part in _returns(figures):
        first = part.iloc[0]
        source = _(PUBLISHED).format(citation=first["citation"]) if first["published"] else _(PROTECTED)
        link = f" ({first['url']})" if isinstance(first["url"], str) and first["url"] else ""
        lines.append(_(SOURCE_LINE).format(agency=first["agency"], covers=_covers(first), source=source + link))
    return "  \n".join(lines)


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
    # Bars, not a plotly funnel: a stage given only as "<5" figures has no width, and its label must still show.
    fig = go.Figure(go.Bar(y=[_(MEASURE_LABELS[m]) for m in part.index], x=part["value"].fillna(0).astype(float),
                           orientation="h", text=texts, textposition="outside", cliponaxis=False,
                           marker={"color": COLOUR}, hoverinfo="skip"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=_quoting_below(AXIS), rangemode="tozero")
    title = _(FILLED_TITLE).format(agency=chosen["agency"], period=period)
    fig.update_layout(title=dict(text=i18n.right_to_left(title), x=0.99 if i18n.is_urdu() else None,
                                 xanchor="right" if i18n.is_urdu() else None), height=360,
                      margin={"l": 10, "r": 90, "t": 60, "b": 10})
    return fig
