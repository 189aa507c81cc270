"""Slide builders for present mode: data in, HTML snippets or plotly figures out, sized for a projector. No st.*.

Everything is designed for a 1920×1080 screen read from the back of a hall (text at least 20 px, most 24–50 px,
chart labels 20–30 px) and scaled to the screen it is shown on, so a slide fills any projector without scrolling:
the stylesheet's sizes are multiples of ``--u`` (one design pixel: the smaller of the window's width / 1920 and
height / 1080), and figures are built at the same scale (:attr:`Theme.zoom`, from the window size the page reports;
:func:`zoom_for`). Not CSS ``zoom`` or ``transform`` on the page: they misplace MapLibre's canvas.
Two high-contrast themes: ``dark`` (white and yellow on black, for dim halls)
and ``light`` (black on white, for bright halls where a projector washes out dark backgrounds).

Figures reuse the dashboard's builders (:mod:`tipdash.charts`, :mod:`tipdash.maps`), so a slide shows the same
protected numbers, the same "<10" stubs and the same hover text; :func:`projector` only restyles them.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.colors as pcolors
import plotly.graph_objects as go

from tipdash import brief, charts, i18n, maps, privacy, published_charts, qr, queries, text
from tipdash.i18n import N_, _
from tipdash.scopes import Scope


@dataclass(frozen=True)
class Theme:
    name: str
    label: str
    bg: str
    fg: str
    muted: str
    accent: str
    panel: str
    grid: str
    na: str
    outline: str
    stages: Mapping[str, str]
    scale: list
    warn_bg: str
    warn_fg: str
    zoom: float = 1.0  # screen pixels per design pixel (1920×1080 design)

    def px(self, size: float) -> int:
        """A design size in pixels on this screen."""
        return max(1, round(size * self.zoom))


THEMES: dict[str, Theme] = {
    "dark": Theme(
        "dark", N_("High contrast, dark (dim halls)"), bg="#000000", fg="#FFFFFF", muted="#D9D9D9", accent="#FFD23F",
        panel="#161616", grid="#4A4A4A", na="#5A5A5A", outline="#F2F2F2",
        stages={"cases": "#56B4E9", "firs": "#E69F00", "charge_sheets": "#1FC99A", "trials": "#F28AC7",
                "convictions": "#FF7A3D"},
        # dark blue (few) to yellow (many): on black, brighter means more
        scale=[[0, "#1D4E89"], [0.35, "#2A9FD6"], [0.7, "#7FDBB6"], [1, "#FFE74C"]],
        warn_bg="#FFD23F", warn_fg="#000000"),
    "light": Theme(
        "light", N_("High contrast, light (bright halls)"), bg="#FFFFFF", fg="#000000", muted="#262626",
        accent="#0B5A8C", panel="#F1F4F7", grid="#B8B8B8", na="#CFCFCF", outline="#1A1A1A",
        stages=charts.MEASURE_COLOURS,  # the page's and the brief's stage colours
        scale="YlGnBu", warn_bg="#FFF3B0", warn_fg="#000000"),
}
DEFAULT_THEME = "dark"
DESIGN = (1920, 1080)  # the screen the slides are designed for; others scale (see zoom_for)
TITLE_CHARS = 64  # a chart title in a 3/5 column at 28 px; longer titles wrap
HALF_TITLE_CHARS = 54  # in a half-width column
BUBBLES_NOTE = " (district centres: boundary files not available)"  # said once under the map instead
FONT_FAMILY = "Source Sans Pro, Segoe UI, DejaVu Sans, Helvetica, Arial, sans-serif"
BASE_FONT = 24
CHART_HEIGHT = 680  # design pixels: a chart, with the heading, a note, the control bar and footer, in 1080
MAP_HEIGHT = CHART_HEIGHT - 200  # design pixels of a slide map's own area: the chart less its title and colour bar

# The deck: URL name, title shown in the control bar.
SLIDES: list[tuple[str, str]] = [  # titles in English; translated where shown
    ("numbers", N_("Key numbers")),
    ("map", N_("Hotspot map")),
    ("funnel", N_("Conviction funnel")),
    ("tiers", N_("TIP tier and enforcement")),
    ("scorecard", N_("District scorecard")),
    ("findings", N_("Three findings")),
    ("sources", N_("Sources")),
]
SLIDE_NAMES = [name for name, _ in SLIDES]

# The words the present page and the PowerPoint deck both put on a slide: one wording each, in English here and
# translated where shown (``wording``).
WORDS = {
    "numbers": N_("Trafficking in persons and bonded labour: the key numbers"),
    "map": N_("Where cases are reported: {area}"),
    "map_chart": N_("Cases reported by district, {area}, {period}"),
    "most_cases": N_("Most cases reported"),
    "funnel": N_("The conviction gap: from report to conviction"),
    "tiers_area": N_("Pakistan · US Trafficking in Persons Report"),
    "tiers": N_("Pakistan's TIP tier next to its law-enforcement figures"),
    "scorecard": N_("District scorecard: {within}"),
    "bands_chart": N_("Scorecard bands, {area}, {period}"),
    "score_note": N_("Score 0–100 from five indicators, equal weights; under {n} cases reported, or fewer than "
                     "{indicators} indicators precise enough to show: insufficient data. Not the State Department's "
                     "method."),
    "findings": N_("Three findings from the data"),
    "sources": N_("Sources, data version and what to take away"),
}


def wording(key: str, **values) -> str:
    """One of :data:`WORDS` in the language of the run, its placeholders filled."""
    return _(WORDS[key]).format(**values)


def slide_number(raw: str | None) -> int | None:
    """1-based slide number from a URL value: a number ("3") or a slide's name ("funnel"); None if neither."""
    if raw is None:
        return None
    raw = str(raw).strip().lower()
    if raw in SLIDE_NAMES:
        return SLIDE_NAMES.index(raw) + 1
    if raw.isdigit() and 1 <= int(raw) <= len(SLIDES):
        return int(raw)
    return None


# Page CSS -----------------------------------------------------------------------------------------------------


def zoom_for(size: Sequence[float] | None) -> float:
    """Screen pixels per design pixel in a window of ``size`` (width, height): the slide fits both ways."""
    if not size or len(size) != 2 or min(size) <= 0:
        return 1.0
    return round(min(size[0] / DESIGN[0], size[1] / DESIGN[1]), 3)


def themed(name: str, zoom: float = 1.0) -> Theme:
    return replace(THEMES[name], zoom=zoom)


def _scaled(css_text: str) -> str:
    # Every length written in design pixels becomes a multiple of --u, so the stylesheet scales with the window.
    return re.sub(r"(?<![\w.#-])(\d+(?:\.\d+)?)px", r"calc(\1 * var(--u))", css_text)


def css(theme: Theme, controls: bool = True) -> str:
    """Present mode's stylesheet: Streamlit's chrome and sidebar hidden, the theme, type scaled to the window.

    ``controls=False`` hides the control bar (it stays in the page, so the arrow keys still move the deck).
    """
    hide = "" if controls else ".st-key-pr_controls { display: none !important; }\n"
    unit = f":root {{ --u: min(calc(100vw / {DESIGN[0]}), calc(100vh / {DESIGN[1]})); }}\n"
    urdu = i18n.font_face_css() + URDU_SHEET % i18n.FONT_FAMILY if i18n.is_urdu() else ""
    return f"<style>\n{unit}{hide}{_scaled(_sheet(theme))}{urdu}</style>"


# Urdu: the slides read right to left in the bundled font (its Arabic script only: digits keep the usual fonts); a
# tile's number and margin stay left to right. Charts get the font here, in their SVG text, not in the figure: a map's
# labels are drawn by MapLibre, which draws nothing with a font it has no glyphs for.
URDU_SHEET = """
.pr-slide, [data-testid="stMain"] p, [data-testid="stMain"] label, [data-testid="stMain"] button,
[data-testid="stPlotlyChart"] svg text {
  font-family: "%s", Source Sans Pro, DejaVu Sans, sans-serif !important; }
[data-testid="stMain"] { direction: rtl; }
[data-testid="stMain"] [data-testid="stElementContainer"], [data-testid="stMain"] [data-testid="stMarkdownContainer"] {
  text-align: right; }
.pr-slide .v, .pr-slide .m, .pr-slide .pr-rank td.n, [data-testid="stPlotlyChart"] { direction: ltr;
  unicode-bidi: isolate; }
.pr-slide .v, .pr-slide .m { text-align: right; }
.pr-slide .pr-rank td.n { text-align: left; }
"""


def _sheet(theme: Theme) -> str:
    t = theme
    return f"""
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
[data-testid="stHeader"], header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stMainMenu"], [data-testid="stAppDeployButton"], footer {{ display: none !important; }}
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{ background: {t.bg} !important; }}
[data-testid="stMainBlockContainer"], .block-container {{ max-width: 100% !important;
  padding: 10px 36px 4px !important; }}
[data-testid="stMain"] [data-testid="stVerticalBlock"] {{ gap: 10px !important; }}
[data-testid="stMain"] [data-testid="stHorizontalBlock"] {{ gap: 40px !important; }}
[data-testid="stMain"] .st-key-pr_controls [data-testid="stHorizontalBlock"] {{ gap: 12px !important;
  flex-wrap: nowrap !important; }}
[data-testid="stMain"] .st-key-pr_controls [data-testid="stColumn"] {{ min-width: 0 !important; }}
[data-testid="stMain"] [data-testid="stIconMaterial"] {{ font-size: 22px !important; }}
.st-key-pr_viewport {{ display: none !important; }}
[data-testid="stMain"] [data-testid="stMarkdownContainer"]:has(> .pr-slide) {{ margin-bottom: 0 !important; }}
[data-testid="stMain"] {{ color: {t.fg}; }}
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] {{ color: {t.fg}; }}
[data-testid="stMain"] [data-testid="stAlertContainer"] {{ background: {t.warn_bg} !important;
  padding: 6px 16px !important; }}
[data-testid="stMain"] [data-testid="stAlertContainer"] p,
[data-testid="stMain"] [data-testid="stAlertContainer"] [data-testid="stMarkdownContainer"] {{
  color: {t.warn_fg} !important; font-size: 22px !important; line-height: 1.25; }}
[data-testid="stMain"] [data-testid="stAlertContainer"] svg {{ fill: {t.warn_fg}; color: {t.warn_fg};
  width: 22px; height: 22px; }}
[data-testid="stMain"] .stButton button, [data-testid="stMain"] .stDownloadButton button,
[data-testid="stMain"] [data-testid="stPopover"] button, [data-testid="stMain"] .stPageLink a {{
  background: {t.panel} !important; color: {t.fg} !important; border: 2px solid {t.fg} !important;
  min-height: 52px; padding: 4px 12px !important; font-size: 22px !important; font-weight: 700; }}
[data-testid="stMain"] .stButton button p, [data-testid="stMain"] .stDownloadButton button p,
[data-testid="stMain"] [data-testid="stPopover"] button p, [data-testid="stMain"] .stPageLink a p,
[data-testid="stMain"] .stPageLink a span {{ font-size: 22px !important; color: {t.fg} !important; }}
[data-testid="stMain"] .stButton button:focus-visible {{ outline: 4px solid {t.accent}; }}
[data-testid="stMain"] .stButton button:disabled {{ opacity: 0.35; }}
.pr-slide {{ font-family: {FONT_FAMILY}; color: {t.fg}; }}
.pr-kicker {{ font-size: 26px; font-weight: 700; color: {t.accent}; letter-spacing: .02em; margin: 0;
  line-height: 1.25; }}
.pr-title {{ font-size: 48px; font-weight: 800; line-height: 1.1; margin: 0; padding: 2px 0 6px; color: {t.fg}; }}
.pr-head {{ display: flex; justify-content: space-between; align-items: flex-start; gap: 24px; }}
.pr-qr {{ display: flex; align-items: center; gap: 16px; margin-top: 8px; }}
.pr-head .pr-qr {{ max-width: 40%; margin-top: 0; }}
.pr-qr svg {{ width: 150px; height: 150px; flex: none; }}
.pr-qr .q {{ font-size: 20px; line-height: 1.25; color: {t.muted}; }}
.pr-footer > span:last-child {{ white-space: nowrap; }}
.pr-footer .pr-warn {{ font-weight: 700; color: {t.warn_fg}; background: {t.warn_bg}; padding: 0 10px; }}
.pr-tiles {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 18px; margin-top: 8px; }}
.pr-tile {{ background: {t.panel}; border: 3px solid {t.grid}; border-top: 10px solid {t.accent};
  padding: 14px 24px 16px; }}
.pr-tile .v {{ font-size: 100px; font-weight: 800; line-height: 1.0; color: {t.fg}; }}
.pr-tile .v.na {{ font-size: 60px; line-height: 1.667; }}
.pr-tile .m {{ font-size: 28px; color: {t.muted}; min-height: 34px; }}
.pr-tile .l {{ font-size: 36px; font-weight: 700; color: {t.fg}; margin-top: 6px; line-height: 1.15; }}
.pr-tile .c {{ font-size: 26px; color: {t.muted}; margin-top: 6px; line-height: 1.25; }}
.pr-note {{ font-size: 24px; color: {t.muted}; margin-top: 4px; line-height: 1.3; }}
.pr-panel {{ background: {t.panel}; border: 3px solid {t.grid}; padding: 18px 26px; }}
.pr-panel h3 {{ font-size: 34px; margin: 0 0 12px; color: {t.accent}; font-weight: 800; }}
.pr-rank {{ width: 100%; border-collapse: collapse; font-size: 30px; }}
.pr-slide .pr-rank, .pr-slide .pr-rank tr, .pr-slide .pr-rank td {{ background: transparent; border: 0; }}
.pr-slide .pr-rank td {{ padding: 5px 6px; border-bottom: 2px solid {t.grid}; color: {t.fg}; line-height: 1.25; }}
.pr-slide .pr-rank td.n {{ text-align: right; font-weight: 800; white-space: nowrap; }}
.pr-slide .pr-rank td.i {{ width: 2.2em; color: {t.muted}; white-space: nowrap; }}
.pr-slide .pr-rank-note {{ font-size: 20px; color: {t.muted}; margin: 8px 0 0; line-height: 1.3; }}
.pr-slide .pr-rank tr.hl td {{ color: {t.bg}; background: {t.accent}; font-weight: 800; }}
.pr-big {{ font-size: 38px; font-weight: 800; line-height: 1.2; margin: 0 0 18px; color: {t.fg}; }}
.pr-text {{ font-size: 28px; line-height: 1.3; margin: 0 0 16px; color: {t.fg}; }}
.pr-findings {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 26px; margin-top: 10px; }}
.pr-finding {{ background: {t.panel}; border: 3px solid {t.grid}; border-top: 10px solid {t.accent};
  padding: 20px 28px; min-height: 560px; }}
.pr-finding .k {{ font-size: 64px; font-weight: 800; color: {t.accent}; line-height: 1; }}
.pr-finding b {{ display: block; font-size: 42px; line-height: 1.15; margin: 12px 0 16px; color: {t.fg}; }}
.pr-finding .d {{ font-size: 32px; line-height: 1.3; margin: 0; color: {t.fg}; }}
.pr-slide .pr-sources {{ font-size: 27px; line-height: 1.3; color: {t.fg}; margin: 0; padding-left: 1.1em; }}
.pr-slide .pr-sources li {{ margin-bottom: 8px; color: {t.fg}; }}
.pr-small {{ font-size: 23px; color: {t.muted}; line-height: 1.3; margin: 8px 0 0; }}
.pr-bar {{ font-size: 24px; color: {t.fg}; font-weight: 700; text-align: center; }}
.pr-footer {{ font-size: 20px; color: {t.muted}; border-top: 2px solid {t.grid}; padding-top: 4px;
  margin-top: 2px; display: flex; justify-content: space-between; gap: 24px; }}
.pr-bands {{ display: flex; flex-wrap: wrap; gap: 10px 22px; font-size: 26px; margin: 0 0 14px; }}
.pr-slide .pr-rank i.sw {{ display: inline-block; width: 24px; height: 24px; margin-right: 14px;
  vertical-align: -3px; border: 2px solid {t.fg}; }}
.pr-bands i {{ display: inline-block; width: 26px; height: 26px; vertical-align: -4px; margin-right: 8px;
  border: 2px solid {t.fg}; }}
[data-testid="stMain"] .stPlotlyChart {{ background: {t.bg}; }}
"""


# HTML pieces -------------------------------------------------------------------------------------------------


def esc(value) -> str:
    return html.escape(str(value))


def heading(kicker: str, title: str, aside: str = "") -> str:
    """The slide's kicker and title; ``aside`` (HTML, e.g. :func:`qr_block`) at the right."""
    head = f'<div><div class="pr-kicker">{esc(kicker)}</div><div class="pr-title">{esc(title)}</div></div>'
    return f'<div class="pr-slide pr-head">{head}{aside}</div>' if aside else f'<div class="pr-slide">{head}</div>'


def qr_block(url: str | None) -> str:
    """A QR code that opens ``url`` on a phone, or, with no public address set, how to set one."""
    if not url:
        unset = _("No QR code: set TIP_PUBLIC_URL to the dashboard's public address to show one here.")
        return f'<div class="pr-slide pr-qr" data-qr="none"><div class="q">{esc(unset)}</div></div>'
    scan = _("Scan to open this deck on a phone, with the same area and filters.")
    return f'<div class="pr-slide pr-qr" data-qr="{esc(url)}">{qr.svg(url)}<div class="q">{esc(scan)}</div></div>'



def tiles(headline: pd.DataFrame, previous: str) -> str:
    """The six headline numbers as big tiles: value, name, change against the previous period."""
    out = []
    for _index, row in headline.iterrows():
        value = brief.tile_value(row)
        cls = "v na" if value == text.NOT_AVAILABLE else "v"
        out.append(f'<div class="pr-tile" data-measure="{esc(row["measure"])}"><div class="{cls}">{esc(value)}</div>'
                   f'<div class="m">{esc(brief.tile_margin(row))}</div>'
                   f'<div class="l">{esc(text.short(row["measure"]))}</div>'
                   f'<div class="c">{esc(text.headline_change(row, previous))}</div></div>')
    return '<div class="pr-slide pr-tiles">' + "".join(out) + "</div>"


def note(body: str) -> str:
    return f'<div class="pr-slide pr-note">{esc(body)}</div>'


@dataclass(frozen=True)
class RankRow:
    """One row of a slide's short ranking: place (a range such as "2–4" where the margins do not separate the
    district from its neighbours; none for a count under 10), district, value as the slides write it."""
    place: str
    district_id: str | None
    name: str
    value: str
    highlighted: bool


def ranked_rows(df: pd.DataFrame, value: str, kind: str, n: int = 8, highlight: str | None = None,
                label: str = "name") -> list[RankRow]:
    """The first ``n`` by ``value``; the highlighted district takes the last row when it is not among them. What the
    slide and the PowerPoint deck both show."""
    fmt = maps.KINDS[kind][0]
    ranked = df.sort_values([value, label], ascending=[False, True], na_position="last").reset_index(drop=True)
    margin = value + queries.MOE
    places = (queries.rank_labels(ranked[value], ranked[margin]) if margin in ranked
              else pd.Series([str(i + 1) for i in range(len(ranked))], dtype=object))
    show = list(range(min(n, len(ranked))))
    if highlight is not None:
        hits = ranked.index[ranked["district_id"] == highlight].tolist()
        if hits and hits[0] not in show:
            show = show[: n - 1] + [hits[0]]
    rows = []
    for i in show:
        r = ranked.loc[i]
        rows.append(RankRow(places[i], r.get("district_id"), r[label], fmt(r[value]),
                            highlight is not None and r.get("district_id") == highlight))
    return rows


def ranking(df: pd.DataFrame, value: str, kind: str, title: str, n: int = 8, highlight: str | None = None,
            label: str = "name") -> str:
    """A short ranked list in big type (:func:`ranked_rows`)."""
    rows, ranges = [], False
    for r in ranked_rows(df, value, kind, n, highlight, label):
        cls = ' class="hl"' if r.highlighted else ""
        ranges |= "–" in r.place
        rows.append(f'<tr{cls}><td class="i">{esc(i18n.isolate(r.place))}</td><td>{esc(i18n.place(r.name))}</td>'
                    f'<td class="n">{esc(r.value)}</td></tr>')
    note = f'<p class="pr-rank-note">{esc(text.RANK_RANGE_NOTE)}</p>' if ranges else ""
    return (f'<div class="pr-slide pr-panel"><h3>{esc(title)}</h3><table class="pr-rank">{"".join(rows)}</table>'
            f"{note}</div>")


def panel(title: str, paragraphs: Sequence[str], big: str | None = None) -> str:
    body = (f'<div class="pr-big">{esc(big)}</div>' if big else "") + "".join(
        f'<div class="pr-text">{esc(p)}</div>' for p in paragraphs)
    return f'<div class="pr-slide pr-panel"><h3>{esc(title)}</h3>{body}</div>'


def findings_cards(items: Sequence[brief.Finding]) -> str:
    cards = "".join(f'<div class="pr-finding"><div class="k">{i}</div><b>{esc(fd.title)}</b>'
                    f'<div class="d">{esc(fd.detail)}</div></div>' for i, fd in enumerate(items, start=1))
    return f'<div class="pr-slide pr-findings">{cards}</div>'


def band_counts(scored: pd.DataFrame) -> dict[str, int]:
    """Districts in each scorecard band, every band in order (0 where none): the slide's legend and the deck's."""
    counts = scored["band"].value_counts().reindex(band_order(), fill_value=0)
    return {band: int(n) for band, n in counts.items()}


def bands_legend(counts: Mapping[str, int], colours: Mapping[str, str]) -> str:
    items = "".join(f'<span><i style="background:{colours.get(b, "#999")}"></i>{esc(text.band(b))}: <b>{n}</b></span>'
                    for b, n in counts.items())
    return f'<div class="pr-slide pr-bands">{items}</div>'


def sources_block(status: Mapping, period: str, citation: str) -> str:
    as_of = text.data_as_of(status.get("last_month"))
    items = "".join(f"<li>{esc(_(s))}</li>" for s in brief.SOURCES)
    version = status.get("release_id") or _("unknown")
    data_version = _("warehouse {version}, ETL run {run}, data to {as_of}; cases reported in {period}.").format(
        version=version, run=status.get("run_id") or _("unknown"), as_of=as_of, period=period)
    words = {key: esc(value) for key, value in (("sources", _("Sources")), ("version", _("Data version:")),
                                                 ("protected", _("How numbers are protected:")),
                                                 ("cite", _("Cite as:")))}
    return (f'<div class="pr-slide pr-panel"><h3>{words["sources"]}</h3><ul class="pr-sources">{items}</ul>'
            f'<div class="pr-small"><b>{words["version"]}</b> {esc(data_version)}</div>'
            f'<div class="pr-small"><b>{words["protected"]}</b> {esc(text.SUPPRESSION_NOTE)}</div>'
            f'<div class="pr-small"><b>{words["cite"]}</b> {esc(citation)}</div></div>')


def footer(scope: Scope, filters_text: str, number: int, window: Sequence[int] | None = None,
           warning: str = "") -> str:
    """The slide's footer; ``data-window`` names the window size the slide was built for ("" before it is known).

    A ``warning`` (an area name that is not known) takes the footer's left side in the warning colours: on every
    slide, and in no room the slide needs.
    """
    left = (f'<span class="pr-warn">{esc(warning)}</span>' if warning
            else f"<span>{esc(text.scope_label(scope))} · {esc(filters_text)}</span>")
    right = _("Counts 1–{top} shown as “{suppressed}” · slide {number} of {count}").format(
        top=privacy.SHOW_BELOW - 1, suppressed=i18n.isolate(text.SUPPRESSED), number=number, count=len(SLIDES))
    built = "x".join(str(int(v)) for v in window) if window else ""
    return f'<div class="pr-slide pr-footer" data-window="{built}">{left}<span>{esc(right)}</span></div>'


def position(number: int) -> str:
    # Isolated: in right-to-left Urdu a bare "2 / 7" is drawn "7 / 2".
    of = i18n.isolate(f"{number} / {len(SLIDES)}")
    return f'<div class="pr-slide pr-bar">{of} · {esc(_(SLIDES[number - 1][1]))}</div>'


# Figures -----------------------------------------------------------------------------------------------------


def projector(fig: go.Figure, theme: Theme, height: int | None = None, title_size: int = 28,
              is_demo: bool = False) -> go.Figure:
    """Restyle a dashboard figure for a projector: theme colours, large type, room for the bigger labels.

    Sizes are design pixels (1920×1080), scaled by ``theme.zoom``; ``height`` defaults to :data:`CHART_HEIGHT`.
    """
    t = theme
    px = t.px
    height = px(height or CHART_HEIGHT)
    title_size = px(title_size)
    fig.update_layout(
        template="plotly_dark" if t.name == "dark" else "plotly_white",
        paper_bgcolor=t.bg, plot_bgcolor=t.bg, height=height,
        font=dict(family=FONT_FAMILY, size=px(BASE_FONT), color=t.fg),
        title_font=dict(size=title_size, color=t.fg),
        hoverlabel=dict(font_size=px(22), bgcolor=t.panel, font_color=t.fg),
        legend=dict(font=dict(size=px(22), color=t.fg), bgcolor="rgba(0,0,0,0)"),
    )
    axes = dict(tickfont=dict(size=px(22), color=t.fg), title_font=dict(size=px(24), color=t.fg), gridcolor=t.grid,
                linecolor=t.fg, zerolinecolor=t.grid)
    fig.update_xaxes(**axes)
    fig.update_yaxes(**axes)
    fig.update_annotations(font=dict(size=px(24), color=t.fg))
    for trace in fig.data:
        if getattr(trace, "textfont", None) is not None and trace.type in ("bar", "scatter"):
            trace.textfont = dict(size=px(26), color=t.fg)
    subtitle = _(charts.DEMO_MARK) if is_demo else fig.layout.title.subtitle.text  # or a published figure's source
    if subtitle:
        fig.update_layout(title_subtitle=dict(text=subtitle, font=dict(size=px(20), color=t.accent if is_demo
                                                                        else t.muted)))
    # Anchored by its middle at a computed height: plotly cuts the first line of a multi-line title anchored at
    # the top when it has a subtitle.
    lines = (fig.layout.title.text or "").count("<br>") + 1 if fig.layout.title.text else 0
    block = title_size * 1.3 * lines
    fig.update_layout(title=dict(yref="container", yanchor="middle", y=1 - (px(10) + block / 2) / height,
                                 pad=dict(t=0)))
    top = int(px(24) + block + px(34 if subtitle else 0))
    margin = fig.layout.margin
    fig.update_layout(margin=dict(l=max(margin.l or 0, px(20)), r=max(margin.r or 0, px(30)),
                                  b=max(margin.b or 0, px(20)), t=top))
    return fig


def _rewrap_title(fig: go.Figure, chars: int) -> None:
    raw = (fig.layout.title.text or "").replace("<br>", " ").replace(BUBBLES_NOTE, "")
    fig.update_layout(title_text=charts.wrap_title(raw, chars))


def _map_theme(fig: go.Figure, theme: Theme, view: dict, legend_font: int = 22) -> go.Figure:
    t = theme
    px = t.px
    fig.update_layout(map=dict(style={"version": 8, "sources": {}, "layers": [
        {"id": "background", "type": "background", "paint": {"background-color": t.bg}}]}, **view),
        legend=dict(font=dict(size=px(legend_font), color=t.fg), bgcolor=t.panel if t.name == "dark"
                    else "rgba(255,255,255,0.9)", bordercolor=t.fg, borderwidth=1))
    for trace in fig.data:
        if trace.type == "scattermap" and trace.mode == "lines":
            trace.line.color = t.outline
        if trace.type == "choroplethmap":
            trace.marker.line.color = t.bg
            if trace.showscale is False and trace.name and trace.name.startswith("Not available"):
                trace.colorscale = [[0, t.na], [1, t.na]]
            elif trace.showscale is not False and trace.colorbar is not None:
                trace.colorscale = t.scale
                trace.colorbar.update(**_colorbar(t))
        if trace.type == "scattermap" and trace.mode == "markers":  # districts as points (no boundary files)
            marker = trace.marker
            if marker.colorbar is not None and marker.colorbar.title.text:
                marker.colorscale = t.scale
                marker.colorbar.update(**_colorbar(t))
            elif trace.name and trace.name.startswith("Not available"):
                marker.color = t.na
            if marker.size is not None:
                size = marker.size
                marker.size = 1.6 * t.zoom * (float(size) if np.ndim(size) == 0 else np.asarray(size, dtype=float))
    return fig


def _colorbar(t: Theme) -> dict:
    return dict(tickfont=dict(size=t.px(22), color=t.fg), title=dict(font=dict(size=t.px(22), color=t.fg)),
                bgcolor=t.panel, thickness=t.px(24), outlinecolor=t.fg)


def hotspot_map(df: pd.DataFrame, districts_geo: Mapping | None, provinces_geo: Mapping | None, theme: Theme,
                title: str, view: dict, selected: str | None = None, is_demo: bool = False,
                height: int = CHART_HEIGHT, labelled: Sequence[str] = ()) -> go.Figure:
    """Districts coloured by protected cases reported (grey where "<10"), framed by ``view``, the districts in
    ``labelled`` named on the map."""
    fig = maps.district_map(df, "cases", "count", title, text.short("cases"), districts_geo, provinces_geo,
                            extra=[("victims", text.short("victims"), "count"),
                                   ("cases_per_100k", text.short("cases_per_100k"), "rate")],
                            selected=selected, view=view)
    _rewrap_title(fig, TITLE_CHARS)
    projector(fig, theme, height=height, is_demo=is_demo)
    _map_theme(fig, theme, view)
    for trace in fig.data:
        if trace.type == "scattermap" and trace.name == "Selected district":
            trace.line.color = theme.fg
            trace.line.width = theme.px(5)
        if trace.type == "choroplethmap" and trace.name and trace.name.startswith("Not available"):
            trace.name = _("Fewer than {n}").format(n=privacy.SHOW_BELOW) + f" ({text.SUPPRESSED})"
    _name_districts(fig, df, labelled, theme)
    fig.update_layout(margin=dict(l=0, r=0, b=0))
    return fig


LABEL_ALL_UP_TO = 16  # districts named on a slide map: all of an area this small, else the most cases
LABEL_TOP = 12


def labelled_districts(scope: Scope, df: pd.DataFrame, district_ids: Sequence[str], value: str = "cases") -> list[str]:
    """The districts a slide map of ``scope`` names: all of ``district_ids`` for a district's deck (its map is
    zoomed in on the district and its neighbours) or up to :data:`LABEL_ALL_UP_TO` of them, else the
    :data:`LABEL_TOP` with the highest ``value`` (more names overlap at a province's or Pakistan's zoom)."""
    ids = list(district_ids)
    if scope.kind == "district" or len(ids) <= LABEL_ALL_UP_TO:
        return ids
    sub = df[df["district_id"].isin(ids)].sort_values([value, "name"], ascending=[False, True], na_position="last")
    return list(sub["district_id"].head(LABEL_TOP))


def _name_districts(fig: go.Figure, df: pd.DataFrame, district_ids: Sequence[str], theme: Theme) -> None:
    """District names at the districts' centres (gazetteer points), black on light fills and white on dark ones,
    moved where they would overlap or a name coloured like the slide would run off the area (``maps.label_places``).
    """
    wanted = set(district_ids)
    points = df[df["district_id"].isin(wanted)].dropna(subset=["lat", "lon"]) if wanted else df.iloc[0:0]
    fills = _fill_colours(fig)
    dark = points["district_id"].map(lambda d: _is_light(fills.get(d)) if d in fills else theme.name == "light")
    size = theme.px(18)
    # Black names vanish on the dark theme's black, white ones on the light theme's white.
    lat, lon = maps.label_places(fig, points, size, confined=list(dark == (theme.name == "dark")))
    points = points.assign(lat=lat, lon=lon)
    for colour, part in (("#000000", points[dark]), ("#FFFFFF", points[~dark])):
        if not part.empty:
            fig.add_scattermap(lat=part["lat"], lon=part["lon"], text=part["name"], mode="text",
                               textfont=dict(size=size, color=colour, family=FONT_FAMILY, weight="bold"),
                               name="District names", hoverinfo="skip", showlegend=False)


def _fill_colours(fig: go.Figure) -> dict[str, str]:
    """The colour each district is filled with on a choropleth map (location -> "rgb(...)")."""
    out = {}
    for trace in fig.data:
        if trace.type != "choroplethmap" or trace.locations is None or trace.z is None:
            continue
        z = [float(v) for v in trace.z]
        scale = [[float(stop), colour] for stop, colour in trace.colorscale]
        lo = trace.zmin if trace.zmin is not None else min(z, default=0.0)
        hi = trace.zmax if trace.zmax is not None else max(z, default=1.0)
        for location, value in zip(trace.locations, z, strict=True):
            share = 0.0 if hi == lo or math.isnan(value) else min(max((value - lo) / (hi - lo), 0.0), 1.0)
            out[location] = pcolors.sample_colorscale(scale, [share])[0]
    return out


def _is_light(colour: str) -> bool:
    """Whether black text reads better than white on ``colour`` (relative luminance above 0.18)."""
    r, g, b = (c / 255 for c in pcolors.unlabel_rgb(pcolors.convert_colors_to_same_type(colour, "rgb")[0][0]))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] > 0.18


def funnel_figure(df: pd.DataFrame, period: str, area: str, theme: Theme, is_demo: bool = False,
                  complete: bool = True, height: int = CHART_HEIGHT) -> go.Figure:
    fig = charts.funnel(df, period, complete=complete)
    fig.update_layout(title_text=charts.wrap_title(_("From report to conviction: cases reported in {area}, {period}")
                                                   .format(area=area, period=period), TITLE_CHARS))
    projector(fig, theme, height=height, is_demo=is_demo)
    bar = fig.data[0]
    # Shorter labels than the dashboard's (the count, and the share lost when it can be computed): they must fit
    # beside the bars in 30 px type.
    labels = []
    for row in df.itertuples():
        lost = text.stage_loss(row.stage, row.share_lost, complete)
        labels.append(text.count(row.value) + (f"  ({lost})" if lost else ""))
    bar.text = labels
    top = max([float(v) for v in df["value"] if not text.is_missing(v)] + [float(privacy.SHOW_BELOW)])
    fig.update_xaxes(range=[0, top * 1.75])
    bar.marker.color = [theme.stages.get(s, theme.accent) for s in df["stage"]]
    bar.marker.pattern.fgcolor = theme.fg
    bar.marker.pattern.bgcolor = theme.na
    bar.textfont = dict(size=theme.px(30), color=theme.fg)
    fig.update_yaxes(tickfont=dict(size=theme.px(28), color=theme.fg), ticksuffix="  ")
    fig.update_layout(bargap=0.28)
    return fig


def tier_figure(tiers: pd.DataFrame, theme: Theme, is_demo: bool = False, since: int | None = None,
                height: int = CHART_HEIGHT) -> go.Figure:
    """Pakistan's tier per TIP report year (the most recent years when ``since`` is given)."""
    if since is not None and not tiers.empty:
        tiers = tiers[tiers["report_year"] >= since]
    fig = published_charts.tier_timeline(tiers)
    _rewrap_title(fig, HALF_TITLE_CHARS)
    projector(fig, theme, height=height, is_demo=is_demo)
    fig.update_traces(marker_size=theme.px(30), selector=dict(mode="markers"))
    fig.update_traces(line_width=theme.px(4), line_color=theme.muted, selector=dict(mode="lines"))
    fig.update_xaxes(dtick=2, tickfont=dict(size=theme.px(22), color=theme.fg), tickangle=0)
    if not tiers.empty:
        years = tiers["report_year"].astype(int)
        fig.update_xaxes(range=[years.min() - 0.6, years.max() + 0.6])
    fig.update_yaxes(tickfont=dict(size=theme.px(24), color=theme.fg), ticksuffix="  ")
    return fig


def government_figure(figures: pd.DataFrame, theme: Theme, is_demo: bool = False,
                      height: int = CHART_HEIGHT) -> go.Figure:
    """The published figures (TIP Report as quoted, UNODC GLOTIP), each series in its source family's colour."""
    fig = published_charts.published_figures(figures)
    _rewrap_title(fig, HALF_TITLE_CHARS)
    projector(fig, theme, height=height, is_demo=is_demo)
    px = theme.px
    fig.update_traces(marker_size=px(16), line_width=px(4))
    fig.update_xaxes(tickfont=dict(size=px(20), color=theme.fg))
    fig.update_yaxes(tickfont=dict(size=px(20), color=theme.fg))
    fig.update_annotations(font=dict(size=px(24), color=theme.fg))
    fig.update_layout(margin_t=fig.layout.margin.t + px(44))  # the panel titles, clear of the source line
    return fig


def band_colours(theme: Theme) -> dict[str, str]:
    return {**charts.BAND_COLOURS, queries.INSUFFICIENT: theme.na}


def band_order() -> list[str]:
    return queries.BAND_ORDER


def scorecard_map(scored: pd.DataFrame, districts_geo: Mapping | None, provinces_geo: Mapping | None,
                  theme: Theme, title: str, view: dict, is_demo: bool = False,
                  selected: str | None = None, height: int = CHART_HEIGHT, labelled: Sequence[str] = ()) -> go.Figure:
    hover = [f"<b>{i18n.place(r.name)}</b> ({i18n.place(r.province)})<br>{text.band(r.band)}"
             + ("" if r.band == queries.INSUFFICIENT else ": " + _("score {score}").format(score=f"{r.score:.0f}"))
             + "<br>" + _("Cases reported: {n}").format(n=text.count(r.cases)) for r in scored.itertuples()]
    fig = maps.categorical_district_map(scored, "band", band_order(), band_colours(theme), title, districts_geo,
                                        provinces_geo, hover=hover, view=view)
    _rewrap_title(fig, TITLE_CHARS)
    projector(fig, theme, height=height, is_demo=is_demo)
    _map_theme(fig, theme, view)
    if selected and districts_geo:
        lons, lats = maps.outline_lines({"features": [
            ft for ft in districts_geo.get("features", []) if (ft.get("properties") or {}).get("district_id")
            == selected]})
        fig.add_scattermap(lon=lons, lat=lats, mode="lines", line=dict(color=theme.fg, width=theme.px(5)),
                           name="Selected district", hoverinfo="skip", showlegend=False)
    _name_districts(fig, scored, labelled, theme)
    fig.update_layout(showlegend=False, margin=dict(l=0, r=0, b=0))
    return fig


def district_verdict(row: pd.Series) -> str:
    """One district's place on the scorecard in words: its band and score, or which of the two conditions of a score
    it does not meet (too few cases, or too few indicators precise enough to show)."""
    if row["band"] != queries.INSUFFICIENT:
        return _("{band}, score {score}").format(band=text.band(row["band"]), score=f"{row['score']:.0f}")
    cases = text.count(row["cases"])
    if pd.isna(row["cases"]) or row["cases"] < queries.MIN_CASES:
        return _("insufficient data: {n} cases reported, a score needs {min}").format(n=cases, min=queries.MIN_CASES)
    return _("insufficient data: {k} of its {total} indicators are precise enough to show, a score needs {need} "
             "({n} cases reported)").format(k=int(row["indicators_available"]), total=len(queries.SCORE_INDICATORS),
                                           need=queries.MIN_INDICATORS, n=cases)


def scorecard_table(scored: pd.DataFrame, theme: Theme, highlight: str | None = None, n: int = 3) -> str:
    """The best- and worst-scoring districts (band as a colour swatch); districts with too few cases are left out."""
    rated = scored[scored["band"] != queries.INSUFFICIENT].sort_values(["score", "cases"], ascending=[False, False])
    rated = rated.reset_index(drop=True)
    if rated.empty:
        return panel(_("Scores"), [_("No district of this area has the {cases} cases reported and {indicators} "
                                     "indicators a score needs.").format(cases=queries.MIN_CASES,
                                                                         indicators=queries.MIN_INDICATORS)])
    picks = list(range(len(rated))) if len(rated) <= 2 * n + 1 else \
        list(range(n)) + list(range(len(rated) - n, len(rated)))
    if highlight is not None:
        hit = rated.index[rated["district_id"] == highlight].tolist()
        if hit and hit[0] not in picks:  # room for it: one fewer from the bottom
            picks = sorted(picks[:n] + hit + picks[n + 1:])
    colours = band_colours(theme)
    rows, last = [], None
    for i in picks:
        if last is not None and i != last + 1:
            rows.append('<tr><td class="i">…</td><td></td><td></td></tr>')
        r = rated.loc[i]
        cls = ' class="hl"' if r["district_id"] == highlight else ""
        swatch = f'<i class="sw" style="background:{colours.get(r["band"], theme.na)}"></i>'
        rows.append(f'<tr{cls}><td class="i">{i + 1}</td><td>{swatch}{esc(i18n.place(r["name"]))}</td>'
                    f'<td class="n">{r["score"]:.0f}</td></tr>')
        last = i
    title = (_("Highest and lowest scores, {n} districts") if len(rated) > 2 * n + 1
             else _("Scores, {n} districts")).format(n=len(rated))
    return (f'<div class="pr-slide pr-panel"><h3>{esc(title)}</h3><table class="pr-rank">{"".join(rows)}</table>'
            "</div>")
