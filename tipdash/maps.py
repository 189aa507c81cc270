"""Map builders: a DataFrame (and GeoJSON) in, a plotly Figure out. No Streamlit here.

Only ``Choroplethmap``/``Scattermap`` traces on the ``white-bg`` style are used: they draw from the GeoJSON given,
with no tiles and no downloads, so the maps work offline. (``px.choropleth``/``geo`` traces fetch a world topojson
from a CDN and draw nothing offline.) Without boundary files the district maps fall back to bubbles at each
district's representative point.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.geometry import shape

from tipdash import boundaries, i18n, text
from tipdash.charts import (
    DIVERGING,
    SEQUENTIAL,
    SUPPRESSED_COLOUR,
    base_layout,
    empty_figure,
    top_margin,
)
from tipdash.i18n import N_, _
from tipdash.privacy import MOE_SUFFIX

MAP_STYLE = "white-bg"
NA_COLOUR = "#D9D9D9"
OUTLINE_COLOUR = "#4D4D4D"
# Views are computed (area_view), not left to plotly's automatic fit ("fitbounds"), which drew these maps blank.
PAKISTAN_VIEW = dict(center=dict(lat=30.1, lon=69.3), zoom=4.15)  # when there is nothing to frame
# The server does not know the screen: a page's map is framed for the narrowest it is drawn, a phone's column at
# 390 px, so it is whole on every screen (wider screens show more around the area).
NARROWEST_MAP_PX = 360
MAP_CHROME_PX = 150  # of a map figure's height: the title above the map, the colour bar and legend below it
REGION_VIEW = dict(center=dict(lat=27.0, lon=62.0), zoom=2.3)  # South Asia and the Gulf
NOT_SHOWN = N_("Not available or fewer than 10")
WITHOUT_BOUNDARIES = N_("{title} (district centres: boundary files not available)")

# value kinds: how a value is written and why it can be missing
KINDS = {
    "count": (text.count, text.SUPPRESSED),
    "rate": (text.rate, "not available"),
    "percent": (text.percent, "not available"),
    "change": (text.change_percent, "not available"),
}


def value_labels(df: pd.DataFrame, value: str, kind: str) -> list[str]:
    """How each district's value reads in hover text, with the reason when it is missing."""
    fmt = KINDS[kind][0]
    out = []
    pops = df["population"] if "population" in df else pd.Series([1] * len(df), index=df.index)
    cases = df["cases"] if "cases" in df else pd.Series([1] * len(df), index=df.index)
    margins = df[value + MOE_SUFFIX] if value + MOE_SUFFIX in df else pd.Series([None] * len(df), index=df.index)
    for v, pop, n, moe in zip(df[value], pops, cases, margins, strict=True):
        if not text.is_missing(v):
            out.append(fmt(v) + ("" if text.is_missing(moe) else
                                 f" (± {i18n.number(float(moe), 1 if kind == 'rate' else 0)})"))
        elif kind == "count":
            out.append(text.SUPPRESSED)
        elif kind == "rate" and text.is_missing(pop):
            out.append(_("not available (no 2023 census figure for this district)"))
        elif text.is_missing(n):
            out.append(_("not available (fewer than {n} cases)").format(n=text.SUPPRESSED[1:]))
        elif kind == "change":
            out.append(_("not available (too few cases in one of the two periods)"))
        else:
            out.append(_("not available (too few cases)"))
    return out


def _hover(df: pd.DataFrame, value: str, kind: str, value_name: str,
           extra: Sequence[tuple[str, str, str]] = ()) -> list[str]:
    lines = [f"<b>{i18n.place(n)}</b> ({i18n.place(p)})" for n, p in zip(df["name"], df["province"], strict=True)]
    main = value_labels(df, value, kind)
    lines = [f"{h}<br>{value_name}: {m}" for h, m in zip(lines, main, strict=True)]
    for col, name, col_kind in extra:
        if col in df and col != value:
            vals = value_labels(df, col, col_kind)
            lines = [f"{h}<br>{name}: {v}" for h, v in zip(lines, vals, strict=True)]
    return lines


def outline_lines(geojson: dict | None) -> tuple[list, list]:
    """Polygon rings of a GeoJSON as lon/lat lists separated by None (one Scattermap line trace)."""
    lons: list = []
    lats: list = []
    for feature in (geojson or {}).get("features", []):
        geom = feature.get("geometry") or {}
        polys = geom.get("coordinates", [])
        if geom.get("type") == "Polygon":
            polys = [polys]
        elif geom.get("type") != "MultiPolygon":
            continue
        for poly in polys:
            for ring in poly:
                lons += [pt[0] for pt in ring] + [None]
                lats += [pt[1] for pt in ring] + [None]
    return lons, lats


def _add_outlines(fig: go.Figure, geojson: dict | None, name: str = "Province boundary", width: float = 1.6,
                  colour: str = OUTLINE_COLOUR) -> None:
    lons, lats = outline_lines(geojson)
    if lons:
        fig.add_trace(go.Scattermap(lon=lons, lat=lats, mode="lines", line=dict(color=colour, width=width),
                                    name=name, hoverinfo="skip", showlegend=False))


def _map_layout(fig: go.Figure, title: str, height: int, view: dict | None = None) -> go.Figure:
    base_layout(fig, title, height=height, legend=False, title_chars=72)
    fig.update_layout(showlegend=True, map=dict(style=MAP_STYLE, **(view or PAKISTAN_VIEW)),
                      legend=dict(orientation="h", yanchor="bottom", y=0.0, x=0.0, bgcolor="rgba(255,255,255,0.85)"))
    fig.update_layout(margin=dict(l=0, r=0, b=0, t=top_margin(fig)))
    return fig


def _scale(values: pd.Series, kind: str) -> dict:
    """Colour range: counts and rates from 0 to the 95th percentile (a few big cities would wash out the rest);
    change is diverging around 0, symmetric."""
    vals = pd.to_numeric(values, errors="coerce").astype(float).dropna()
    if kind == "change":
        bound = float(np.nanpercentile(np.abs(vals), 95)) if len(vals) else 100.0
        bound = max(min(bound, 200.0), 10.0)
        return dict(colorscale=DIVERGING, zmid=0, zmin=-bound, zmax=bound)
    top = float(np.nanpercentile(vals, 95)) if len(vals) else 1.0
    if kind == "percent":
        return dict(colorscale=SEQUENTIAL, zmin=0, zmax=max(top, 1.0))
    return dict(colorscale=SEQUENTIAL, zmin=0, zmax=max(top, 1.0))


def capped_ticks(scale: dict, kind: str) -> dict:
    """Colour-bar ticks that say the scale stops before the largest values: the top tick reads "500+" (or "±80%+"
    for change) when some value lies beyond it, so the darkest colour is not read as the maximum."""
    low, high = float(scale["zmin"]), float(scale["zmax"])
    suffix = "%" if kind in ("percent", "change") else ""
    ticks = np.linspace(low, high, 5)
    digits = 1 if kind == "rate" and high < 10 else 0
    text = [f"{t:,.{digits}f}{suffix}".replace("-", "−") for t in ticks]
    if kind == "change":
        text[0], text[-1] = f"≤ {text[0]}", f"≥ {text[-1]}"
    else:
        text[-1] += "+"
    return dict(tickvals=list(ticks), ticktext=text)


def _colorbar(kind: str, value_name: str) -> dict:
    suffix = "%" if kind in ("percent", "change") else ""
    # Across the foot of the map, outside it (a little below: the bar's box must not reach the map's canvas): at
    # any screen width it hides no district (on a phone, a bar at the side lay over Punjab).
    return dict(title=dict(text=value_name, side="top"), ticksuffix=suffix, tickformat=",.0f" if kind != "rate"
                else ",.1f", thickness=12, len=0.6, lenmode="fraction", orientation="h", x=0, xanchor="left",
                y=-0.02, yanchor="top", ypad=6)


def district_map(df: pd.DataFrame, value: str, kind: str, title: str, value_name: str,
                 districts_geo: dict | None, provinces_geo: dict | None = None,
                 extra: Sequence[tuple[str, str, str]] = (), height: int = 560,
                 selected: str | None = None, view: dict | None = None) -> go.Figure:
    """Districts coloured by ``value`` (choropleth), or bubbles at district points when boundaries are missing.

    ``df`` needs district_id, name, province, lat, lon and ``value``. Districts whose value is missing are grey,
    with the reason in the hover text ("<10", "no 2023 census figure", ...), never coloured as 0. ``view`` (map
    centre and zoom; when None, framed to ``df``'s districts by ``area_view``: a province, the selected districts or
    all Pakistan) also sets how much boundary detail is sent: what that zoom can show.
    """
    if df.empty:
        return empty_figure(_("No districts in this selection"))
    view = view or area_view(districts_geo, df["district_id"], df, height_px=height - MAP_CHROME_PX)
    districts_geo, provinces_geo = _at_view(districts_geo, view), _at_view(provinces_geo, view)
    if not districts_geo:
        return district_bubbles(df, value, kind, title, value_name, provinces_geo, extra, height, selected, view)
    df = df.reset_index(drop=True)
    hover = _hover(df, value, kind, value_name, extra)
    vals = pd.to_numeric(df[value], errors="coerce").astype(float)
    have = vals.notna()
    fig = go.Figure()
    # Each trace carries only its own districts' shapes, so the page ships the boundaries once, not per trace.
    if (~have).any():
        fig.add_trace(go.Choroplethmap(
            geojson=_features(districts_geo, "district_id", df.loc[~have, "district_id"]),
            featureidkey="properties.district_id", locations=df.loc[~have, "district_id"],
            z=[0] * int((~have).sum()), colorscale=[[0, NA_COLOUR], [1, NA_COLOUR]], showscale=False,
            marker=dict(line=dict(color="white", width=0.6)), name=_(NOT_SHOWN),
            text=[hover[i] for i in df.index[~have]], hovertemplate="%{text}<extra></extra>",
            customdata=df.loc[~have, "district_id"], showlegend=True,
        ))
    scale = _scale(vals[have], kind)
    colorbar = _colorbar(kind, value_name)
    if vals[have].abs().max() > scale["zmax"]:  # the scale stops at the 95th percentile: say so on its top tick
        colorbar |= capped_ticks(scale, kind)
    fig.add_trace(go.Choroplethmap(
        geojson=_features(districts_geo, "district_id", df.loc[have, "district_id"]),
        featureidkey="properties.district_id", locations=df.loc[have, "district_id"], z=vals[have],
        marker=dict(line=dict(color="white", width=0.6), opacity=0.95),
        colorbar=colorbar, name=value_name,
        text=[hover[i] for i in df.index[have]], hovertemplate="%{text}<extra></extra>",
        customdata=df.loc[have, "district_id"], showlegend=False, **scale,
    ))
    _add_outlines(fig, provinces_geo)
    if selected:
        _add_outlines(fig, _features(districts_geo, "district_id", [selected]), name="Selected district",
                      width=3.2, colour="#000000")
    return _map_layout(fig, title, height, view)


def district_bubbles(df: pd.DataFrame, value: str, kind: str, title: str, value_name: str,
                     provinces_geo: dict | None = None, extra: Sequence[tuple[str, str, str]] = (),
                     height: int = 540, selected: str | None = None, view: dict | None = None) -> go.Figure:
    """Fallback without district boundaries: a circle at each district's point, sized and coloured by value;
    ``view`` as in ``district_map``."""
    df = df.dropna(subset=["lat", "lon"]).reset_index(drop=True)
    hover = _hover(df, value, kind, value_name, extra)
    vals = pd.to_numeric(df[value], errors="coerce").astype(float)
    have = vals.notna()
    fig = go.Figure()
    _add_outlines(fig, provinces_geo)
    fig.add_trace(go.Scattermap(
        lat=df.loc[~have, "lat"], lon=df.loc[~have, "lon"], mode="markers", name=_(NOT_SHOWN),
        marker=dict(size=7, color=SUPPRESSED_COLOUR), text=[hover[i] for i in df.index[~have]],
        hovertemplate="%{text}<extra></extra>", customdata=df.loc[~have, "district_id"],
    ))
    magnitude = vals[have].abs()
    sizes = 6 + 18 * np.sqrt(magnitude / magnitude.max()) if len(magnitude) and magnitude.max() > 0 else 9
    fig.add_trace(go.Scattermap(
        lat=df.loc[have, "lat"], lon=df.loc[have, "lon"], mode="markers", name=value_name, showlegend=False,
        marker=dict(size=sizes, color=vals[have], colorbar=_colorbar(kind, value_name), opacity=0.85,
                    **{("c" + k[1:] if k.startswith("z") else k): v for k, v in _scale(vals[have], kind).items()}),
        text=[hover[i] for i in df.index[have]], hovertemplate="%{text}<extra></extra>",
        customdata=df.loc[have, "district_id"],
    ))
    if selected and selected in set(df["district_id"]):
        row = df[df["district_id"] == selected].iloc[0]
        fig.add_trace(go.Scattermap(lat=[row.lat], lon=[row.lon], mode="markers", hoverinfo="skip",
                                    marker=dict(size=34, color="rgba(0,0,0,0)"), showlegend=False))
    view = view or area_view(None, df["district_id"], df, height_px=height - MAP_CHROME_PX)
    return _map_layout(fig, _(WITHOUT_BOUNDARIES).format(title=title), height, view)


def _at_view(geojson: dict | None, view: dict) -> dict | None:
    # Detail for the quarter zoom level at or below the view's: slightly more than it needs, and views of nearby
    # zooms share one simplification.
    return boundaries.at_zoom(geojson, math.floor(view["zoom"] * 4) / 4)


def _mercator(lat: float | np.ndarray) -> float | np.ndarray:
    """Web Mercator's y of a latitude (degrees), in radians of longitude."""
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def _latitude(y: float | np.ndarray) -> float | np.ndarray:
    """The latitude (degrees) of a Web Mercator y."""
    return np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)


def area_view(geojson: Mapping | None, district_ids: Iterable[str], points: pd.DataFrame | None = None,
              width_px: float = NARROWEST_MAP_PX, height_px: float = 400, widen: float = 0.0) -> dict:
    """Centre and zoom that fit the given districts in a map of ``width_px`` × ``height_px`` screen pixels, ``widen``
    zoom levels wider (1: twice the span, for a district shown among its neighbours). Framed by the districts'
    outlines in ``geojson``, else by their points in ``points`` (lat, lon) with room around them; all Pakistan
    when neither has any of them. The one framing of every district map: pages, slides and the PowerPoint deck."""
    wanted = set(district_ids)
    bounds = boundaries.prepared(geojson, "district bounds", _district_bounds) if geojson else {}
    boxes = np.array([bounds[d] for d in wanted if d in bounds]).reshape(-1, 4)
    if not len(boxes) and points is not None and len(points):
        sub = points[points["district_id"].isin(wanted)].dropna(subset=["lat", "lon"])
        lons, lats = sub["lon"].astype(float), sub["lat"].astype(float)
        if len(sub):  # points only: leave room around them
            boxes = np.array([[lons.min() - 0.6, lats.min() - 0.6, lons.max() + 0.6, lats.max() + 0.6]])
    if not len(boxes):
        return dict(PAKISTAN_VIEW)
    west, south = boxes[:, 0].min(), boxes[:, 1].min()
    east, north = boxes[:, 2].max(), boxes[:, 3].max()

    lon_span = max(east - west, 0.05)
    y_span = max(float(_mercator(north) - _mercator(south)), 0.001)
    # At zoom z the world is 512 × 2^z pixels wide (MapLibre tiles of 512 px).
    zoom_x = math.log2(width_px * 360 / (512 * lon_span))
    zoom_y = math.log2(height_px * 2 * math.pi / (512 * y_span))
    centre_lat = float(_latitude((_mercator(north) + _mercator(south)) / 2))
    return dict(center=dict(lat=round(centre_lat, 4), lon=round(float(east + west) / 2, 4)),
                zoom=round(min(zoom_x, zoom_y) - 0.12 - widen, 2))


def _district_bounds(geojson: Mapping) -> dict[str, tuple[float, float, float, float]]:
    """Each district's bounding box (west, south, east, north), by district_id."""
    features = [f for f in geojson.get("features", []) if (f.get("properties") or {}).get("district_id")
                and (f.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")]
    boxes = shapely.bounds(np.array([shape(f["geometry"]) for f in features], dtype=object))
    return {f["properties"]["district_id"]: tuple(float(v) for v in box)
            for f, box in zip(features, boxes, strict=True)}


# Names written on a map (slides name districts): the size of one, in ems of its text, and where it may go.
LABEL_EM = 0.6  # a bold letter's mean width
LABEL_LINE = 1.2  # a line's height (MapLibre's)
LABEL_PADDING = 2  # screen pixels MapLibre keeps clear round a name: of two names closer, it draws only one
LABEL_ACROSS = np.linspace(-1, 1, 9)  # moves east or west, in halves of the name's width: it still covers its point
LABEL_UP = np.linspace(-3, 3, 13)  # moves north or south, in ems
LABEL_SAMPLES = np.linspace(-1, 1, 5)  # where along a name (ends, middle, quarters) it must be on a district


def label_places(fig: go.Figure, points: pd.DataFrame, size_px: float,
                 confined: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    """Where to centre the names of ``points`` (district_id, name, lat, lon) on ``fig``'s map, written in
    ``size_px`` text: their latitudes and longitudes.

    A name goes at its district's point if it fits there: clear of the names placed before it (MapLibre drops one
    of two names that overlap) and, if it is ``confined`` (coloured like the map's background, where it would
    vanish), on the districts ``fig`` fills. The names that fit at their points are placed first. A name that does
    not moves the least that makes it fit, else the least that keeps it clear (whole names first, then names drawn
    at all), else stays; a move keeps it over its point or centred on its district.
    """
    lat, lon = points["lat"].to_numpy(float), points["lon"].to_numpy(float)
    features = [f for t in fig.data if t.type == "choroplethmap" and t.geojson for f in t.geojson["features"]]
    if not features:  # districts drawn as points: no background to run onto between them
        return lat, lon
    shapes = np.array([shape(f["geometry"]) for f in features], dtype=object)
    owners = np.array([f["properties"]["district_id"] for f in features])
    shapely.prepare(shapes)
    em = size_px * boundaries.degrees_per_pixel(fig.layout.map.zoom)  # in degrees of longitude
    x, y = lon.copy(), _mercator(lat)  # y in radians of longitude: lengths across and up compare
    half = points["name"].str.len().to_numpy() * LABEL_EM / 2  # in ems
    pad = 2 * LABEL_PADDING / size_px  # the room between two names, in ems

    def on_districts(i: int, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        if not confined[i]:
            return np.ones(len(cx), dtype=bool)
        along = cx[:, None] + LABEL_SAMPLES * half[i] * em
        return shapely.contains_xy(shapes[:, None, None], along, _latitude(cy)[:, None]).any(axis=0).all(axis=1)

    fits = [bool(on_districts(i, x[i:i + 1], y[i:i + 1])[0]) for i in range(len(points))]
    across, up = (grid.ravel() for grid in np.meshgrid(LABEL_ACROSS, LABEL_UP))
    placed: list[tuple[float, float, float]] = []  # centre and half-width of each name placed
    for i in sorted(range(len(points)), key=lambda i: not fits[i]):
        nearest = np.argsort(np.hypot(across * half[i], up), kind="stable")  # no move first
        cx, cy = x[i] + across[nearest] * half[i] * em, y[i] + up[nearest] * math.radians(em)
        # Still over its point (half an em up or down at most), or centred on its own district.
        home = (abs(up[nearest]) <= 0.5) | shapely.contains_xy(shapes[owners == points["district_id"].iat[i], None],
                                                               cx, _latitude(cy)).any(axis=0)
        clear = np.array([all(abs(a - px) >= (half[i] + h + pad) * em or abs(b - py) >= math.radians(
            (LABEL_LINE + pad) * em) for px, py, h in placed) for a, b in zip(cx, cy, strict=True)])
        k = next((int(np.argmax(ok)) for ok in (home & clear & on_districts(i, cx, cy), home & clear) if ok.any()), 0)
        x[i], y[i] = cx[k], cy[k]
        placed.append((x[i], y[i], half[i]))
    return _latitude(y), x


def _features(geojson: dict, prop: str, values: Iterable[str]) -> dict:
    wanted = set(values)
    return {"type": "FeatureCollection",
            "features": [f for f in geojson.get("features", []) if f.get("properties", {}).get(prop) in wanted]}


def scorecard_hover(scored: pd.DataFrame) -> list[str]:
    """Hover text of the scorecard map: band, score and the two numbers people ask first."""
    out = []
    for r in scored.itertuples():
        band = text.band_range(r.band_range)
        first = band if pd.isna(r.score) else _("{band}: score {score}").format(
            band=band, score=text.with_margin(i18n.number(r.score), r.score_moe))
        out.append(f"<b>{i18n.place(r.name)}</b> ({i18n.place(r.province)})<br>{first}<br>"
                   + _("Cases reported: {n}").format(n=text.count(r.cases)) + "<br>"
                   + _("Conviction rate: {rate}").format(
                       rate=text.with_margin(text.percent(r.conviction_rate), r.conviction_rate_moe, " pp")))
    return out


def categorical_district_map(df: pd.DataFrame, category: str, order: Sequence[str], colours: dict[str, str],
                             title: str, districts_geo: dict | None, provinces_geo: dict | None = None,
                             hover: Sequence[str] | None = None, height: int = 540,
                             view: dict | None = None) -> go.Figure:
    """Districts coloured by a category (scorecard bands), one legend entry per category; ``view`` as in
    ``district_map``."""
    if df.empty:
        return empty_figure(_("No districts in this selection"))
    view = view or area_view(districts_geo, df["district_id"], df, height_px=height - MAP_CHROME_PX)
    districts_geo, provinces_geo = _at_view(districts_geo, view), _at_view(provinces_geo, view)
    df = df.reset_index(drop=True)
    hover = list(hover) if hover is not None else [f"<b>{i18n.place(n)}</b> ({i18n.place(p)})<br>{text.band(c)}"
                                                   for n, p, c in zip(df["name"], df["province"], df[category],
                                                                      strict=True)]
    fig = go.Figure()
    if not districts_geo:
        _add_outlines(fig, provinces_geo)
    for cat in order:
        mask = df[category] == cat
        if not mask.any():
            continue
        colour = colours.get(cat, NA_COLOUR)
        if districts_geo:
            fig.add_trace(go.Choroplethmap(
                geojson=_features(districts_geo, "district_id", df.loc[mask, "district_id"]),
                featureidkey="properties.district_id", locations=df.loc[mask, "district_id"],
                z=[1] * int(mask.sum()), colorscale=[[0, colour], [1, colour]], showscale=False, name=text.band(cat),
                showlegend=True, marker=dict(line=dict(color="white", width=0.6)),
                text=[hover[i] for i in df.index[mask]], hovertemplate="%{text}<extra></extra>",
            ))
        else:
            fig.add_trace(go.Scattermap(
                lat=df.loc[mask, "lat"], lon=df.loc[mask, "lon"], mode="markers", name=text.band(cat),
                marker=dict(size=12, color=colour), text=[hover[i] for i in df.index[mask]],
                hovertemplate="%{text}<extra></extra>",
            ))
    if districts_geo:
        _add_outlines(fig, provinces_geo)
    return _map_layout(fig, title if districts_geo else _(WITHOUT_BOUNDARIES).format(title=title), height, view)


REGION_BOX = (0.0, -20.0, 140.0, 70.0)  # west, south, east, north: what the regional view can show, wide screens too


def _in_box(feature: dict, box: tuple[float, float, float, float]) -> bool:
    west, south, east, north = box
    geom = feature.get("geometry") or {}
    polys = geom.get("coordinates", [])
    polys = [polys] if geom.get("type") == "Polygon" else polys
    for poly in polys:
        for ring in poly[:1]:  # the outer ring is enough to place a country
            for lon, lat, *_rest in ring:
                if west <= lon <= east and south <= lat <= north:
                    return True
    return False


def region(geojson: dict, box: tuple[float, float, float, float] = REGION_BOX) -> dict:
    """Only the countries the regional view can show: a world layer is too heavy to send whole."""
    return {"type": "FeatureCollection", "features": [f for f in geojson.get("features", []) if _in_box(f, box)]}
