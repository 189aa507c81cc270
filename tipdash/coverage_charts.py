"""Chart builders of the data coverage page: a DataFrame in, a plotly Figure out (and its tables in words). No
Streamlit here. Words are in the language of the run: the coverage queries' results hold codes and English words
(cached for every language), translated here."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tipdash import charts, i18n, privacy
from tipdash.coverage_queries import ARRIVED, FIELD_WORDS, UNCLEAR
from tipdash.i18n import _

ARRIVAL_COLOURS = {ARRIVED: "#0072B2", UNCLEAR: "#F2F2F2"}  # Okabe-Ito blue; a pale grey for "nothing seen"
# Agency names run to 55 characters: on one line they take a phone's whole width from the chart.
NAME_CHARS = 26


def agency_label(name: str) -> str:
    """An agency's name as a chart's axis shows it: on lines of at most NAME_CHARS characters."""
    return "<br>".join(textwrap.wrap(str(name), NAME_CHARS)) or str(name)


def arrival_heatmap(df: pd.DataFrame, period: str) -> go.Figure:
    """Agency x month: blue where the agency's records arrived beyond the noise, pale where none (or too few to
    tell). Hover gives the released count and its margin."""
    if df.empty:
        return charts.empty_figure(_("No agency in the release"))
    grid = df.assign(arrived=(df["status"] == ARRIVED).astype(int), name=df["name"].map(agency_label))
    z = grid.pivot(index="name", columns="month", values="arrived")
    hover = grid.assign(words=[
        _("{status}: {records} records {margin}").format(status=_(s), records=privacy.format_count(v),
                                                          margin=privacy.format_margin(m))
        for s, v, m in zip(grid["status"], grid["records"], grid[f"records{privacy.MOE_SUFFIX}"], strict=True)],
        when=[i18n.month_year(m) for m in grid["month"]])
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=pd.to_datetime(z.columns), y=list(z.index), zmin=0, zmax=1, showscale=False,
        colorscale=[[0, ARRIVAL_COLOURS[UNCLEAR]], [1, ARRIVAL_COLOURS[ARRIVED]]], xgap=1, ygap=2,
        customdata=np.stack([hover.pivot(index="name", columns="month", values=c).to_numpy()
                             for c in ("when", "words")], axis=-1),
        hovertemplate="%{y}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>"))
    for status, colour in ARRIVAL_COLOURS.items():  # a legend for the two colours
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=_("records: {status}").format(
            status=_(status)), marker=dict(size=12, symbol="square", color=colour, line=dict(color="#999", width=1))))
    fig.update_yaxes(autorange="reversed")
    # At most one tick a year, fewer where the chart is narrow (plotly spaces automatic ticks by the axis length).
    fig.update_xaxes(nticks=12, tickformat="%Y", showgrid=False)
    charts.base_layout(fig, _("Which agency's records arrived, month by month, {period}").format(period=period),
                       height=140 + 44 * z.shape[0])  # a row holds a name of up to 3 lines
    fig.update_layout(plot_bgcolor="white")
    return fig


def missing_share_bars(df: pd.DataFrame, period: str) -> go.Figure:
    """Share of each agency's records that leave a field unrecorded, one bar per field, with 95% margins. Shares
    whose base is too small to read are left out (the table beside says so)."""
    shown = df[df["share"].notna()]
    if shown.empty:
        return charts.empty_figure(_("Too few records to show any share"))
    fig = go.Figure()
    for i, (field, part) in enumerate(shown.groupby("field", sort=False)):
        name = _(FIELD_WORDS[field])
        fig.add_trace(go.Bar(
            y=part["name"].map(agency_label), x=part["share"].astype(float), name=name, orientation="h",
            marker_color=charts.CATEGORICAL[i % len(charts.CATEGORICAL)],
            error_x=dict(type="data", array=part[f"share{privacy.MOE_SUFFIX}"].astype(float), color="#555"),
            hovertemplate="%{y}<br>" + _("{field} not recorded: {share} ± {margin} pp").format(
                field=name, share="%{x:.1f}%", margin="%{error_x.array:.1f}") + "<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text=_("share of the agency's records (%)"), range=[0, 100], ticksuffix="%")
    fig.update_yaxes(autorange="reversed")
    charts.base_layout(fig, _("Records that leave a field unrecorded, by agency, {period}").format(period=period),
                       height=160 + 60 * shown["name"].nunique())
    return fig


def summary_in_words(summary: pd.DataFrame) -> pd.DataFrame:
    """The agency summary with its yes/no and latest month as words of the language of this run."""
    return summary.assign(
        files_received=[_("yes") if received else _("no") for received in summary["files_received"]],
        latest_month=[_("none beyond the noise") if pd.isna(m) else i18n.month_year(m)
                      for m in summary["latest_month"]])


def missing_in_words(missing: pd.DataFrame) -> pd.DataFrame:
    """The missing-fields table with each field named in the language of this run."""
    return missing.assign(field_name=[_(FIELD_WORDS[field]) for field in missing["field"]])
