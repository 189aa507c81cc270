"""Chart builders: a DataFrame in, a plotly Figure out. No Streamlit here.

Conventions every builder keeps:
* colour-blind-safe colours (Okabe–Ito for categories, ColorBrewer sequential/diverging scales);
* thousands separators, the unit and the period in every title, hover text in plain words;
* a small released count is never drawn as 0 or as its noisy value: it is a hatched stub at the display threshold
  labelled "<10"
  (bars) or a hollow marker labelled "<10" (lines), and its hover says why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from tipcore import catalogue
from tipdash import i18n, privacy, text
from tipdash.i18n import N_, _
from tipdash.privacy import MOE_SUFFIX

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SEQUENTIAL = "YlGnBu"  # ColorBrewer, colour-blind safe; counts and rates
DIVERGING = "PuOr_r"  # ColorBrewer; purple = fewer, orange = more
SUPPRESSED_COLOUR = "#BDBDBD"
TEXT_COLOUR = "#262730"
FONT = dict(family="Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif", size=14, color=TEXT_COLOUR)
THRESHOLD = privacy.SHOW_BELOW
DEMO_MARK = N_("Synthetic demo data")
TIP_REPORTS = N_("Source: US Department of State, Trafficking in Persons Reports")
NOT_AVAILABLE_SHORT = N_("n/a")  # where "not available" does not fit: a bar's label, a hover's share

TIER_ORDER = ["Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3", "Special case"]
TIER_COLOURS = {  # Okabe–Ito, from best to worst
    "Tier 1": "#009E73", "Tier 2": "#56B4E9", "Tier 2 Watch List": "#E69F00", "Tier 3": "#D55E00",
    "Special case": "#999999",
}
MEASURE_COLOURS = {
    "cases": CATEGORICAL[0], "victims": CATEGORICAL[4], "firs": CATEGORICAL[1], "charge_sheets": CATEGORICAL[2],
    "trials": CATEGORICAL[3], "convictions": CATEGORICAL[5],
}
# Scorecard bands: one palette for page, map and slide (Okabe–Ito); grey for the districts a band cannot be given.
BAND_COLOURS = {"Band 1": "#009E73", "Band 2": "#56B4E9", "Band 2 watch list": "#E69F00", "Band 3": "#D55E00",
                "Band unclear (within margin)": "#CBC3E3"}
MEASURE_COLOURS |= {f"period_{k}": MEASURE_COLOURS[k] for k in ("firs", "charge_sheets", "trials", "convictions")}


def _template() -> go.layout.Template:
    """plotly_white, cut to the trace types the dashboard draws.

    Every figure deep-copies and re-validates its template. The full plotly_white (defaults for 24 trace types) cost
    about 75 ms per figure, most of a cached page rerun's server time; this one draws the same and costs about 2 ms.
    """
    white = pio.templates["plotly_white"]
    return go.layout.Template(layout=white.layout, data={kind: white.data[kind] for kind in
                                                         ("bar", "scatter", "scattermap", "choroplethmap")})


pio.templates["tipdash"] = _template()
pio.templates.default = "tipdash"  # go.Figure() would otherwise copy the full "plotly" template first


def plotly_config(filename: str = "tip-dashboard-chart") -> dict:
    """Modebar with a PNG export sized for slides (1600×900 at 2×)."""
    return {
        "displaylogo": False,
        # The wheel scrolls the page, not a map under the pointer (zoom stays on the modebar's + and -).
        "scrollZoom": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "width": 1600, "height": 900, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    }


# Characters of a 16 px title line that fit a chart on a 390 px phone (about 350 px wide, 7 px a character).
PHONE_TITLE_CHARS = 44


def wrap_title(title: str, width: int) -> str:
    """Break a long title into lines at word boundaries (plotly never wraps titles itself); in Urdu each line reads
    right to left (a title wrapped before is unwrapped first)."""
    for mark in i18n.RTL_EMBEDDING:
        title = title.replace(mark, "")
    lines, line = [], ""
    for word in title.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(i18n.right_to_left(line) for line in lines)


def top_margin(fig: go.Figure) -> int:
    lines = (fig.layout.title.text or "").count("<br>") + 1 if fig.layout.title.text else 0
    subtitle = 20 if fig.layout.title.subtitle.text else 0
    legend = 46 if fig.layout.showlegend and fig.layout.legend.y is not None and fig.layout.legend.y > 0.9 else 0
    return 16 + 22 * lines + subtitle + legend


def base_layout(fig: go.Figure, title: str, height: int = 420, legend: bool = True,
                title_chars: int = 64) -> go.Figure:
    """Shared look: title top-left (wrapped), legend at the foot of the figure, thousands separators.

    The legend is placed against the figure (``yref="container"``), not the plot: plotly then widens the bottom
    margin to fit it however many rows it wraps to, so at any screen width it never runs into the title.
    Titles wrap at ``title_chars``, and never later than :data:`PHONE_TITLE_CHARS`: plotly cuts off a title wider
    than the chart, and the server does not know the screen.
    """
    fig.update_layout(
        title=dict(text=wrap_title(title, min(title_chars, PHONE_TITLE_CHARS)), x=0.99 if i18n.is_urdu() else 0.01,
                   xanchor="right" if i18n.is_urdu() else "left", y=1, yref="container", yanchor="top",
                   pad=dict(t=10), font=dict(size=16)),
        font=FONT,
        height=height,
        separators=".,",  # decimal point, thousands comma
        hoverlabel=dict(font_size=14, bgcolor="white"),
        showlegend=legend,
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0, xanchor="left", title_text=""),
    )
    fig.update_layout(margin=dict(l=10, r=20, t=top_margin(fig), b=10))
    return fig


def mark_demo(fig: go.Figure) -> go.Figure:
    """Stamp the figure (and so every PNG exported from it) as synthetic demo data, under its title.

    Not a figure of published facts (TIP tiers, government figures): those are real whatever the case data.
    """
    if fig.layout.title.subtitle.text == _(DEMO_MARK) or _meta(fig).get("source"):
        return fig
    return _subtitle(fig, _(DEMO_MARK), "#9C4A00")


def suppressed_hover() -> str:
    """What a hover says of a small released value."""
    return _("fewer than {n} (a small released value, shown without its number)").format(n=THRESHOLD)


def mark_source(fig: go.Figure, source: str) -> go.Figure:
    """Name the source of a figure of published facts under its title (and in every PNG exported from it)."""
    fig.update_layout(meta=_meta(fig) | {"source": source})
    return _subtitle(fig, source, "#555")


def _subtitle(fig: go.Figure, line: str, colour: str) -> go.Figure:
    fig.update_layout(title_subtitle=dict(text=line, font=dict(size=13, color=colour)),
                      margin_t=(fig.layout.margin.t or 0) + 20)
    return fig


def _meta(fig: go.Figure) -> dict:
    return dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}


def empty_figure(message: str, height: int = 300) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=16, color="#555"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, "", height=height, legend=False)


def count_labels(values: pd.Series) -> list[str]:
    return [text.count(v) for v in values]


def _margins(df: pd.DataFrame, key: str, shown: list) -> tuple[dict | None, list[str]]:
    """Error bars (95% margins of the release's noise) for the plotted points, and "± n" for their hovers."""
    col = key + MOE_SUFFIX
    if col not in df:
        return None, [""] * len(df)
    moe = [None if text.is_missing(m) or v is None else float(m) for m, v in zip(df[col], shown, strict=True)]
    hover = ["" if m is None else f" (± {i18n.number(m)})" for m in moe]
    bars = dict(type="data", array=[m or 0 for m in moe], visible=True, thickness=1.2, width=3)
    return bars, hover


def _split(values: pd.Series) -> tuple[list, list]:
    """Plot values (None where under the threshold) and the stub heights (the threshold there)."""
    shown = [None if text.is_missing(v) else float(v) for v in values]
    stubs = [THRESHOLD if text.is_missing(v) else None for v in values]
    return shown, stubs


def _count_axis(top: float, headroom: float | None = None) -> dict:
    """Axis settings for case counts whose largest plotted value (suppressed stubs included) is ``top``.

    Shown counts are 0 or at least the threshold, so a small ``top`` means nothing above zero: plotly would then
    span 0-1 and the integer format would label it 0, 0, 1, 1. One tick per case instead. ``headroom`` widens
    the range for value labels printed beyond the bars.
    """
    axis = dict(tickformat=",d", rangemode="tozero")
    if top < THRESHOLD:
        axis["dtick"] = 1
    if headroom is not None or top <= 0:
        axis["range"] = [0, max(top, 1) * (headroom or 1)]
    return axis


def _top(*series: Sequence) -> float:
    return max([v for values in series for v in values if v is not None], default=0)


# Time series -------------------------------------------------------------------------------------------------


def trend_lines(df: pd.DataFrame, measures: Sequence[str], grain: str, period: str, title: str | None = None) \
        -> go.Figure:
    """Released counts over time with their margins, one line per measure; small ones are hollow markers at "<10"."""
    fig = go.Figure()
    x = df["period"]
    x_hover = x.dt.strftime("%Y") if grain == "year" else [i18n.month_year(m) for m in x]
    top = 0.0
    for i, key in enumerate(measures):
        if key not in df:
            continue
        colour = MEASURE_COLOURS.get(key, CATEGORICAL[i % len(CATEGORICAL)])
        shown, stubs = _split(df[key])
        top = max(top, _top(shown, stubs))
        bars, plus_minus = _margins(df, key, shown)
        labels = [f"{c}{pm}" for c, pm in zip(count_labels(df[key]), plus_minus, strict=True)]
        fig.add_scatter(
            x=x, y=shown, name=text.short(key), mode="lines+markers", line=dict(color=colour, width=2.5),
            marker=dict(size=6 if grain == "month" else 8), customdata=list(zip(x_hover, labels, strict=True)),
            hovertemplate=f"%{{customdata[0]}}: %{{customdata[1]}} {text.label(key)}<extra></extra>",
            connectgaps=False, error_y=bars if grain == "year" else None,  # monthly bars would smear the line
        )
        if any(s is not None for s in stubs):
            fig.add_scatter(
                # By month, a "<10" label on every small month smears into a black band: markers only (the
                # hover and the legend say what they are).
                x=x, y=stubs, mode="markers+text" if grain == "year" else "markers",
                text=[text.SUPPRESSED if s else "" for s in stubs],
                textposition="top center", marker=dict(symbol="circle-open", size=9, color=colour),
                name=_("{measure}: fewer than {n}").format(measure=text.short(key), n=THRESHOLD),
                showlegend=grain == "month", customdata=x_hover,
                hovertemplate=f"%{{customdata}}: {text.label(key)} {suppressed_hover()}<extra></extra>",
            )
    default_title = _("Cases over time, per year, {period}") if grain == "year" else \
        _("Cases over time, per month, {period}")
    base_layout(fig, title or default_title.format(period=period), title_chars=58)
    fig.update_yaxes(title_text=_("Number of cases"), **_count_axis(top))
    happened = any(k in catalogue.PERIOD for k in measures if k in df)  # steps counted in the year they happened
    fig.update_xaxes(title_text=(_("Year") if happened else _("Year reported")) if grain == "year"
                     else _("Month reported"),
                     dtick="M12" if grain == "year" else None, tickformat="%Y" if grain == "year" else "%b %Y")
    return fig


# Bars -------------------------------------------------------------------------------------------------------


def ranked_bars(df: pd.DataFrame, value: str, label: str, title: str, value_name: str,
                height: int | None = None, percent: bool = False, colour: str = CATEGORICAL[0]) -> go.Figure:
    """Horizontal bars, largest at the top. Counts: suppressed as "<10" stubs. Percentages: missing as "n/a"."""
    df = df.reset_index(drop=True)
    labels = df[label].astype(str).tolist()
    if percent:
        values = [None if text.is_missing(v) else float(v) for v in df[value]]
        texts = [text.percent(v) for v in df[value]]
        stubs = [None] * len(df)
        bars, plus_minus = _margins(df, value, values)
        points = " " + _("points") + ")"
        hovers = [f"{t}{pm.replace(')', points)}" for t, pm in zip(texts, plus_minus, strict=True)]
    else:
        values, stubs = _split(df[value])
        texts = count_labels(df[value])
        bars, plus_minus = _margins(df, value, values)
        hovers = [f"{t}{pm}" for t, pm in zip(texts, plus_minus, strict=True)]
    fig = go.Figure()
    fig.add_bar(
        y=labels, x=values, orientation="h", marker_color=colour, name=value_name,
        text=[t if v is not None else "" for t, v in zip(texts, values, strict=True)], textposition="outside",
        cliponaxis=False, customdata=hovers, hovertemplate=f"%{{y}}: %{{customdata}} {value_name}<extra></extra>",
        error_x=bars,
    )
    if any(s is not None for s in stubs):
        fig.add_bar(
            y=labels, x=stubs, orientation="h", name=_("Fewer than {n}").format(n=THRESHOLD),
            marker=dict(color=SUPPRESSED_COLOUR, pattern=dict(shape="/")), text=[
                text.SUPPRESSED if s else "" for s in stubs], textposition="outside", cliponaxis=False,
            hovertemplate=f"%{{y}}: {value_name} {suppressed_hover()}<extra></extra>",
        )
    if percent and any(v is None for v in values):
        fig.add_scatter(
            y=[lab for lab, v in zip(labels, values, strict=True) if v is None],
            x=[0] * sum(v is None for v in values), mode="text", text=text.NOT_AVAILABLE, textposition="middle right",
            showlegend=False, hoverinfo="skip",
        )
    base_layout(fig, title, height=height or max(260, 90 + 30 * len(df)), legend=False, title_chars=46)
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_yaxes(autorange="reversed", automargin=True)
    if percent:
        fig.update_xaxes(tickformat=".0f", rangemode="tozero", range=[0, 118], title_text=value_name)
    else:
        fig.update_xaxes(title_text=value_name, **_count_axis(_top(values, stubs), headroom=1.22))
    return fig


def rate_over_time(df: pd.DataFrame, rate: str, title: str, complete: Sequence[bool] | None = None,
                   height: int = 380) -> go.Figure:
    """A rate by year with its 95% margin as error bars. Years whose cohort is not complete (``complete`` False)
    are drawn apart, hollow and grey under a "still in court" label, and not joined to the complete ones."""
    x = df["period"]
    values = [None if text.is_missing(v) else float(v) for v in df[rate]]
    bars, plus_minus = _margins(df, rate, values)
    done = [True] * len(df) if complete is None else [bool(c) for c in complete]
    points = " " + _("points") + ")"
    labels = [f"{text.percent(v)}{pm.replace(')', points)}" for v, pm in zip(df[rate], plus_minus, strict=True)]
    if "share_in_court" in df:  # a cohort: how much of it still waits for a verdict
        awaiting = _("{share} of its charge-sheeted cases await a verdict")
        labels = [f"{lab}<br>{awaiting.format(share=text.percent(w))}"
                  if not text.is_missing(w) else lab for lab, w in zip(labels, df["share_in_court"], strict=True)]
    fig = go.Figure()
    for finished in (True, False):
        keep = [d == finished for d in done]
        if not any(keep):
            continue
        fig.add_scatter(
            x=[v for v, k in zip(x, keep, strict=True) if k],
            y=[v for v, k in zip(values, keep, strict=True) if k],
            name=text.short(rate) if finished else text.short(rate) + _(", ") + text.STILL_IN_COURT,
            mode="lines+markers" if finished else "markers",
            line=dict(color=CATEGORICAL[0], width=2.5),
            marker=dict(size=9, color=CATEGORICAL[0] if finished else "white",
                        line=dict(color=CATEGORICAL[0] if finished else SUPPRESSED_COLOUR, width=2)),
            error_y=None if bars is None else dict(bars, array=[a for a, k in zip(bars["array"], keep, strict=True)
                                                                 if k], color=None if finished else
                                                   SUPPRESSED_COLOUR),
            customdata=[lab for lab, k in zip(labels, keep, strict=True) if k], connectgaps=False,
            hovertemplate="%{x|%Y}: %{customdata}" + ("" if finished else f" ({text.STILL_IN_COURT})")
                          + "<extra></extra>",
        )
    pending = [v for v, d in zip(x, done, strict=True) if not d]
    for i, year in enumerate(pending):  # one band per year: a complete year between two open ones stays clear
        fig.add_vrect(x0=year - pd.Timedelta(days=182), x1=year + pd.Timedelta(days=182), fillcolor=SUPPRESSED_COLOUR,
                      opacity=0.18, line_width=0, annotation_text=text.STILL_IN_COURT if i == len(pending) - 1 else "",
                      annotation_position="top right")
    base_layout(fig, title, height=height, title_chars=58)
    fig.update_yaxes(title_text="%", range=[0, 105], tickformat=".0f")
    fig.update_xaxes(dtick="M12", tickformat="%Y")
    return fig


def grouped_bars(df: pd.DataFrame, category: str, series: Sequence[str], series_names: Sequence[str],
                 title: str, axis_title: str, percent: bool = True, height: int = 380) -> go.Figure:
    """Bars for several series per category (e.g. district vs province vs Pakistan); missing shown as "n/a"."""
    fig = go.Figure()
    for i, (col, name) in enumerate(zip(series, series_names, strict=True)):
        vals = [None if text.is_missing(v) else float(v) for v in df[col]]
        if percent:
            labels = [text.percent(v, missing=_(NOT_AVAILABLE_SHORT)) for v in df[col]]
        else:
            labels = [text.rate(v, missing=_(NOT_AVAILABLE_SHORT)) for v in df[col]]
        fig.add_bar(x=df[category], y=vals, name=name, marker_color=CATEGORICAL[i % len(CATEGORICAL)],
                    text=labels, textposition="outside", cliponaxis=False, customdata=labels,
                    hovertemplate=f"{name}, %{{x}}: %{{customdata}}<extra></extra>")
    base_layout(fig, title, height=height, title_chars=60)
    fig.update_layout(barmode="group", bargap=0.2, uniformtext=dict(minsize=10, mode="hide"))
    fig.update_yaxes(title_text=axis_title, rangemode="tozero", range=[0, 110] if percent else None,
                     tickformat=".0f" if percent else ",.1f")
    return fig


def count_columns(df: pd.DataFrame, category: str, value: str, title: str, value_name: str,
                  height: int = 340, colour: str = CATEGORICAL[0]) -> go.Figure:
    """Vertical bars of protected counts in a fixed order (bins, outcomes); suppressed as "<10" stubs."""
    shown, stubs = _split(df[value])
    labels = count_labels(df[value])
    categories = [wrap_title(str(c), 12) for c in df[category]]  # two short lines read better than a slant
    fig = go.Figure()
    fig.add_bar(x=categories, y=shown, marker_color=colour, name=value_name,
                text=[t if s is not None else "" for t, s in zip(labels, shown, strict=True)],
                textposition="outside", cliponaxis=False, customdata=labels,
                hovertemplate=f"%{{x}}: %{{customdata}} {value_name}<extra></extra>")
    if any(s is not None for s in stubs):
        fig.add_bar(x=categories, y=stubs, name=_("Fewer than {n}").format(n=THRESHOLD),
                    marker=dict(color=SUPPRESSED_COLOUR, pattern=dict(shape="/")),
                    text=[text.SUPPRESSED if s else "" for s in stubs], textposition="outside", cliponaxis=False,
                    hovertemplate=f"%{{x}}: {value_name} {suppressed_hover()}<extra></extra>")
    base_layout(fig, title, height=height, legend=False, title_chars=52)
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(title_text=value_name[:1].upper() + value_name[1:], **_count_axis(_top(shown, stubs)))
    fig.update_xaxes(type="category", tickangle=0)
    return fig


def victim_profile(df: pd.DataFrame, title: str, height: int = 360) -> go.Figure:
    """Victims by age band (x) and sex (colour), protected counts. An absent combination is a true 0."""
    fig = go.Figure()
    bands = list(dict.fromkeys(df["age_band"]))
    top = 0.0
    cells = {(r.sex, r.age_band): r.victims for r in df.itertuples()}
    for i, sex in enumerate(dict.fromkeys(df["sex"])):
        values = pd.Series([cells.get((sex, b), 0) for b in bands], dtype="Int64")
        shown, stubs = _split(values)
        top = max(top, _top(shown, stubs))
        name = text.SEXES.get(sex, sex)
        colour = CATEGORICAL[i % len(CATEGORICAL)]
        fig.add_bar(x=bands, y=[s if s is not None else t for s, t in zip(shown, stubs, strict=True)], name=name,
                    marker=dict(color=colour, pattern=dict(shape=["/" if t else "" for t in stubs])),
                    customdata=count_labels(values),
                    hovertemplate=_("{sex}, aged {age}: {n} victims").format(
                        sex=name, age="%{x}", n="%{customdata}") + "<extra></extra>")
    base_layout(fig, title, height=height, title_chars=52)
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text=_("Age band (years)"), type="category")
    fig.update_yaxes(title_text=_("Victims"), **_count_axis(top))
    return fig


# The conviction gap -------------------------------------------------------------------------------------------


def funnel(df: pd.DataFrame, period: str, height: int = 360, complete: bool = True) -> go.Figure:
    """Reported -> convicted as left-aligned bars: the protected count at each stage and the share lost there."""
    values = [THRESHOLD if text.is_missing(v) else float(v) for v in df["value"]]
    counts = count_labels(df["value"])
    bars, plus_minus = _margins(df.rename(columns={"moe": "value" + MOE_SUFFIX}), "value",
                                [None if text.is_missing(v) else v for v in df["value"]])
    labels = []
    for i, row in enumerate(df.itertuples()):
        lost = text.stage_loss(row.stage, row.share_lost, complete)
        labels.append(counts[i] + (f"  ({lost})" if lost else ""))
    hover = []
    kept = _("{count} {stage}: {previous} of the previous stage, {reported} of cases reported")
    for i, row in enumerate(df.itertuples()):
        if i == 0:
            hover.append(f"{counts[i]}{plus_minus[i]} {text.label(row.stage)}")
        else:
            hover.append(kept.format(count=f"{counts[i]}{plus_minus[i]}", stage=text.label(row.stage),
                                     previous=text.percent(row.share_of_previous, _(NOT_AVAILABLE_SHORT)),
                                     reported=text.percent(row.share_of_reported, _(NOT_AVAILABLE_SHORT))))
    fig = go.Figure(go.Bar(
        y=df["label"], x=values, orientation="h", text=labels, textposition="outside", cliponaxis=False,
        marker=dict(color=[MEASURE_COLOURS.get(s, CATEGORICAL[0]) for s in df["stage"]],
                    pattern=dict(shape=["/" if text.is_missing(v) else "" for v in df["value"]])),
        customdata=hover, hovertemplate="%{customdata}<extra></extra>", error_x=bars,
    ))
    base_layout(fig, _("From report to conviction: cases reported in {period}").format(period=period), height=height,
                legend=False, title_chars=56)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text=_("Cases"), showgrid=True, **_count_axis(max(values, default=0), headroom=1.55))
    return fig


OUTCOME_SHORT = {"convicted": N_("Convicted"), "acquitted": N_("Acquitted"), "compromise": N_("Compromise/withdrew")}


def stacked_outcomes(df: pd.DataFrame, period: str, height: int = 210) -> go.Figure:
    """Concluded trials split by outcome, one 100% bar (shares of protected counts), labelled in the bar."""
    if df.empty or df["share"].isna().all():  # an empty 0-100% axis would read as a chart that failed to draw
        return empty_figure(_("No outcome shares for cases reported in {period}:<br>too few concluded trials "
                              "(counts below {n} are withheld)").format(period=period, n=THRESHOLD), height=height)
    fig = go.Figure()
    colours = {"convicted": "#0072B2", "acquitted": "#E69F00", "compromise": "#CC79A7"}
    for row in df.itertuples():
        share = None if text.is_missing(row.share) else float(row.share)
        short = _(OUTCOME_SHORT[row.outcome]) if row.outcome in OUTCOME_SHORT else row.label
        fig.add_bar(y=[_("Concluded trials")], x=[share], orientation="h", name=row.label,
                    marker_color=colours.get(row.outcome, SUPPRESSED_COLOUR),
                    text=[f"{short}<br>{text.percent(share, _(NOT_AVAILABLE_SHORT))}"], textposition="inside",
                    insidetextanchor="middle", insidetextfont=dict(color="white"),
                    hovertemplate=_("{outcome}: {n} trials ({share})").format(
                        outcome=row.label, n=text.count(row.value), share=text.percent(share, _(NOT_AVAILABLE_SHORT)))
                    + "<extra></extra>")
    base_layout(fig, _("How concluded trials ended, cases reported in {period} (% of concluded trials)").format(
        period=period),
                height=height, legend=False, title_chars=56)
    fig.update_layout(barmode="stack", uniformtext=dict(minsize=10, mode="hide"))
    fig.update_xaxes(range=[0, 100], ticksuffix="%", title_text="")
    fig.update_yaxes(visible=False)
    return fig


# TIP report tiers and government figures --------------------------------------------------------------------


def tier_timeline(df: pd.DataFrame, country: str = "Pakistan", height: int = 320) -> go.Figure:
    """The country's tier in each US TIP report (higher on the chart = better tier)."""
    if df.empty:
        return empty_figure("No TIP report tiers in the warehouse")
    ranks = {t: i + 1 for i, t in enumerate(TIER_ORDER)}
    y = [ranks.get(t, r) for t, r in zip(df["tier"], df["tier_rank"], strict=True)]
    fig = go.Figure()
    fig.add_scatter(x=df["report_year"], y=y, mode="lines", line=dict(shape="hv", color="#999", width=2),
                    hoverinfo="skip", showlegend=False)
    for tier in TIER_ORDER:
        part = df[df["tier"] == tier]
        if part.empty:
            continue
        fig.add_scatter(x=part["report_year"], y=[ranks[tier]] * len(part), mode="markers", name=tier,
                        marker=dict(size=16, color=TIER_COLOURS[tier], line=dict(color="white", width=1.5)),
                        hovertemplate=f"%{{x}} TIP report: {country} {tier}<extra></extra>")
    years = text.period(int(df["report_year"].min()), int(df["report_year"].max()))
    # The tier names on the y-axis already say what each colour means: no legend.
    base_layout(fig, f"{country}'s tier in the US TIP report, {years}", height=height, legend=False, title_chars=60)
    used = [t for t in TIER_ORDER if t in set(df["tier"])] or TIER_ORDER[:4]
    fig.update_yaxes(tickvals=[ranks[t] for t in TIER_ORDER[:4]], ticktext=TIER_ORDER[:4], range=[4.5, 0.5],
                     title_text="")
    fig.update_xaxes(dtick=1 if len(df) <= 6 else (2 if len(df) <= 14 else 5), title_text="Report year",
                     tickformat="d", tickangle=0,
                     tickfont=dict(size=12))
    fig.update_layout(legend=dict(traceorder="normal"), meta=_meta(fig) | {"tiers": used})
    return mark_source(fig, _(TIP_REPORTS))


def government_figures(df: pd.DataFrame, height: int = 440) -> go.Figure:
    """One small panel per reported indicator (own scale): gaps where not available, hollow if unverified."""
    if df.empty:
        return empty_figure("No government-reported figures in the warehouse")
    indicators = list(dict.fromkeys(df["indicator"]))
    names = [text.GOV_INDICATORS.get(i, str(i).replace("_", " ").capitalize()) for i in indicators]
    rows = math.ceil(len(indicators) / 2)
    fig = make_subplots(rows=rows, cols=2, shared_xaxes=True, subplot_titles=names, vertical_spacing=0.16,
                        horizontal_spacing=0.12)
    for i, (indicator, name) in enumerate(zip(indicators, names, strict=True)):
        part = df[df["indicator"] == indicator]
        colour = CATEGORICAL[i % len(CATEGORICAL)]
        values = [None if text.is_missing(v) else float(v) for v in part["value"]]
        verified = [bool(v) for v in part["verified"]]
        breakdown = ["" if text.is_missing(b) or not str(b).strip() else f" ({b})" for b in part.get(
            "breakdown", pd.Series([None] * len(part)))]
        shown = [(f"{v:,.0f}" + ("" if ok else ", unverified") if v is not None else "not available") + b
                 for v, ok, b in zip(values, verified, breakdown, strict=True)]
        fig.add_scatter(
            x=part["year"], y=values, name=name, mode="lines+markers", line=dict(color=colour, width=2),
            marker=dict(size=8, color=colour, symbol=["circle" if ok else "circle-open" for ok in verified],
                        line=dict(color=colour, width=2)),
            customdata=shown, hovertemplate=f"{name}, %{{x}}: %{{customdata}}<extra></extra>", connectgaps=False,
            row=i // 2 + 1, col=i % 2 + 1, showlegend=False,
        )
    years = df["year"].dropna().astype(int)
    base_layout(fig, f"Figures reported in the TIP reports, {text.period(years.min(), years.max())} "
                     "(number; hollow marker = unverified)", height=height, legend=False, title_chars=56)
    fig.update_yaxes(tickformat="~s", rangemode="tozero")
    fig.update_xaxes(dtick=2, tickformat="d", range=[years.min() - 0.5, years.max() + 0.5])
    fig.update_annotations(font_size=14)
    fig.update_layout(margin_t=top_margin(fig) + 24)  # room for the panel titles under the chart title
    return mark_source(fig, _(TIP_REPORTS))
