"""The one-page briefing pack: a self-contained HTML file that prints on one A4 page and can be emailed.

It holds the headline numbers with their change, a small map, the conviction funnel, three findings computed from
the data, and the sources and data version. Every number comes from :mod:`tipdash.queries` (protected: "<10" and
random rounding) with the same filters the dashboard uses, so the brief and the dashboard always agree.

The file has no external reference of any kind (no scripts, fonts, images or links to fetch): CSS is inline, the map
is an SVG drawn here from the boundary GeoJSON and the funnel is HTML bars. It works offline and as an attachment.

:func:`collect` runs the queries; :func:`findings`, :func:`map_svg` and :func:`render` are pure.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from tipdash import charts, i18n, privacy, queries, text
from tipdash.filters import FilterOptions, Filters
from tipdash.i18n import N_, _
from tipdash.scopes import Scope

# ColorBrewer YlGnBu, 5 classes (colour-blind safe, prints in greyscale in order)
CLASS_COLOURS = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
SUPPRESSED_FILL = "#bdbdbd"
OUTSIDE_FILL = "#f0f0f0"
# What is lost between two stages, in one sentence per stage (Urdu orders the words differently).
LOSSES = {
    "firs": N_("Of {before} cases reported, {lost} were not registered as an FIR ({after} did)."),
    "charge_sheets": N_("Of {before} FIRs registered, {lost} did not lead to a charge sheet in court ({after} did)."),
    "trials": N_("Of {before} cases charge-sheeted, {lost} have no concluded trial ({after} did)."),
    "convictions": N_("Of {before} concluded trials, {lost} did not end in a conviction ({after} did)."),
}
SOURCES = [  # English; translated where shown
    N_("Case counts: anonymised case records of police, FIA, provincial labour and social welfare departments, "
       "child protection bureaus, prosecution and NGOs, merged and de-duplicated by this dashboard's ETL."),
    N_("Population: Pakistan Bureau of Statistics, Census 2023 (7th Population and Housing Census)."),
    N_("TIP tiers and reported figures: US Department of State, Trafficking in Persons Reports."),
    N_("Boundaries: © OpenStreetMap contributors, ODbL; made with Natural Earth."),
]


@dataclass(frozen=True)
class Finding:
    title: str
    detail: str
    kind: str  # dropoff | district | trend


@dataclass
class BriefData:
    """Everything the brief shows, already protected. Built by :func:`collect`."""

    scope: Scope
    context: Scope
    filters: Filters  # with the scope applied
    filters_text: str
    headline: pd.DataFrame
    funnel: pd.DataFrame
    districts: pd.DataFrame  # district measures over the map's colour area
    by_district: pd.DataFrame  # stage counts and rates per district of the context area
    context_rates: pd.DataFrame  # one row: the context area's indicators
    smuggling: object
    status: dict
    in_court: dict = field(default_factory=lambda: {"share": None, "moe": None, "complete": True})
    generated: dt.date = field(default_factory=dt.date.today)

    @property
    def period(self) -> str:
        return self.filters.period

    @property
    def previous_period(self) -> str:
        return self.filters.previous().period

    def value(self, measure: str):
        return self.headline.set_index("base").loc[measure, "value"]


def other_filters_text(f: Filters, options: FilterOptions) -> str:
    """The active filters other than the area, in words ("2023–2025 · smuggling of migrants excluded")."""
    return replace(f, provinces=(), districts=()).describe(options)


def collect(scope: Scope, f: Filters, options: FilterOptions, generated: dt.date | None = None) -> BriefData:
    """Run the queries the brief needs (the same cached query functions the pages call)."""
    sf = scope.apply(f)
    context = scope.context(options)
    cf = context.apply(f)
    colour_area = cf if scope.kind == "district" else sf
    return BriefData(
        scope=scope, context=context, filters=sf, filters_text=other_filters_text(f, options),
        headline=queries.headline(sf), funnel=queries.funnel(sf),
        districts=queries.district_measures(colour_area),
        by_district=queries.attrition_by_area(cf, "district"),
        context_rates=queries.area_indicators(cf, context.label),
        smuggling=queries.smuggling_cases(sf), status=queries.data_status(), in_court=queries.selection_in_court(sf),
        generated=generated or dt.date.today(),
    )


# Findings -------------------------------------------------------------------------------------------------------


def _pct(value) -> str:
    return text.percent(value)


def dropoff_finding(funnel: pd.DataFrame, in_court: dict | None = None, period: str = "") -> Finding:
    """The stage where the largest share of the cases still in the process is lost.

    When the cohort is still in court (``in_court``, from queries.selection_in_court), the stages that wait for a
    verdict are not read as losses: only the steps up to the charge sheet compete, and the finding says how many
    charge-sheeted cases still await a verdict."""
    rows = funnel.reset_index(drop=True)
    open_cohort = in_court is not None and not in_court["complete"]
    last = len(rows) if not open_cohort else int(rows.index[rows["stage"] == "charge_sheets"][0]) + 1
    waiting = "" if not open_cohort or text.is_missing(in_court["share"]) else \
        " " + text.in_court_fact(in_court["share"], period or _("the period"))
    best = None
    for i in range(1, last):
        lost = rows.loc[i, "share_lost"]
        if text.is_missing(lost):
            continue
        if best is None or float(lost) > float(rows.loc[best, "share_lost"]):
            best = i
    if best is None:
        return Finding(_("Where cases are lost cannot be shown"),
                       _("The later stages have fewer than {n} cases each, so their counts are too small to compute "
                         "a share lost.").format(n=privacy.SHOW_BELOW), "dropoff")
    stage, before = rows.loc[best, "stage"], rows.loc[best - 1]
    sentence = _(LOSSES[stage]) if stage in LOSSES else _("Of {before} {noun}, {lost} did not reach {stage} ({after} "
                                                          "did).")
    lost = f"{i18n.number(float(rows.loc[best, 'share_lost']), grouping=False)}%"
    return Finding(
        _("Biggest drop-off: from {before} to {after}").format(
            before=_(STEP[before["stage"]]) if before["stage"] in STEP else before["label"],
            after=_(STEP[stage]) if stage in STEP else stage),
        sentence.format(before=text.count(before["value"]), noun=text.label(before["stage"]), lost=lost,
                        stage=text.label(stage), after=text.count(rows.loc[best, "value"])) + waiting, "dropoff")


STEP = {"cases": N_("report"), "firs": N_("FIR"), "charge_sheets": N_("charge sheet"), "trials": N_("verdict"),
        "convictions": N_("conviction")}
MIN_COMPARE = 3  # districts with a published rate needed before naming the lowest (else the next rate is tried)
RATE_WORDS = {  # rate -> (what it is, its base count, the base in words)
    "conviction_rate": (N_("conviction rate"), "trials", N_("concluded trials")),
    "charge_sheet_rate": (N_("charge-sheet rate"), "firs", N_("FIRs")),
    "fir_rate": (N_("FIR registration rate"), "cases", N_("cases reported")),
}


def district_finding(by_district: pd.DataFrame, context_rates: pd.DataFrame, scope: Scope,
                     context: Scope) -> Finding:
    """A finding about the districts, decided by the margins (issue #12).

    For a district: its own rate against its area's, and the ranks its margin allows among the area's districts
    (counted from the highest). For a larger area: the district with the lowest rate, named only when its whole
    margin lies below the area's rate; otherwise the finding says no district stands out beyond the noise."""
    area = text.scope_label(context)
    for rate, (rate_words, base, rate_base_words) in RATE_WORDS.items():
        if rate not in by_district:
            continue
        words, base_words = _(rate_words), _(rate_base_words)
        have = by_district[by_district[rate].notna()].reset_index(drop=True)
        if len(have) < MIN_COMPARE:
            continue
        overall = context_rates[rate].iloc[0] if rate in context_rates else None
        overall_moe = context_rates[rate + privacy.MOE_SUFFIX].iloc[0] \
            if rate + privacy.MOE_SUFFIX in context_rates else None
        moe = have[rate + privacy.MOE_SUFFIX] if rate + privacy.MOE_SUFFIX in have else pd.Series(0.0, have.index)
        if scope.kind == "district":
            return _own_district(have, moe, rate, words, base, base_words, scope, _pct_moe(overall, overall_moe),
                                 area)
        lowest = have.assign(_top=pd.to_numeric(have[rate]) + moe.fillna(0)).sort_values(
            [rate, base], ascending=[True, False]).iloc[0]
        stands_out = not text.is_missing(overall) and lowest["_top"] < float(overall) - float(overall_moe or 0)
        name = i18n.place(lowest["name"])
        figure = _("{rate} of {n} {base}").format(rate=_pct_moe(lowest[rate], moe.loc[lowest.name]),
                                                  n=text.count(lowest[base]), base=base_words)
        if stands_out:
            return Finding(_("Lowest {words} in {area}: {name}").format(words=words, area=area, name=name),
                           _("{name}: {figure}, against {overall} across {area}, beyond the margins ({n} districts "
                             "compared).").format(name=name, figure=figure, overall=_pct_moe(overall, overall_moe),
                                                  area=area, n=len(have)), "district")
        return Finding(_("No district's {words} stands out in {area}").format(words=words, area=area),
                       _("The lowest of {n} districts, {name} ({figure}), is within the margin of the rate across "
                         "{area} ({overall}).").format(n=len(have), name=name, figure=figure, area=area,
                                                       overall=_pct_moe(overall, overall_moe)), "district")
    return Finding(_("No district comparison possible"),
                   _("Fewer than {n} districts of {area} have {below} or more cases at each stage, so their rates "
                     "cannot be compared.").format(n=MIN_COMPARE, area=area, below=privacy.SHOW_BELOW), "district")


def _pct_moe(value, moe) -> str:
    return text.with_margin(_pct(value), moe, " pp")


def _own_district(have: pd.DataFrame, moe: pd.Series, rate: str, words: str, base: str, base_words: str,
                  scope: Scope, overall: str, area: str) -> Finding:
    """The district's own rate, and where its margin allows it to rank among its area's districts."""
    own = have[have["district_id"] == scope.value]
    name = text.scope_short(scope)
    if own.empty:
        return Finding(_("{name}: too few cases for its {words}").format(name=name, words=words),
                       _("{name} has fewer than {below} cases at a stage its {words} needs, while the rate is "
                         "{overall} across {area}.").format(name=name, below=privacy.SHOW_BELOW, words=words,
                                                             overall=overall, area=area), "district")
    row = own.iloc[0]
    best, worst = queries.rank_bounds(have[rate], moe).loc[own.index[0]]
    where = _ordinal(int(best)) if best == worst else _("anywhere from {best} to {worst}").format(
        best=_ordinal(int(best)), worst=_ordinal(int(worst)))
    return Finding(_("{name}'s {words}: {rate}").format(name=name, words=words, rate=_pct(row[rate])),
                   _("{rate} of {n} {base}, against {overall} across {area}; it ranks {where} of {count} districts, "
                     "counting from the highest.").format(rate=_pct_moe(row[rate], moe.loc[own.index[0]]),
                                                          n=text.count(row[base]), base=base_words, overall=overall,
                                                          area=area, where=where, count=len(have)), "district")


def _ordinal(n: int) -> str:
    if i18n.is_urdu():
        return _("{n}th").format(n=n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def trend_finding(headline: pd.DataFrame, period: str, previous: str) -> Finding:
    """Cases reported against the previous period of equal length, and the conviction rate's change."""
    h = headline.set_index("base")
    cases, before, change = h.loc["cases", "value"], h.loc["cases", "previous"], h.loc["cases", "change"]
    counts = {"cases": text.count(cases), "before": text.count(before), "period": period, "previous": previous}
    if text.is_missing(change):
        title = _("No trend can be shown")
        detail = _("{cases} cases reported in {period}, {before} in {previous}: too few in one of the periods to "
                   "compute a change.").format(**counts)
    else:
        c = float(change)
        by = f"{i18n.number(abs(c), grouping=False)}%"
        title = _("Cases reported rose by {by}").format(by=by) if c > 0.5 else \
            _("Cases reported fell by {by}").format(by=by) if c < -0.5 else _("Cases reported held steady")
        detail = _("{cases} in {period} against {before} in {previous}.").format(**counts)
    rate, rate_change = h.loc["conviction_rate", "value"], h.loc["conviction_rate", "change"]
    in_year = h.loc["conviction_rate", "measure"] != "conviction_rate"
    if h.loc["conviction_rate", "note"]:
        detail += " " + _("Convictions are not compared: many of these cases are {note}.").format(
            note=h.loc["conviction_rate", "note"])
    elif not text.is_missing(rate_change):
        rc = float(rate_change)
        points = i18n.number(abs(rc), 1, grouping=False)
        if rc > 0:
            move = _("The conviction rate in the year rose by {points} percentage points, to {rate}.") if in_year \
                else _("The conviction rate rose by {points} percentage points, to {rate}.")
        elif rc < 0:
            move = _("The conviction rate in the year fell by {points} percentage points, to {rate}.") if in_year \
                else _("The conviction rate fell by {points} percentage points, to {rate}.")
        else:
            move = _("The conviction rate in the year did not change, to {rate}.") if in_year \
                else _("The conviction rate did not change, to {rate}.")
        detail += " " + move.format(points=points, rate=_pct(rate))
    elif not text.is_missing(rate):
        detail += " " + (_("Conviction rate in the year {rate} (no comparable rate for {previous}).") if in_year
                         else _("Conviction rate {rate} (no comparable rate for {previous}).")).format(
            rate=_pct(rate), previous=previous)
    return Finding(title, detail, "trend")


def findings(data: BriefData) -> list[Finding]:
    """Three plain-language findings: the biggest drop-off, the weakest district by rate, the trend."""
    return [
        dropoff_finding(data.funnel, data.in_court, data.period),
        district_finding(data.by_district, data.context_rates, data.scope, data.context),
        trend_finding(data.headline, data.period, data.previous_period),
    ]


# Map -----------------------------------------------------------------------------------------------------------


def _rings(geometry: Mapping) -> Iterable[Sequence[Sequence[float]]]:
    kind = (geometry or {}).get("type")
    coords = (geometry or {}).get("coordinates") or []
    polys = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for poly in polys:
        yield from poly


def class_breaks(values: Sequence[float], classes: int = 5) -> list[float]:
    """Upper bounds of up to ``classes`` classes of roughly equal size (quantiles of the published values)."""
    vals = sorted(v for v in values if v > 0)
    if not vals:
        return []
    breaks = []
    for i in range(1, classes + 1):
        b = vals[min(len(vals) - 1, math.ceil(i * len(vals) / classes) - 1)]
        if not breaks or b > breaks[-1]:
            breaks.append(b)
    return breaks


def map_svg(geojson: Mapping | None, values: Mapping[str, object], frame: Iterable[str], coloured: Iterable[str],
            highlight: Iterable[str] = (), title: str = "", width: float = 360, height: float = 300,
            points: Mapping[str, tuple[float, float]] | None = None) -> tuple[str, list[float]]:
    """A small choropleth as inline SVG (and its class breaks): districts of ``frame`` drawn, those in
    ``coloured`` filled by value.

    ``values`` maps district id -> released count (NA = under 10). Lon/lat are projected equirectangularly
    (scaled by the cosine of the middle latitude), which is accurate enough at Pakistan's size. Without
    boundaries, districts are dots at ``points`` (lat, lon).
    """
    frame, coloured, highlight = set(frame), set(coloured), set(highlight)
    feats = [ft for ft in (geojson or {}).get("features", [])
             if (ft.get("properties") or {}).get("district_id") in frame]
    shapes: dict[str, list[list[tuple[float, float]]]] = {}
    for ft in feats:
        shapes.setdefault(ft["properties"]["district_id"], []).extend(
            [[(float(p[0]), float(p[1])) for p in ring] for ring in _rings(ft.get("geometry"))])
    if not shapes and points:
        shapes = {d: [[(lon, lat)]] for d, (lat, lon) in points.items() if d in frame}
    if not shapes:
        return "", []
    lons = [p[0] for rings in shapes.values() for ring in rings for p in ring]
    lats = [p[1] for rings in shapes.values() for ring in rings for p in ring]
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x, span_y = max((max(lons) - min(lons)) * kx, 1e-6), max(max(lats) - min(lats), 1e-6)
    pad = 6
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    w, h = span_x * scale + 2 * pad, span_y * scale + 2 * pad

    west, north = min(lons), max(lats)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return pad + (lon - west) * kx * scale, pad + (north - lat) * scale

    nums = {d: float(v) for d, v in values.items() if d in coloured and not text.is_missing(v)}
    breaks = class_breaks(list(nums.values()))

    def fill(district_id: str) -> str:
        if district_id not in coloured:
            return OUTSIDE_FILL
        v = nums.get(district_id)
        if v is None:
            return SUPPRESSED_FILL
        if v <= 0:
            return "#ffffff"
        return CLASS_COLOURS[next(i for i, b in enumerate(breaks) if v <= b) + (5 - len(breaks))]

    parts = []
    for district_id, rings in shapes.items():
        colour = fill(district_id)
        stroke = "#000" if district_id in highlight else "#ffffff" if district_id in coloured else "#d0d0d0"
        sw = 2.2 if district_id in highlight else 0.5
        if len(rings) == 1 and len(rings[0]) == 1:  # a point (no boundaries)
            x, y = xy(*rings[0][0])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}" stroke="#555" stroke-width="0.5"/>')
            continue
        d = " ".join(_path(ring, xy) for ring in rings)
        if d:
            parts.append(f'<path d="{d}" fill="{colour}" stroke="{stroke}" stroke-width="{sw}" '
                         f'stroke-linejoin="round" data-district="{html.escape(district_id)}"/>')
    # Highlighted districts last, so their outline is on top.
    parts.sort(key=lambda p: 'stroke="#000"' in p)
    label = html.escape(title)
    return (f'<svg viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
            f'aria-label="{label}" class="map">{"".join(parts)}</svg>'), breaks


def _path(ring: Sequence[tuple[float, float]], xy) -> str:
    """One ring as an SVG path, with points closer than 0.7 units to the last kept one dropped."""
    out: list[tuple[float, float]] = []
    for lon, lat in ring:
        x, y = xy(lon, lat)
        if not out or abs(x - out[-1][0]) + abs(y - out[-1][1]) >= 0.7:
            out.append((x, y))
    if len(out) < 3:
        return ""
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in out) + "Z"


def map_legend(breaks: Sequence[float], scope: Scope, zeros: bool = False) -> str:
    items = []
    lo = privacy.SHOW_BELOW  # published counts are 0, suppressed, or at least the threshold
    offset = 5 - len(breaks)
    for i, b in enumerate(breaks):
        rng = i18n.isolate(f"{int(lo):,}–{int(b):,}") if int(b) != int(lo) else f"{int(b):,}"
        items.append(f'<span><i style="background:{CLASS_COLOURS[i + offset]}"></i>{rng}</span>')
        lo = b + 1
    fewer = _("fewer than {n}").format(n=privacy.SHOW_BELOW)
    items.append(f'<span><i style="background:{SUPPRESSED_FILL}"></i>{html.escape(fewer)}</span>')
    if zeros:
        none = _("none recorded")
        items.append(f'<span><i style="background:#ffffff"></i>{html.escape(none)}</span>')
    if scope.kind in ("division", "region"):
        outside = _("outside {area}").format(area=text.scope_label(scope))
        items.append(f'<span><i style="background:{OUTSIDE_FILL}"></i>{html.escape(outside)}</span>')
    if scope.kind == "district":
        items.append(f'<span><i style="background:#fff;border:2px solid #000"></i>'
                     f'{html.escape(text.scope_short(scope))}</span>')
    return '<div class="legend">' + "".join(items) + "</div>"


def map_for(data: BriefData, districts_geo: Mapping | None, options: FilterOptions) -> tuple[str, list[float]]:
    """The brief's map: the scope's province (or Pakistan), districts coloured by cases reported."""
    frame = set(data.scope.frame().district_ids(options))
    df = data.districts
    values = dict(zip(df["district_id"], df["cases"], strict=True))
    points = {r.district_id: (float(r.lat), float(r.lon)) for r in df.itertuples()
              if not text.is_missing(r.lat) and not text.is_missing(r.lon)}
    highlight = data.scope.districts if data.scope.kind == "district" else ()
    return map_svg(districts_geo, values, frame, coloured=set(df["district_id"]), highlight=highlight,
                   title=_("Cases reported by district, {period}").format(period=data.period), points=points)


# HTML ------------------------------------------------------------------------------------------------------------

CSS = """
@page { size: A4 portrait; margin: 11mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font-family: "Source Sans Pro", "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
       font-size: 9.2pt; line-height: 1.3; color: #1a1a1a; background: #fff; }
.page { width: 186mm; margin: 0 auto; }
@media screen { body { background: #e9ecef; } .page { background: #fff; padding: 11mm 12mm; width: 210mm;
  min-height: 297mm; margin: 8mm auto; box-shadow: 0 1px 6px rgba(0,0,0,.25); } }
.demo { border: 2px solid #b00020; background: #fdecee; color: #7a0016; font-weight: 700; padding: 1.6mm 3mm;
        margin-bottom: 3mm; font-size: 9.5pt; }
header { border-bottom: 2.5pt solid #0B5A8C; padding-bottom: 2mm; margin-bottom: 3mm; }
h1 { font-size: 16.5pt; margin: 0 0 1mm; line-height: 1.15; color: #0B3A5C; }
.sub { color: #444; font-size: 8.6pt; }
h2 { font-size: 10.5pt; margin: 0 0 1.5mm; color: #0B3A5C; text-transform: uppercase; letter-spacing: .03em; }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 2mm; margin-bottom: 3.5mm; }
.tile { border: 1px solid #c9d3dc; border-top: 3pt solid #0B5A8C; padding: 1.5mm 2mm; }
.tile .v { font-size: 17pt; font-weight: 700; line-height: 1.1; }
.tile .v.na { font-size: 12pt; line-height: 1.15; padding: 1mm 0 1.2mm; }
.tile .m { font-size: 8pt; color: #555; }
.tile .l { font-size: 8pt; color: #333; font-weight: 600; }
.tile .c { font-size: 7.6pt; color: #555; margin-top: .6mm; }
.row { display: grid; grid-template-columns: 84mm 1fr; gap: 5mm; margin-bottom: 3.5mm; }
.map { width: 100%; height: auto; max-height: 72mm; display: block; }
.legend { display: flex; flex-wrap: wrap; gap: 1mm 3mm; font-size: 7.4pt; color: #333; margin-top: 1mm; }
.legend i { display: inline-block; width: 3.2mm; height: 3.2mm; margin-inline-end: 1mm; vertical-align: -0.5mm;
            border: .5px solid #999; }
.funnel { width: 100%; border-collapse: collapse; }
.funnel td { padding: 1mm 0; vertical-align: middle; font-size: 8.8pt; }
.funnel td.lab { width: 32mm; font-weight: 600; padding-inline-end: 2mm; }
.funnel td.num { width: 15mm; text-align: end; font-weight: 700; padding-inline-start: 1.5mm; }
.funnel td.lost { width: 19mm; text-align: end; color: #7a2e00; font-size: 8pt; }
.bar { height: 5mm; min-width: .8mm; }
.bar.sup { background: repeating-linear-gradient(45deg, #bdbdbd 0 1.2mm, #fff 1.2mm 2mm) !important;
           border: .5px solid #888; }
.note { font-size: 7.6pt; color: #555; margin-top: 1.5mm; }
.findings { list-style: none; padding: 0; margin: 0 0 3.5mm; display: grid; grid-template-columns: repeat(3, 1fr);
            gap: 3mm; }
.findings li { border-inline-start: 3pt solid #E69F00; background: #fbf7ef; padding: 2mm 2.5mm; }
.findings b { display: block; font-size: 9.6pt; margin-bottom: .8mm; }
footer { border-top: 1px solid #c9d3dc; padding-top: 2mm; font-size: 7.4pt; color: #333; }
footer p { margin: 0 0 1.1mm; }
footer ul { margin: 0 0 1.1mm; padding-inline-start: 4mm; }
.print { margin: 0 0 4mm; font: inherit; padding: 1.5mm 4mm; cursor: pointer; }
@media print { .print { display: none; } }
"""
# Urdu: the bundled font (embedded, so the saved file needs nothing else), a little smaller to keep one A4 page with
# Urdu's taller lines; no capitals to space out in the headings.
URDU_CSS = """
body { font-family: "%s", "Source Sans Pro", "DejaVu Sans", sans-serif; font-size: 8.6pt; line-height: 1.45; }
h1 { font-size: 15pt; line-height: 1.5; } h2 { letter-spacing: 0; font-size: 10pt; }
.tile .v, .tile .m, .funnel td.num { direction: ltr; unicode-bidi: isolate; }
.tile .v, .tile .m { text-align: end; }
.findings li { padding: 1.5mm 2mm; } .findings b { font-size: 9pt; }
"""


def tile_value(row: pd.Series) -> str:
    return text.percent(row["value"]) if row["change_unit"] == "pp" else text.count(row["value"])


def tile_margin(row: pd.Series) -> str:
    """'± 14' (or '± 3.1 pp') under a headline value, as the pages' tiles show it; '' when the value is not shown."""
    return text.plus_minus(tile_value(row), row["moe"], " pp" if row["change_unit"] == "pp" else "")


def _tiles(data: BriefData) -> str:
    out = []
    for _index, row in data.headline.iterrows():
        raw = row["value"]
        raw_attr = "" if text.is_missing(raw) else f"{float(raw):g}"
        out.append(
            f'<div class="tile" data-measure="{row["measure"]}" data-value="{raw_attr}">'
            f'<div class="v{" na" if text.is_missing(raw) and row["change_unit"] == "pp" else ""}">'
            f'{html.escape(tile_value(row))}</div><div class="m">{html.escape(tile_margin(row))}</div>'
            f'<div class="l">{html.escape(text.short(row["measure"]))}</div>'
            f'<div class="c">{html.escape(text.headline_change(row, data.previous_period))}</div></div>')
    return '<section class="tiles">' + "".join(out) + "</section>"


def funnel_html(funnel: pd.DataFrame, complete: bool = True) -> str:
    values = [None if text.is_missing(v) else float(v) for v in funnel["value"]]
    top = max([v for v in values if v] + [1.0])
    rows = []
    for (_index, row), v in zip(funnel.iterrows(), values, strict=True):
        colour = charts.MEASURE_COLOURS.get(row["stage"], charts.CATEGORICAL[0])
        if v is None:
            bar = f'<div class="bar sup" style="width:{100 * privacy.SHOW_BELOW / top:.1f}%"></div>'
        else:
            bar = f'<div class="bar" style="width:{100 * v / top:.1f}%;background:{colour}"></div>'
        lost = html.escape(text.stage_loss(row["stage"], row["share_lost"], complete))
        raw_attr = "" if v is None else f"{v:g}"
        rows.append(f'<tr data-stage="{row["stage"]}" data-value="{raw_attr}"><td class="lab">'
                    f'{html.escape(text.title(row["stage"]))}</td><td>{bar}</td><td class="num">'
                    f'{html.escape(text.count(row["value"]))}</td><td class="lost">{lost}</td></tr>')
    return '<table class="funnel">' + "".join(rows) + "</table>"


def render(data: BriefData, map_part: tuple[str, list[float]] = ("", [])) -> str:
    """The brief as one self-contained HTML document (A4, one page)."""
    s = data.status
    is_demo = bool(s.get("is_demo"))
    esc = html.escape
    title = _("{area}: trafficking in persons and bonded labour, {period}").format(
        area=text.scope_label(data.scope), period=data.period)
    last = s.get("last_month")
    as_of = text.data_as_of(last)
    version = s.get("release_id") or _("unknown")
    generated = i18n.isolate(data.generated.isoformat())
    invented = _("Every number below is invented to show how the brief works.")
    demo = f'<div class="demo">{esc(text.DEMO_NOTE)} {esc(invented)}</div>' if is_demo else ""
    svg, breaks = map_part
    zeros = bool((data.districts["cases"].fillna(1) == 0).any())
    no_map = _("Boundary files are not installed, so no map can be drawn.")
    map_block = (svg + map_legend(breaks, data.scope, zeros)) if svg else f'<p class="note">{esc(no_map)}</p>'
    funnel_lead = text.funnel_lead(data.funnel, complete=data.in_court["complete"])
    funnel_block = funnel_html(data.funnel, data.in_court["complete"])
    period_note = f" {text.PERIOD_TILES}" if data.headline.attrs.get("view") == "period" else ""
    items = "".join(f"<li><b>{i}. {esc(fd.title)}</b>{esc(fd.detail)}</li>"
                    for i, fd in enumerate(findings(data), start=1))
    smuggling = text.smuggling_sentence(data.smuggling, data.filters.include_smuggling)
    sources = "".join(f"<li>{esc(_(src))}</li>" for src in SOURCES)
    citation = text.citation(version, generated, is_demo=is_demo)
    urdu_css = i18n.font_face_css() + URDU_CSS % i18n.FONT_FAMILY if i18n.is_urdu() else ""
    sub = _("Briefing pack · {filters} · change against {previous} · data to {as_of} · generated {generated}").format(
        filters=data.filters_text, previous=data.previous_period, as_of=as_of, generated=generated)
    how_to_read = _("Rates and changes are computed from the published numbers; “not available” means a number they "
                    "need is too small. Reported cases are not prevalence: more cases can mean better reporting.")
    data_version = _("Release {version}, ETL run {run}, data to {as_of}.").format(
        version=version, run=s.get("run_id") or _("unknown"), as_of=as_of) + (
        " " + _("Synthetic demo data.") if is_demo else "")
    words = {"print": _("Print or save as PDF (A4)"), "map": _("Cases reported by district, {period}").format(
        period=data.period), "funnel": _("From report to conviction"), "findings": _("Three findings from the data"),
        "read": _("How to read the numbers."), "sources": _("Sources."), "version": _("Data version."),
        "cite": _("Cite as.")}
    w = {key: esc(value) for key, value in words.items()}
    return f"""<!DOCTYPE html>
<html lang="{i18n.language()}" dir="{i18n.direction()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="tipdash-scope" content="{esc(data.scope.token or data.scope.label)}">
<meta name="tipdash-period" content="{data.filters.year_from}-{data.filters.year_to}">
<meta name="tipdash-warehouse-version" content="{esc(version)}">
<title>{esc(title)}</title>
<style>{CSS}{urdu_css}</style></head>
<body><div class="page">
<button class="print" type="button" onclick="window.print()">{w["print"]}</button>
{demo}
<header><h1>{esc(title)}</h1>
<div class="sub">{esc(sub)}</div></header>
{_tiles(data)}
<section class="row">
<div><h2>{w["map"]}</h2>{map_block}</div>
<div><h2>{w["funnel"]}</h2><p style="margin:0 0 1.5mm">{esc(funnel_lead)}</p>{funnel_block}
<p class="note">{esc(text.COHORT_NOTE)} {esc(smuggling)}</p></div>
</section>
<h2>{w["findings"]}</h2>
<ol class="findings">{items}</ol>
<footer>
<p><b>{w["read"]}</b> {esc(text.SUPPRESSION_NOTE)}{esc(period_note)} {esc(how_to_read)}</p>
<p><b>{w["sources"]}</b></p><ul>{sources}</ul>
<p><b>{w["version"]}</b> {esc(data_version)}</p>
<p><b>{w["cite"]}</b> {esc(citation)}</p>
</footer>
</div></body></html>
"""


def build(scope: Scope, f: Filters, options: FilterOptions, districts_geo: Mapping | None = None,
          generated: dt.date | None = None) -> str:
    """Collect, compute the findings, draw the map and render: the finished HTML."""
    data = collect(scope, f, options, generated)
    return render(data, map_for(data, districts_geo, options))


def filename(scope: Scope, f: Filters) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", scope.label.lower()).strip("-") or "area"
    return f"tip-brief-{slug}-{f.year_from}-{f.year_to}.html"
