"""Present mode: the evidence as a slide deck for a hall, built from live data and scoped to an area and period.

The URL holds everything needed to reopen the deck where it was: ``slide`` (a number or a slide's name),
``area`` (a plain name or slug, ``south-punjab``, ``Multan Division``, ``punjab``, or a token, ``region:south-punjab``;
see :func:`tipdash.scopes.resolve`), ``theme`` (``dark`` or ``light``), ``auto`` (seconds per slide, 0 = off),
``controls`` (``off`` hides the control bar; the H key toggles it) and the shared filters (``years``, ...).
Arrow keys (← →) move between slides. The sidebar and Streamlit's chrome are hidden; nothing is fetched from the
internet (maps are drawn from the local boundary files on a blank style). Slides are scaled to the window: the page
reports the window's size (a small component) and the figures are built for it.
"""

import time

import streamlit as st

from tipcore import config
from tipdash import brief, charts, deck, filters, maps, qr, queries, reference_facts, scopes, share, slides, text, ui
from tipdash.i18n import _

AUTO_CHOICES = [0, 10, 20, 30, 60]
# Reports [innerWidth, innerHeight] when it differs from the size the page was built for (`data.size`), and again
# a moment after each resize stops; the rerun that follows builds the figures at the new scale.
# Also loads Streamlit's plotly chunk (`data.plotly`) once the browser is idle: the deck opens on a slide without a
# chart, so the first slide with one would otherwise wait for plotly.js to load and run (over a second here) after
# the → key. The same address as Streamlit's own import, so the module is the one its charts then use.
VIEWPORT = st.components.v2.component("tip_present_viewport", js="""
export default function (component) {
  const { data, setStateValue } = component;
  const built = (data || {}).size;
  let timer = null;
  const report = () => {
    const size = [window.innerWidth, window.innerHeight];
    if (!built || built[0] !== size[0] || built[1] !== size[1]) setStateValue("size", size);
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(report, 300); };
  report();
  window.addEventListener("resize", later);
  const plotly = (data || {}).plotly;
  if (plotly && !window.tipPlotlyLoading) {
    window.tipPlotlyLoading = true;
    const load = () => import(new URL(plotly, document.baseURI).href).catch(() => {});
    if (window.requestIdleCallback) window.requestIdleCallback(load, { timeout: 4000 }); else setTimeout(load, 1000);
  }
  return () => { clearTimeout(timer); window.removeEventListener("resize", later); };
}
""")
N = len(slides.SLIDES)
ss = st.session_state


f = ui.current_filters()
o = ui.options()
status = ui.status()
is_demo = bool(status["is_demo"])


# State: seeded from the URL when the URL changed (first load, a pasted link), else the widgets are the truth ---------


def _seed(key: str, url_key: str, parse, default) -> None:
    raw = st.query_params.get(url_key)
    if key not in ss or ss.get(f"_url_{key}") != raw:
        value = parse(raw) if raw is not None else None
        ss[key] = default if value is None else value
        ss[f"_url_{key}"] = raw


def _write(key: str, url_key: str, value, default=None) -> None:
    if value is None or (default is not None and value == default):
        if url_key in st.query_params:
            del st.query_params[url_key]
        ss[f"_url_{key}"] = None
    else:
        if st.query_params.get(url_key) != str(value):
            st.query_params[url_key] = str(value)
        ss[f"_url_{key}"] = str(value)


def _parse_auto(raw: str):
    return int(raw) if raw.isdigit() and int(raw) in AUTO_CHOICES else None


_seed("pr_slide", "slide", slides.slide_number, 1)
_seed("pr_scope", "area", lambda raw: raw.strip()[:100] or None, None)  # kept as typed: unknown names are named
_seed("pr_theme", "theme", lambda raw: raw if raw in slides.THEMES else None, slides.DEFAULT_THEME)
_seed("pr_auto", "auto", _parse_auto, 0)
_seed("pr_controls", "controls", lambda raw: raw if raw in ("on", "off") else None, "on")

named = scopes.resolve(ss["pr_scope"], o)
unknown_area = ss["pr_scope"] if ss["pr_scope"] and named is None else None
scope = named or scopes.from_filters(f, o)
sf = scope.apply(f)
context = scope.context(o)
size = (ss.get("pr_viewport") or {}).get("size")
theme = slides.themed(ss["pr_theme"], slides.zoom_for(size))
px = theme.px
number = int(ss["pr_slide"])
filters_text = brief.other_filters_text(f, o)
stem = brief.filename(scope, f).removeprefix("tip-brief-").removesuffix(".html")
phone_url = qr.view_url(config.PUBLIC_URL, "present", {k: st.query_params.get_all(k) for k in st.query_params})

# Not st.html: a style-only st.html applied up to 1.5 s after the slide drew, with the sidebar showing meanwhile.
st.markdown(slides.css(theme, controls=ss["pr_controls"] == "on"), unsafe_allow_html=True)
area_name = text.scope_label(scope)
area_warning = _("“{asked}” is not a known area: showing {area}. Name a province, division, region or district: "
                 "area=south-punjab, punjab, multan-division.").format(asked=unknown_area, area=area_name) \
    if unknown_area else ""


def _go(step: int) -> None:
    ss["pr_slide"] = min(max(int(ss["pr_slide"]) + step, 1), N)


def _toggle_controls() -> None:
    ss["pr_controls"] = "off" if ss["pr_controls"] == "on" else "on"


def _html(body: str) -> None:
    st.markdown(body, unsafe_allow_html=True)


def _plot(fig, key: str, name: str) -> None:
    st.plotly_chart(fig, key=key, config=charts.plotly_config(f"{name}-{stem}"), theme=None, width="stretch")


# Slides --------------------------------------------------------------------------------------------------------


def slide_numbers() -> None:
    head = queries.headline(sf)
    _html(slides.heading(_("{area} · cases recorded in {period}").format(area=area_name, period=f.period),
                         slides.wording("numbers"), slides.qr_block(phone_url)))
    _html(slides.tiles(head, f.previous().period))
    n = text.count(queries.smuggling_cases(sf))
    smuggling = (_("Smuggling of migrants included ({n} cases).") if f.include_smuggling
                 else _("Not included: {n} cases of smuggling of migrants (not trafficking).")).format(n=n)
    _html(slides.note(_("Change against {previous}, the previous period of equal length.").format(
        previous=f.previous().period) + " " + smuggling + " " + _("Reported cases are not prevalence: more cases can "
                                                                  "mean better reporting.")))


def _view(geo, frame: list[str], points) -> dict:
    """The map framed to the area presented (a district among its neighbours), in the chart's screen size."""
    return maps.area_view(geo, frame, points, width_px=px(1060), height_px=px(slides.MAP_HEIGHT),
                          widen=1.0 if scope.kind == "district" else 0.0)


def _area_map(draw, points, key: str, name: str):
    """A map drawn by ``draw(districts, provinces, view)`` in the left 3/5, framed to the area; the right column."""
    geo, provinces = ui.boundary_layer("districts"), ui.boundary_layer("provinces")
    left, right = st.columns([3, 2], gap="large")
    with left:
        _plot(draw(geo, provinces, _view(geo, scope.district_ids(o), points)), key, name)
    return right


def slide_map() -> None:
    area = context
    ids = area.district_ids(o)
    df = queries.district_measures(area.apply(f))
    selected = scope.value if scope.kind == "district" else None
    _html(slides.heading(f"{area_name} · {f.period}", slides.wording("map", area=text.scope_label(area))))
    right = _area_map(lambda geo, provinces, view: slides.hotspot_map(
        df, geo, provinces, theme, slides.wording("map_chart", area=text.scope_label(area), period=f.period), view,
        selected=selected, is_demo=is_demo, labelled=slides.labelled_districts(scope, df, ids)),
        df, "pr_map", "hotspot-map")
    geo = ui.boundary_layer("districts")
    with right:
        _html(slides.ranking(df, "cases", "count", slides.wording("most_cases"), n=9, highlight=selected))
        if not geo:
            _html(slides.note(_("Boundary files are not installed: districts are drawn as points.")))


def slide_funnel() -> None:
    stages = queries.funnel(sf)
    _html(slides.heading(f"{area_name} · {f.period}", slides.wording("funnel")))
    left, right = st.columns([3, 2], gap="large")
    with left:
        in_court = queries.selection_in_court(sf)
        _plot(slides.funnel_figure(stages, f.period, area_name, theme, is_demo=is_demo,
                                   complete=in_court["complete"], height=slides.CHART_HEIGHT - 40),
              "pr_funnel", "funnel")
    with right:
        drop = brief.dropoff_finding(stages, in_court, f.period)
        rate = queries.headline(sf).set_index("base").loc["conviction_rate"]
        lines = [f"{drop.title}. {drop.detail}"]
        if not rate["note"]:  # an open cohort's rate is not a conviction rate: the panel says what is in court
            lines.append(f"{text.title(rate['measure'])}: {brief.tile_value(rate)} {brief.tile_margin(rate)}".strip()
                         + ".")
        _html(slides.panel(_("What it means"), lines, big=text.funnel_lead(stages, complete=in_court["complete"])))
        _html(slides.note(text.COHORT_NOTE))


def slide_tiers() -> None:
    tiers = reference_facts.tier_history("PAK")
    latest = " · " + _("{tier} in the {year} report").format(tier=text.tier(tiers.iloc[-1]["tier"]),
                                                             year=int(tiers.iloc[-1]["report_year"])) \
        if len(tiers) else ""
    _html(slides.heading(slides.wording("tiers_area") + latest, slides.wording("tiers")))
    left, right = st.columns([1, 1], gap="large")
    with left:
        fig = slides.tier_figure(tiers, theme, is_demo=False, since=2010, height=slides.CHART_HEIGHT - 70)
        _plot(fig, "pr_tiers", "pakistan-tip-tier")
    with right:
        fig = slides.government_figure(reference_facts.published_figures(), theme, is_demo=False,
                                       height=slides.CHART_HEIGHT - 70)
        _plot(fig, "pr_gov", "government-figures")
    _html(slides.note(_("National figures for Pakistan, whatever area the deck covers. Tier 1 is best; the Watch "
                        "List and Tier 3 mark weaker efforts. Hollow markers: tiers inferred, or figures from sources "
                        "that could not be checked against the report (each source is named in the page's tables).")))


def slide_scorecard() -> None:
    area = context
    weights = dict.fromkeys(queries.SCORE_INDICATORS, 1)
    scored = queries.score_districts(queries.scorecard_inputs(area.apply(f)), weights)
    selected = scope.value if scope.kind == "district" else None
    within = _("{district} within {area}").format(district=text.scope_short(scope), area=text.scope_label(area)) \
        if scope.kind == "district" else text.scope_label(area)
    _html(slides.heading(f"{area_name} · {f.period}", slides.wording("scorecard", within=within)))
    right = _area_map(lambda geo, provinces, view: slides.scorecard_map(
        scored, geo, provinces, theme, slides.wording("bands_chart", area=text.scope_label(area), period=f.period),
        view, is_demo=is_demo, selected=selected,
        labelled=slides.labelled_districts(scope, scored, area.district_ids(o))),
        scored, "pr_scorecard", "district-scorecard")
    with right:
        _html(slides.bands_legend(slides.band_counts(scored), slides.band_colours(theme)))
        _html(slides.scorecard_table(scored, theme, highlight=selected))
        if selected:
            own = scored[scored["district_id"] == selected]
            if not own.empty:
                _html(slides.note(f"{text.scope_short(scope)}: {slides.district_verdict(own.iloc[0])}."))
        _html(slides.note(slides.wording("score_note", n=queries.MIN_CASES, indicators=queries.MIN_INDICATORS)))


def slide_findings() -> None:
    data = brief.collect(scope, f, o)
    _html(slides.heading(f"{area_name} · {f.period}", slides.wording("findings")))
    _html(slides.findings_cards(brief.findings(data)))


def slide_sources() -> None:
    _html(slides.heading(f"{area_name} · {f.period}", slides.wording("sources")))
    left, right = st.columns([3, 2], gap="large")
    with left:
        citation = text.citation(status.get("release_id"), time.strftime("%Y-%m-%d"), is_demo=is_demo)
        _html(slides.sources_block(status, f.period, citation))
    with right:
        _html(slides.panel(_("Take it away"), [
            _("A one-page brief for {area}, {period}: headline numbers, a map, the funnel and three findings. It "
              "prints on one A4 page and opens without internet.").format(area=area_name, period=f.period)]))
        _html(slides.qr_block(phone_url))
        share.brief_download(scope, f, key="pr_brief_sources", label=_("Download the briefing pack"),
                             width="stretch")
        geo, provinces = ui.boundary_layer("districts"), ui.boundary_layer("provinces")
        st.download_button(
            _("Download the deck as PowerPoint"),
            deck.deferred(scope, f, o, status, theme, geo, provinces, phone_url),
            deck.filename(scope, f), "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            key="pr_pptx", icon=":material/slideshow:", on_click="ignore", width="stretch",
            help=_("The seven slides as a .pptx, charts as images at projector resolution, sources in the notes "
                   "(built when clicked: about half a minute)."))
        share.copy_link(key="pr_link_sources", label=_("Link to this deck"))


DRAW = {"numbers": slide_numbers, "map": slide_map, "funnel": slide_funnel, "tiers": slide_tiers,
        "scorecard": slide_scorecard, "findings": slide_findings, "sources": slide_sources}

with st.container():
    DRAW[slides.SLIDES[number - 1][0]]()

# Control bar: previous / position / next (also ← →), deck settings, the brief, a link, exit --------------------

controls = st.container(key="pr_controls")
bar = controls.columns([1.3, 2.4, 1.3, 1.3, 1.7, 1.1, 1.2, 1.0], vertical_alignment="center", gap="small")
bar[0].button(_("Previous"), key="pr_prev", icon=":material/arrow_back:", on_click=_go, args=(-1,),
              disabled=number == 1, shortcut="Left", width="stretch", help=_("Previous slide (← key)"))
with bar[1]:
    _html(slides.position(number))
bar[2].button(_("Next"), key="pr_next", icon=":material/arrow_forward:", icon_position="right", on_click=_go,
              args=(1,), disabled=number == N, shortcut="Right", width="stretch", help=_("Next slide (→ key)"))
with bar[3].popover(_("Deck"), icon=":material/tune:", key="pr_settings", width="stretch"):
    choices = {c.token: c for c in scopes.choices(o)}
    tokens = list(choices) if scope.token else ["", *choices]
    ss["pr_scope_pick"] = scope.token or ""

    def _pick_scope() -> None:
        ss["pr_scope"] = ss["pr_scope_pick"] or None

    st.selectbox(_("Area"), tokens, key="pr_scope_pick", on_change=_pick_scope,
                 format_func=lambda t: scopes.picker_label(choices[t]) if t else _("Sidebar selection: {area}").format(
                     area=area_name),
                 help=_("Pakistan, a province, a region (South Punjab), a division or a district."))
    # A new key per period: the slider always starts at the period the shared filters hold.
    years_key = f"pr_years_{f.year_from}_{f.year_to}"

    def _set_period() -> None:
        # Through the URL, which the shared filters read when it differs from what they last wrote.
        lo, hi = ss[years_key]
        st.query_params["years"] = f"{lo}-{hi}" if lo != hi else str(lo)

    st.select_slider(_("Period (year reported)"), options=list(range(o.year_min, o.year_max + 1)),
                     value=(f.year_from, f.year_to), key=years_key, on_change=_set_period)
    st.segmented_control(_("Theme"), list(slides.THEMES), key="pr_theme", required=True,
                         format_func=lambda k: _(slides.THEMES[k].label))
    st.segmented_control(_("Auto-advance"), AUTO_CHOICES, key="pr_auto", required=True,
                         format_func=lambda s: _("Off") if s == 0 else _("{n} s").format(n=s))
    st.caption(_("Keys: ← previous, → next, H hides or shows the controls. F11 for full screen. Slides scale to "
                 "the window. Other filters (offence, victims, agency) come from the dashboard's sidebar."))
share.brief_download(scope, f, key="pr_brief", label=_("Brief (A4)"), width="stretch", where=bar[4])
share.copy_link(key="pr_link", label=_("Link"), where=bar[5])
bar[6].button(_("Hide"), key="pr_hide", icon=":material/visibility_off:", on_click=_toggle_controls, shortcut="h",
              width="stretch", help=_("Hide the controls while presenting (H key shows them again; ← → still work)"))
# Exit keeps the filters and the language, as the sidebar's page links do.
bar[7].page_link("pages/overview.py", label=_("Exit"), icon=":material/close:", query_params=filters.link_params())
with controls:
    # The window's size, reported by the browser (again when it changes): the figures are built to fit it.
    VIEWPORT(key="pr_viewport", data={"size": list(size) if size else None, "plotly": ui.plotly_module_url()},
             on_size_change=lambda: None)

_html(slides.footer(scope, filters_text, number, size, area_warning))

# Auto-advance: a fragment that reruns every few seconds and moves on once the slide has been shown long enough.
if ss.get("_pr_shown", (None, 0))[0] != number:
    ss["_pr_shown"] = (number, time.monotonic())
auto = int(ss["pr_auto"] or 0)
if auto:

    @st.fragment(run_every=auto)
    def _advance() -> None:
        shown_slide, since = ss.get("_pr_shown", (None, 0))
        if shown_slide == ss["pr_slide"] and time.monotonic() - since >= auto - 0.5:
            ss["pr_slide"] = int(ss["pr_slide"]) % N + 1  # the deck loops
            st.rerun(scope="app")

    _advance()

_write("pr_slide", "slide", number)
_write("pr_scope", "area", ss["pr_scope"])
_write("pr_theme", "theme", ss["pr_theme"], slides.DEFAULT_THEME)
_write("pr_auto", "auto", int(ss["pr_auto"] or 0), 0)
_write("pr_controls", "controls", ss["pr_controls"], "on")
