"""The present-mode deck as a PowerPoint file (python-pptx): one slide per slide, for presenters' own decks.

Numbers come from the same query functions and the slides' own model of each slide (the ranking's rows, the bands'
counts: ``slides.ranked_rows``, ``slides.band_counts``), so the deck says what the slides and the dashboard say;
charts are the slides' own figures drawn as PNG at projector resolution (a 1920×1080 slide) by plotly's image
export, kaleido, which drives the system's Chromium headless and offline (maps included: their style is a blank
background, nothing is fetched). Native pptx charts were the other choice; they cannot draw the maps, and a second
drawing of each chart would be a second place for its wording to drift. Every slide's notes name its sources.

In Urdu (``lang=ur``) the deck is the Urdu slides: their words, paragraphs marked right to left and set at the
right, and the layout mirrored as the page mirrors it (the chart at the right, its panel at the left). PowerPoint
draws Arabic script in a paragraph's complex-script font, which python-pptx does not set: :data:`URDU_FONT` is
written into each run's ``a:cs`` element by hand.
"""

from __future__ import annotations

import contextvars
import io
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from tipdash import brief, i18n, maps, qr, queries, reference_facts, slides, text
from tipdash.filters import FilterOptions, Filters
from tipdash.i18n import _
from tipdash.scopes import Scope

WIDE, HIGH = Inches(13.333), Inches(7.5)  # 16:9, PowerPoint's default
PX = WIDE / slides.DESIGN[0]  # EMU per design pixel: a figure of W design pixels is W pixels wide on the slide
MAP_WIDTH, HALF_WIDTH = 1120, 900  # design pixels: a map in 3/5 of the slide, a chart in half of it
# Urdu's complex-script font: Arial has Urdu's letters and comes with Windows, macOS and Office (LibreOffice
# substitutes a metric twin and falls back to DejaVu Sans, which has them too). The bundled Naskh font of the web
# pages cannot travel inside a .pptx.
URDU_FONT = "Arial"
URDU_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def _points(size: float) -> Pt:
    """A design-pixel font size in points on this slide (a pixel is 3/4 pt at 96 dpi; EMU 9525 per pixel)."""
    return Pt(size * 0.75 * PX / 9525)


def _left(left: float, width: float) -> float:
    """A box's left edge in design pixels: as given in English, mirrored across the slide in Urdu."""
    return slides.DESIGN[0] - left - width if i18n.is_urdu() else left


def _read_in_language(frame) -> None:
    """In Urdu, every paragraph of ``frame`` set at the right, read right to left where it holds Urdu (a number
    alone stays left to right), and its runs drawn in a font with Urdu's letters. Unchanged in English."""
    if not i18n.is_urdu():
        return
    for para in frame.paragraphs:
        para.alignment = PP_ALIGN.RIGHT
        if URDU_LETTER.search(para.text):
            para._p.get_or_add_pPr().set("rtl", "1")
        for run in para.runs:
            properties = run._r.get_or_add_rPr()
            properties.set("lang", "ur-PK")
            properties.append(properties.makeelement(qn("a:cs"), {"typeface": URDU_FONT}))


def _text(slide, left: float, top: float, width: float, height: float, lines: list[tuple[str, int, bool]],
          colour: str) -> None:
    """A text box at design-pixel coordinates (mirrored in Urdu); ``lines`` are (text, size in design px, bold)."""
    frame = slide.shapes.add_textbox(Emu(int(_left(left, width) * PX)), Emu(int(top * PX)), Emu(int(width * PX)),
                                     Emu(int(height * PX))).text_frame
    frame.word_wrap = True
    for i, (body, size, bold) in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = body
        run.font.size = _points(size)
        run.font.bold = bold
        run.font.color.rgb = _rgb(colour)
    _read_in_language(frame)


class Deck:
    """Builds the deck slide by slide; :meth:`pptx` renders the figures (one Chromium) and writes the file."""

    def __init__(self, theme: slides.Theme, notes: str):
        self.theme = theme
        self.notes = notes
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDE, HIGH
        self.figures: list[tuple[object, go.Figure, float, float, float]] = []

    def slide(self, kicker: str, title: str, sources: list[str]):
        """A new slide in the theme's colours: kicker, title (the layout's title placeholder), sources in the notes."""
        s = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # "Title Only"
        s.background.fill.solid()
        s.background.fill.fore_color.rgb = _rgb(self.theme.bg)
        _text(s, 40, 24, 1840, 40, [(kicker, 26, True)], self.theme.accent)
        head = s.shapes.title
        head.left, head.top, head.width, head.height = (Emu(int(v * PX)) for v in (40, 64, 1840, 80))
        head.text = title
        para = head.text_frame.paragraphs[0]
        para.alignment = PP_ALIGN.LEFT
        para.runs[0].font.size = _points(48)
        para.runs[0].font.bold = True
        para.runs[0].font.color.rgb = _rgb(self.theme.fg)
        _read_in_language(head.text_frame)
        notes = s.notes_slide.notes_text_frame
        notes.text = "\n".join([_("Sources:"), *sources, self.notes])
        _read_in_language(notes)
        return s

    def figure(self, s, fig: go.Figure, left: float, top: float, width: float) -> None:
        self.figures.append((s, fig, left, top, width))

    def pptx(self) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            paths = [Path(tmp) / f"{i}.png" for i in range(len(self.figures))]
            if self.figures:
                figs = [fig for _slide, fig, *_place in self.figures]
                try:
                    pio.write_images(figs, paths, format="png", width=[int(w) for *_, w in self.figures],
                                     height=[int(f.layout.height) for f in figs])
                except RuntimeError as exc:  # kaleido's and choreographer's errors: no browser, or it failed
                    raise RuntimeError(_("The deck's charts could not be drawn: kaleido needs Chromium on the server "
                                         "(apt-get install chromium). {error}").format(error=exc)) from exc
            for (s, _fig, left, top, width), path in zip(self.figures, paths, strict=True):
                s.shapes.add_picture(str(path), Emu(int(_left(left, width) * PX)), Emu(int(top * PX)),
                                     width=Emu(int(width * PX)))
        out = io.BytesIO()
        self.prs.save(out)
        return out.getvalue()


def build(scope: Scope, f: Filters, options: FilterOptions, status: Mapping, theme: slides.Theme,
          districts_geo: Mapping | None, provinces_geo: Mapping | None, phone_url: str | None = None) -> bytes:
    """The deck for ``scope`` and ``f`` as .pptx bytes: the seven slides of present mode, in the same order."""
    theme = slides.themed(theme.name)  # figures at the design size: a 1920×1080 slide
    sf, context = scope.apply(f), scope.context(options)
    around = context.district_ids(options)
    is_demo = bool(status.get("is_demo"))
    version = status.get("release_id") or _("unknown")
    notes = _("Data: public release {version}; cases reported in {period}; {filters}.").format(
        version=version, period=f.period, filters=brief.other_filters_text(f, options)) + (
        " " + _("Synthetic demo data: not evidence about real cases.") if is_demo else "")
    deck = Deck(theme, notes)
    fg, muted = theme.fg, theme.muted
    release = [_(brief.SOURCES[0]), text.SUPPRESSION_NOTE]
    area, around_area = text.scope_label(scope), text.scope_label(context)
    kicker = f"{area} · {f.period}"

    head = queries.headline(sf)
    s = deck.slide(_("{area} · cases recorded in {period}").format(area=area, period=f.period),
                   slides.wording("numbers"), release)
    for i, (_measure, row) in enumerate(head.iterrows()):
        left, top = 40 + (i % 3) * 620, 170 + (i // 3) * 380
        _text(s, left, top, 600, 360, [(brief.tile_value(row), 100, True), (brief.tile_margin(row), 28, False),
                                       (text.short(row["measure"]), 36, True),
                                       (text.headline_change(row, f.previous().period), 26, False)], fg)

    df = queries.district_measures(context.apply(f))
    selected = scope.value if scope.kind == "district" else None
    s = deck.slide(kicker, slides.wording("map", area=around_area), release)
    view = maps.area_view(districts_geo, scope.district_ids(options), df, width_px=MAP_WIDTH,
                           height_px=slides.MAP_HEIGHT, widen=1.0 if selected else 0.0)
    deck.figure(s, slides.hotspot_map(df, districts_geo, provinces_geo, theme,
                                      slides.wording("map_chart", area=around_area, period=f.period), view,
                                      selected=selected, is_demo=is_demo,
                                      labelled=slides.labelled_districts(scope, df, around)),
                40, 160, MAP_WIDTH)
    _text(s, 1220, 170, 660, 800, [(slides.wording("most_cases"), 34, True)] + [
        (f"{r.place}. {r.name}: {r.value}" if r.place else f"{r.name}: {r.value}", 30, r.highlighted)
        for r in slides.ranked_rows(df, "cases", "count", n=9, highlight=selected)], fg)

    stages, in_court = queries.funnel(sf), queries.selection_in_court(sf)
    s = deck.slide(kicker, slides.wording("funnel"), release)
    deck.figure(s, slides.funnel_figure(stages, f.period, area, theme, is_demo=is_demo,
                                        complete=in_court["complete"]), 40, 160, MAP_WIDTH)
    drop = brief.dropoff_finding(stages, in_court, f.period)
    _text(s, 1220, 170, 660, 800, [(text.funnel_lead(stages, complete=in_court["complete"]), 36, True),
                                   (f"{drop.title}. {drop.detail}", 28, False), (text.COHORT_NOTE, 22, False)], fg)

    tiers, published = reference_facts.tier_history("PAK"), reference_facts.published_figures()
    s = deck.slide(slides.wording("tiers_area"),
                   slides.wording("tiers"), _published_sources(tiers, published))
    deck.figure(s, slides.tier_figure(tiers, theme, since=2010), 40, 160, HALF_WIDTH)
    deck.figure(s, slides.government_figure(published, theme), 980, 160, HALF_WIDTH)

    weights = dict.fromkeys(queries.SCORE_INDICATORS, 1)
    scored = queries.score_districts(queries.scorecard_inputs(context.apply(f)), weights)
    within = _("{district} within {area}").format(district=text.scope_short(scope), area=around_area) \
        if scope.kind == "district" else around_area
    s = deck.slide(kicker, slides.wording("scorecard", within=within), release)
    view = maps.area_view(districts_geo, scope.district_ids(options), scored, width_px=MAP_WIDTH,
                           height_px=slides.MAP_HEIGHT, widen=1.0 if selected else 0.0)
    deck.figure(s, slides.scorecard_map(scored, districts_geo, provinces_geo, theme,
                                        slides.wording("bands_chart", area=around_area, period=f.period), view,
                                        is_demo=is_demo,
                                        selected=selected,
                                        labelled=slides.labelled_districts(scope, scored, around)),
                40, 160, MAP_WIDTH)
    _text(s, 1220, 170, 660, 800, [(_("Districts by band"), 34, True)] + [
        (f"{text.band(band)}: {n}", 30, False) for band, n in slides.band_counts(scored).items()] + [
        (slides.wording("score_note", n=queries.MIN_CASES, indicators=queries.MIN_INDICATORS), 22, False)], fg)

    s = deck.slide(kicker, slides.wording("findings"), release)
    for i, finding in enumerate(brief.findings(brief.collect(scope, f, options))):
        _text(s, 40 + i * 620, 170, 590, 820, [(str(i + 1), 64, True), (finding.title, 40, True),
                                               (finding.detail, 30, False)], fg)

    s = deck.slide(kicker, slides.wording("sources"), release)
    citation = text.citation(status.get("release_id"), time.strftime("%Y-%m-%d"), is_demo=is_demo)
    _text(s, 40, 170, 1200, 860, [(_(src), 24, False) for src in brief.SOURCES] + [
        (_("Data version: release {version}; cases reported in {period}.").format(version=version, period=f.period),
         22, False), (_("Cite as: {citation}").format(citation=citation), 22, False)], muted)
    if phone_url:
        s.shapes.add_picture(io.BytesIO(qr.png(phone_url)), Emu(int(_left(1400, 360) * PX)), Emu(int(200 * PX)),
                             width=Emu(int(360 * PX)))
        _text(s, 1400, 580, 420, 200, [(_("Scan to open this view on a phone"), 22, False)], muted)
    return deck.pptx()


def deferred(*args, **kwargs) -> Callable[[], bytes]:
    """:func:`build` as a download's deferred data, in the language of this run: Streamlit calls it when the button
    is clicked, in a server thread where the run's language (a context variable) is not set."""
    language = i18n.language()

    def built() -> bytes:
        return contextvars.Context().run(_build_in, language, *args, **kwargs)

    return built


def _build_in(language: str, *args, **kwargs) -> bytes:
    i18n.set_language(language)
    return build(*args, **kwargs)


def _published_sources(tiers: pd.DataFrame, published: pd.DataFrame) -> list[str]:
    """The sources the tier slide's two charts cite (name and address), each once, in the order they appear."""
    rows = pd.concat([tiers[["source", "source_url"]], published[["source", "source_url"]]]).dropna(subset=["source"])
    named = (f"{r.source} ({r.source_url})" if isinstance(r.source_url, str) and r.source_url else str(r.source)
             for r in rows.itertuples())
    return list(dict.fromkeys(named))


def filename(scope: Scope, f: Filters) -> str:
    return brief.filename(scope, f).replace("tip-brief-", "tip-deck-").replace(".html", ".pptx")
