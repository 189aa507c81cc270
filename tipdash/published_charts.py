"""Charts of published facts (TIP tiers, figures quoted from the TIP Reports, UNODC GLOTIP, Walk Free's estimate):
a DataFrame from :mod:`tipdash.reference_facts` in, a plotly Figure out. No Streamlit here.

Every point names its own source in its hover (who published it, and "unverified" when the source is), the
subtitle says where the sources are listed, and lines join only consecutive years of one definition: a gap or a
change of definition breaks the line.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tipdash import i18n, reference_facts, text
from tipdash.charts import TIER_COLOURS, base_layout, empty_figure, mark_source, top_margin
from tipdash.i18n import N_, _

TIERS = ["Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3"]
FAMILY_STYLE = {  # source family -> colour and marker (Okabe-Ito blue and vermilion)
    "US TIP Report": ("#0072B2", "circle"),
    "UNODC GLOTIP": ("#D55E00", "square"),
}
# The source families' names in the legend (UNODC's data set keeps its own name).
FAMILY_NAMES = {"US TIP Report": N_("US TIP Report"), "UNODC GLOTIP": N_("UNODC GLOTIP")}
TIER_SOURCES = N_("Sources: per placement (hover; table below)")
FIGURE_SOURCES = N_("Sources: per figure (hover; table below)")
# reference_facts.STAGES' panel names, for the catalogue (the names are shown translated).
PANEL_NAMES = (N_("Investigations / offences"), N_("Prosecutions"), N_("Convictions"),
               N_("Victims identified / detected"))


def large_numbers() -> str:
    """An axis's number format: "10k", "1.5M" in English; in Urdu whole numbers with separators, not Latin
    letters."""
    return ",.0f" if i18n.is_urdu() else "~s"


def broken_line(years: pd.Series, values: pd.Series) -> tuple[list, list]:
    """x and y of one series with a None wherever a year is skipped, so plotly breaks the line there."""
    xs: list = []
    ys: list = []
    for year, value in sorted(zip(years.astype(int), values, strict=True)):
        if xs and year != xs[-1] + 1:
            xs.append(None)
            ys.append(None)
        xs.append(year)
        ys.append(None if text.is_missing(value) else float(value))
    return xs, ys


def tier_timeline(df: pd.DataFrame, country: str = "Pakistan", height: int = 320) -> go.Figure:
    """The country's tier in each report year: filled markers for placements the sources state, hollow for
    inferred or unverified ones; each hover names its source."""
    if df.empty:
        return empty_figure(_("No TIP report tiers in the release"))
    country = i18n.place(country)
    ranks = {t: i + 1 for i, t in enumerate(TIERS)}
    df = df[df["tier"].isin(TIERS)]
    fig = go.Figure()
    xs, ys = broken_line(df["report_year"], df["tier"].map(ranks))
    fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(shape="hv", color="#999", width=2), hoverinfo="skip",
                    showlegend=False, connectgaps=False)
    for tier in TIERS:
        part = df[df["tier"] == tier]
        if part.empty:
            continue
        solid = [bool(v) for v in part["verified"]] if "verified" in part else [True] * len(part)
        hover = [_("{year} TIP report: {country} {tier}").format(year=int(r.report_year), country=country,
                                                                   tier=text.tier(tier))
                 + ("" if ok else " " + _("(inferred or unverified)"))
                 + "<br>" + _("Source: {source}").format(source=r.source)
                 for r, ok in zip(part.itertuples(), solid, strict=True)]
        colour = TIER_COLOURS[tier]
        fig.add_scatter(x=part["report_year"], y=[ranks[tier]] * len(part), mode="markers", name=text.tier(tier),
                        marker=dict(size=16, color=[colour if ok else "white" for ok in solid],
                                    symbol=["circle" if ok else "circle-open" for ok in solid],
                                    line=dict(color=colour, width=2.5)),
                        customdata=hover, hovertemplate="%{customdata}<extra></extra>")
    years = text.period(int(df["report_year"].min()), int(df["report_year"].max()))
    base_layout(fig, _("{country}'s tier in the US TIP report, {years} (hollow = inferred or unverified)").format(
        country=country, years=years), height=height, legend=False, title_chars=60)
    fig.update_yaxes(tickvals=list(ranks.values()), ticktext=[i18n.right_to_left(text.tier(t)) for t in TIERS],
                     range=[4.5, 0.5], title_text="")
    # No fixed tick angle: plotly turns the years when a narrow screen has no room for them side by side.
    fig.update_xaxes(dtick=1 if len(df) <= 6 else (2 if len(df) <= 14 else 5), title_text=_("Report year"),
                     tickformat="d")
    return mark_source(fig, _(TIER_SOURCES))


def published_figures(df: pd.DataFrame, height: int = 480) -> go.Figure:
    """One panel per stage (investigations, prosecutions, convictions, victims), TIP Report figures beside UNODC's;
    one trace per definition; hollow markers for unverified figures; lines only across consecutive years."""
    if df.empty:
        return empty_figure(_("No published figures in the release"))
    stages = [s for s in reference_facts.STAGES if s in set(df["stage"])]
    names = [_(reference_facts.STAGES[s][0]) for s in stages]
    rows = math.ceil(len(stages) / 2)
    fig = make_subplots(rows=rows, cols=2, shared_xaxes=True, subplot_titles=names, vertical_spacing=0.16,
                        horizontal_spacing=0.12)
    shown_families: set[str] = set()
    for i, stage in enumerate(stages):
        for series, part in df[df["stage"] == stage].groupby("series", sort=False):
            family = part["source_family"].iloc[0]
            colour, symbol = FAMILY_STYLE.get(family, ("#555555", "diamond"))
            part = part.dropna(subset=["year"]).sort_values("year")
            xs, ys = broken_line(part["year"], part["value"])
            by_year = {int(r.year): r for r in part.itertuples()}
            hover, symbols = [], []
            for x in xs:
                r = by_year.get(x)
                if r is None:
                    hover.append("")
                    symbols.append(symbol)
                    continue
                figure = text.NOT_AVAILABLE if text.is_missing(r.value) else i18n.number(float(r.value))
                hover.append(f"<b>{figure}</b> " + _("in {year}").format(year=x)
                             + ("" if r.verified else " " + _("(unverified)")) + f"<br>{r.definition}<br>"
                             + _("Source: {source}").format(source=r.source))
                symbols.append(symbol if r.verified else f"{symbol}-open")
            fig.add_scatter(x=xs, y=ys, mode="lines+markers",
                            name=i18n.right_to_left(_(FAMILY_NAMES.get(family, family))),
                            legendgroup=family,
                            showlegend=family not in shown_families, connectgaps=False,
                            line=dict(color=colour, width=2), meta=series,
                            marker=dict(size=9, color=colour, symbol=symbols, line=dict(color=colour, width=2)),
                            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                            row=i // 2 + 1, col=i % 2 + 1)
            shown_families.add(family)
    years = df["year"].dropna().astype(int)
    base_layout(fig, _("Pakistan's published figures, {years} (year counted; hollow = unverified)").format(
        years=text.period(years.min(), years.max())), height=height, title_chars=56)
    fig.update_yaxes(tickformat=large_numbers(), rangemode="tozero")
    fig.update_xaxes(dtick=5, tickformat="d", range=[years.min() - 0.8, years.max() + 0.8])
    fig.update_annotations(font_size=14)
    fig.update_layout(margin_t=top_margin(fig) + 24)  # the legend sits at the foot (base_layout)
    return mark_source(fig, _(FIGURE_SOURCES))


def estimated_against_reported(estimates: pd.DataFrame, reported: pd.DataFrame, height: int = 320) -> go.Figure:
    """Walk Free's latest estimate of people in modern slavery beside the victims identified each year (bars, one
    scale, each with its share of the estimate), with the estimate's range when the data holds one."""
    if estimates.empty or reported.empty:
        return empty_figure(_("No estimate or no reported victims in the release"))
    latest = estimates.iloc[-1]
    estimate = float(latest["value"])
    source = _("Source: {source}")
    rows = [(_("Estimated, Global Slavery Index {edition}").format(edition=latest["edition"]), estimate,
             i18n.number(estimate), _("{n} estimated in modern slavery").format(n=i18n.number(estimate)) + "<br>"
             + source.format(source=latest["source"]), "#999999")]
    for r in reported.dropna(subset=["value", "year"]).sort_values(["year", "source_family"]).itertuples():
        value = float(r.value)
        share = _("{share} of the estimate").format(share=text.percent(value / estimate * 100))
        shown = "{n} ({share})" if r.verified else _("{n} ({share}, unverified)")
        first = "{n}: {share}" if r.verified else _("{n}, unverified: {share}")
        label = _("Identified {year} (UNODC)") if r.source_family == "UNODC GLOTIP" else \
            _("Identified {year} (TIP Report)")
        rows.append((label.format(year=int(r.year)), value, shown.format(n=i18n.number(value), share=share),
                     first.format(n=i18n.number(value), share=share) + f"<br>{r.definition}<br>"
                     + source.format(source=r.source),
                     _bar_colour(r.source_family, bool(r.verified))))
    labels, values, shown, hover, colours = map(list, zip(*rows, strict=True))
    has_range = not (text.is_missing(latest["low"]) or text.is_missing(latest["high"]))
    error = dict(type="data", symmetric=False, array=[float(latest["high"]) - estimate] + [0] * (len(rows) - 1),
                 arrayminus=[estimate - float(latest["low"])] + [0] * (len(rows) - 1)) if has_range else None
    fig = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker_color=colours, customdata=hover,
                           hovertemplate="%{customdata}<extra></extra>", error_x=error, text=shown,
                           textposition="outside", cliponaxis=False))
    base_layout(fig, _("Estimated victims of modern slavery against victims identified by the authorities"),
                height=height, legend=False, title_chars=90)
    fig.update_yaxes(autorange="reversed", title_text="")
    fig.update_xaxes(title_text=_("people"), tickformat=large_numbers(), range=[0, max(values) * 1.3])
    sources = _("Estimate: {source} · identified: per bar (hover)") if has_range else \
        _("Estimate: {source} (no range published in the data) · identified: per bar (hover)")
    return mark_source(fig, sources.format(source=latest["source"]))


def _bar_colour(family: str, verified: bool) -> str:
    colour = FAMILY_STYLE.get(family, ("#555555", ""))[0]
    return colour if verified else colour + "66"  # unverified: the same hue, faded
