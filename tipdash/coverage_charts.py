"""Chart builders of the data coverage page: a DataFrame in, a plotly Figure out. No Streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tipdash import charts, privacy
from tipdash.coverage_queries import ARRIVED, UNCLEAR

ARRIVAL_COLOURS = {ARRIVED: "#0072B2", UNCLEAR: "#F2F2F2"}  # Okabe-Ito blue; a pale grey for "nothing seen"


def arrival_heatmap(df: pd.DataFrame, period: str) -> go.Figure:
    """Agency x month: blue where the agency's records arrived beyond the noise, pale where none (or too few to
    tell). Hover gives the released count and its margin."""
    if df.empty:
        return charts.empty_figure("No agency in the release")
    grid = df.assign(arrived=(df["status"] == ARRIVED).astype(int))
    z = grid.pivot(index="name", columns="month", values="arrived")
    hover = grid.assign(words=[f"{s}: {privacy.format_count(v)} records {privacy.format_margin(m)}"
                               for s, v, m in zip(grid["status"], grid["records"], grid[f"records{privacy.MOE_SUFFIX}"],
                                                  strict=True)]).pivot(index="name", columns="month", values="words")
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=pd.to_datetime(z.columns), y=list(z.index), zmin=0, zmax=1, showscale=False,
        colorscale=[[0, ARRIVAL_COLOURS[UNCLEAR]], [1, ARRIVAL_COLOURS[ARRIVED]]], xgap=1, ygap=2,
        customdata=hover.to_numpy(), hovertemplate="%{y}<br>%{x|%B %Y}<br>%{customdata}<extra></extra>"))
    for status, colour in ARRIVAL_COLOURS.items():  # a legend for the two colours
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"records: {status}",
                                 marker=dict(size=12, symbol="square", color=colour, line=dict(color="#999", width=1))))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(dtick="M12", tickformat="%Y", showgrid=False)
    charts.base_layout(fig, f"Which agency's records arrived, month by month, {period}",
                       height=140 + 34 * z.shape[0])
    fig.update_layout(plot_bgcolor="white")
    return fig


def missing_share_bars(df: pd.DataFrame, period: str) -> go.Figure:
    """Share of each agency's records that leave a field unrecorded, one bar per field, with 95% margins. Shares
    whose base is too small to read are left out (the table beside says so)."""
    shown = df[df["share"].notna()]
    if shown.empty:
        return charts.empty_figure("Too few records to show any share")
    fig = go.Figure()
    for i, (field, part) in enumerate(shown.groupby("field_name", sort=False)):
        fig.add_trace(go.Bar(
            y=part["name"], x=part["share"].astype(float), name=field, orientation="h",
            marker_color=charts.CATEGORICAL[i % len(charts.CATEGORICAL)],
            error_x=dict(type="data", array=part[f"share{privacy.MOE_SUFFIX}"].astype(float), color="#555"),
            hovertemplate="%{y}<br>" + field + " not recorded: %{x:.1f}% ± %{error_x.array:.1f} pp<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="share of the agency's records (%)", range=[0, 100], ticksuffix="%")
    fig.update_yaxes(autorange="reversed")
    charts.base_layout(fig, f"Records that leave a field unrecorded, by agency, {period}",
                       height=160 + 60 * shown["name"].nunique())
    return fig
