"""The country tier map of one TIP report year: a DataFrame of placements and the country layer in, a plotly Figure
out. No Streamlit here.

Kept apart from :mod:`tipdash.maps` because it has rules of its own: only report years the data holds in full are
mapped (``reference_facts.mapped_report_years``); a country missing from the data has its own legend entry; an
inferred placement ("Tier 2 assumed") is drawn in a lighter shade, with its own legend entry, never as a fact.

The countries are drawn from a lighter copy of the committed layer (``light_layer``), made once per process: the
regional view cannot show detail finer than a fifth of a degree, and every point is sent to the browser. They are
drawn as SVG shapes on longitude and latitude axes rather than on a web map, so the map appears with the page's
other charts (a web map first starts its WebGL engine: seconds in a browser without a graphics card).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.geometry import mapping, shape

from tipdash import boundaries, i18n, text
from tipdash.boundaries import degrees_per_pixel
from tipdash.charts import FONT, TIER_COLOURS, base_layout, empty_figure, mark_source, top_margin
from tipdash.i18n import N_, _
from tipdash.maps import REGION_BOX, REGION_VIEW, outline_lines, region

# Degrees: at the regional view (zoom 2.3) a pixel is 0.14°, so a border moved by a fifth of a degree is hardly seen.
TOLERANCE = 0.2
GRID = 0.1
MIN_PART_AREA = 2 * degrees_per_pixel(REGION_VIEW["zoom"]) ** 2  # square degrees: an island of two pixels
NOT_IN_DATA = N_("Not in the data for this year")
NOT_IN_DATA_COLOUR = "#D9D9D9"
INFERRED = N_("(inferred, not stated)")
INFERRED_SUFFIX = " " + INFERRED  # after the tier's name in the legend
SPECIAL_CASE = "Special Case"
CATEGORIES = ["Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3"]
SOURCE = N_("Tiers: US State Department TIP Reports, as recorded by the sources of each row (hover)")
VIEW_BOX = (25.0, 0.0, 100.0, 47.0)  # west, south, east, north: South Asia, Iran, Central Asia and the Gulf
SEA_COLOUR = "#EEF3F7"


def _lighter(colour: str, amount: float = 0.6) -> str:
    """The colour mixed with white: an inferred tier reads as the same tier, but not as a stated fact."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def light_layer(countries_geo: dict) -> dict:
    """The countries of the regional view, as light as that view allows, made once per layer (``prepared``): the
    browser parses and tiles every point before the map shows, and each year's figure carries them again.

    Simplified together (shared borders stay shared: no slivers between neighbours), cut to the region the view can
    show (Russia's Arctic coast, Australia), islands under about two pixels left out (each country keeps its
    largest part, so Bahrain, Singapore and Macau are still drawn), coordinates on a grid of 0.1° (under a pixel).
    """
    return boundaries.prepared(countries_geo, "tier map", _light)


def _light(countries_geo: dict) -> dict:
    features = region(countries_geo)["features"]
    shapes = [_without_islets(shape(f["geometry"])) for f in features]
    shapes = shapely.clip_by_rect(shapely.coverage_simplify(shapes, TOLERANCE), *REGION_BOX)
    shapes = shapely.set_precision(shapes, GRID)
    # On the grid already: rounding only drops the float noise that would lengthen the JSON.
    shapes = shapely.transform(shapes, lambda xy: np.round(xy, 1))
    # A territory smaller than the grid (Macau) keeps its own outline rather than vanish.
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": f.get("properties", {}),
                          "geometry": f["geometry"] if g.is_empty else mapping(g)}
                         for f, g in zip(features, shapes, strict=True)]}


def _without_islets(geom):
    """``geom`` without the islands under :data:`MIN_PART_AREA`; its largest part always stays."""
    parts = shapely.get_parts(geom)
    if len(parts) < 2:
        return geom
    areas = shapely.area(parts)
    return shapely.multipolygons(parts[(areas >= MIN_PART_AREA) | (areas == areas.max())])


def _subset(geo: dict, iso3s) -> dict:
    wanted = set(iso3s)
    return {"type": "FeatureCollection", "features": [f for f in geo["features"] if f["properties"].get("iso3")
                                                      in wanted]}


def _hover(row) -> str:
    how = _("inferred (not stated in a source read), check before citing") if row.inferred else \
        _("stated by the source") if row.verified else _("stated by the source, unverified")
    return (f"<b>{i18n.place(row.country)}</b><br>{text.tier(row.tier)}: {how}<br>"
            + _("Source: {source}").format(source=row.source))


def _area(fig: go.Figure, geo: dict, iso3s: list, colour: str, name: str, hover: list | None,
          line: str = "white") -> None:
    """One legend entry ``name`` and, under it, one filled shape per country (its hover text as the shape's name:
    a filled area's hover shows its trace's name)."""
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, legendgroup=name, showlegend=True,
                             marker=dict(symbol="square", size=12, color=colour, line=dict(color=line, width=1)),
                             hoverinfo="skip"))
    by_iso3 = {f["properties"].get("iso3"): f for f in geo["features"]}
    for i, iso3 in enumerate(iso3s):
        lons, lats = outline_lines({"features": [by_iso3[iso3]]} if iso3 in by_iso3 else None)
        if lons:
            fig.add_trace(go.Scatter(
                x=lons, y=lats, mode="lines", fill="toself", fillcolor=colour, line=dict(color=line, width=0.8),
                legendgroup=name, showlegend=False, hoveron="fills",
                name=(hover[i] if hover else f"{name}"), hoverlabel=dict(namelength=-1), meta=iso3))


def tier_map(df: pd.DataFrame, countries_geo: dict | None, report_year: int, height: int = 520,
             focus_iso3: str = "PAK") -> go.Figure:
    """Countries coloured by their tier in ``report_year`` (South Asia and the Gulf in view). ``df`` needs iso3,
    country, tier, inferred, verified and source (``reference_facts.country_tiers`` plus a source label)."""
    if not countries_geo:
        return empty_figure(_("Country boundaries are not available, so the tier map cannot be drawn"))
    if df.empty:
        return empty_figure(_("No tiers recorded for the {year} report").format(year=report_year))
    geo = light_layer(countries_geo)
    fig = go.Figure()
    missing = [f["properties"].get("iso3") for f in geo["features"] if f["properties"].get("iso3")
               not in set(df["iso3"])]
    # Always in the legend, even when every country in view is in the data: grey must never need guessing.
    _area(fig, geo, missing, NOT_IN_DATA_COLOUR, _(NOT_IN_DATA), None)
    inferred = df["inferred"].fillna(False).astype(bool)
    for tier in [*CATEGORIES, SPECIAL_CASE]:
        colour = TIER_COLOURS.get(tier, TIER_COLOURS["Special case"])
        for is_inferred in (False, True):
            part = df[(df["tier"] == tier) & (inferred == is_inferred)]
            if part.empty:
                continue
            name = text.tier(tier) + (" " + _(INFERRED) if is_inferred else "")
            _area(fig, geo, part["iso3"].tolist(), _lighter(colour) if is_inferred else colour, name,
                  [_hover(r) for r in part.itertuples()], line=colour if is_inferred else "white")
    lons, lats = outline_lines(_subset(geo, [focus_iso3]))
    if lons:
        fig.add_trace(go.Scatter(x=lons, y=lats, mode="lines", line=dict(color="#000000", width=2.5),
                                 name=focus_iso3, hoverinfo="skip", showlegend=False))
    base_layout(fig, _("Tier in the {year} US TIP report: South Asia and the Gulf").format(year=report_year),
                height=height, title_chars=72)
    # Drawn as plain SVG shapes on longitude and latitude axes, not on a tiled web map: the browser draws them with
    # the page, where a web map first starts its WebGL engine (seconds in a browser without a graphics card).
    # A degree of latitude is 1/cos(latitude) degrees of longitude long, at the view's middle latitude.
    west, south, east, north = VIEW_BOX
    axis = dict(visible=False, showgrid=False, zeroline=False, fixedrange=True)
    fig.update_layout(xaxis=dict(range=[west, east], constrain="domain", **axis),
                      yaxis=dict(range=[south, north], scaleanchor="x", constrain="domain",
                                 scaleratio=1 / np.cos(np.radians((south + north) / 2)), **axis),
                      plot_bgcolor=SEA_COLOUR, hovermode="closest",
                      # In the plot's corner (over Africa and the sea), not under the figure, so the map keeps the
                      # figure's height.
                      legend=dict(orientation="v", yref="paper", xref="paper", y=0, x=0, yanchor="bottom",
                                  xanchor="left", font=FONT, bgcolor="rgba(255,255,255,0.85)", title_text=""))
    fig.update_layout(margin=dict(l=0, r=0, b=0, t=top_margin(fig)))
    return mark_source(fig, _(SOURCE))
