"""Shared page helpers: the release guard, demo banner, headers, charts, tables and downloads.

The table formatter is a plain function so it can be tested without Streamlit; downloads are built by
:mod:`tipdash.downloads` and only rendered here.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from tipcore import config
from tipcore.geo import ATTRIBUTIONS
from tipdash import boundaries, charts, citation, db, downloads, i18n, privacy, queries, text
from tipdash.filters import FilterOptions, Filters
from tipdash.i18n import _

# Release guard ----------------------------------------------------------------------------------------------


# The first build runs as a command of its own, never inside the server: the dashboard does not import the ETL
# (tests/test_architecture.py), and the ETL's worker processes then start from `python -m etl`, not from
# dashboard.py. Same interpreter, same environment (TIP_* settings), run from the repository.
BUILD_COMMAND = (sys.executable, "-m", "etl", "build", "--quiet")
BUILD_POLL_SECONDS = 0.5


@dataclass
class _FirstBuild:
    """The one build process of this server, shared by every session that arrives while it runs."""
    lock: threading.Lock
    process: subprocess.Popen | None = None
    output: IO[bytes] | None = None


@st.cache_resource(show_spinner=False)
def _first_build() -> _FirstBuild:
    return _FirstBuild(threading.Lock())


def ensure_release() -> None:
    """Build the demo warehouse and its release (with visible progress) when there is no release; stop the page
    with a message if that fails."""
    if not db.release_file().exists:
        _build_with_progress()
    problem = db.check()
    if problem:
        st.error(problem, icon=":material/database:")
        st.stop()


def _start_or_join_build() -> subprocess.Popen:
    """The running build, or a new one: one build, however many sessions arrive meanwhile; after a failed build
    the next visit tries again."""
    state = _first_build()
    with state.lock:
        if state.process is None or (state.process.poll() is not None and not db.release_file().exists):
            if state.output is not None:
                state.output.close()
            state.output = tempfile.TemporaryFile()  # noqa: SIM115 - kept open for the sessions that wait
            state.process = subprocess.Popen(BUILD_COMMAND, cwd=config.REPO_ROOT, env=dict(os.environ),
                                             stdin=subprocess.DEVNULL, stdout=state.output, stderr=subprocess.STDOUT)
        return state.process


def _build_output(limit: int = 4000) -> str:
    """What the build command printed (its last ``limit`` characters): a plain message, never a traceback."""
    state = _first_build()
    with state.lock:
        if state.output is None:
            return ""
        data = os.pread(state.output.fileno(), 1 << 20, 0)
    return data.decode("utf-8", errors="replace").strip()[-limit:]


def _build_with_progress() -> None:
    with st.status(_("No data release yet: building it now (synthetic demo data when no agency files are "
                     "present)…"), expanded=True) as box:
        st.caption(_("The first start builds the data once; later starts open it at once. This page continues "
                     "by itself when the build is done."))
        clock = st.empty()
        started = time.monotonic()
        process = _start_or_join_build()
        while process.poll() is None:
            clock.caption(_("Working… {n} s").format(n=f"{time.monotonic() - started:.0f}"))
            time.sleep(BUILD_POLL_SECONDS)
        clock.empty()
        if process.returncode != 0 or not db.release_file().exists:
            box.update(label=_("The data could not be built"), state="error", expanded=True)
            st.error(_("Building the data failed. The build said:"), icon=":material/database:")
            st.text(_build_output() or _("(no message; exit code {code})").format(code=process.returncode))
            st.caption(_("Fix what it names and reload this page, or run `python -m etl build` in a terminal."))
            st.stop()
        box.update(label=_("Data built"), state="complete", expanded=False)


# Page furniture ---------------------------------------------------------------------------------------------


def current_filters() -> Filters:
    """The filters dashboard.py read from the sidebar on this run."""
    if "filters" not in st.session_state:
        _run_through_entrypoint()
    return st.session_state["filters"]


def _run_through_entrypoint() -> None:
    """A page ran without dashboard.py: restart the run through it.

    Because a ``pages/`` folder sits beside dashboard.py, a freshly started Streamlit server treats the app as a
    legacy multipage app until ``st.navigation`` is first called, and a deep link (``/hotspots``) then runs the page
    file on its own. Switching that legacy mode off and rerunning sends the run through dashboard.py.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager  # noqa: PLC0415 - internal, guarded

        PagesManager.uses_pages_directory = False
    except (ImportError, AttributeError):
        pass
    st.rerun()


def options() -> FilterOptions:
    return queries.filter_options()


def status() -> dict:
    return queries.data_status()


def demo_banner() -> None:
    if status()["is_demo"]:
        st.warning(text.DEMO_BANNER, icon=":material/science:")


def page_header(title: str, f: Filters | None = None, intro: str | None = None) -> None:
    st.title(title)
    if intro:
        st.markdown(intro)
    if f is not None:
        st.caption(_("Showing {filters}.").format(filters=f.describe(options())) + " " + text.SUPPRESSION_NOTE)


def stop_if_unanswerable(f: Filters, measure: str = "cases", by: Sequence[str] = ()) -> None:
    """Stop the page with the reason when the release holds no table for these filters (never a guess)."""
    answer = queries.answerable(f, measure, by)
    if not answer.ok:
        st.info(answer.reason, icon=":material/filter_alt_off:")
        st.stop()


def nothing_to_show(f: Filters) -> None:
    st.info(_("No cases match these filters ({filters}). Widen the period or remove a filter in the sidebar.").format(
        filters=f.describe(options())), icon=":material/filter_alt_off:")


def smuggling_note(f: Filters) -> None:
    """Smuggling of migrants is always shown apart from trafficking."""
    n = queries.smuggling_cases(f)
    if n is None:  # the release holds no smuggling count for these filters
        return
    how = text.SMUGGLING_EXPLAINED if f.include_smuggling else \
        _("Switch on “Include smuggling of migrants” to add them.")
    st.caption(f"{text.smuggling_sentence(n, f.include_smuggling)} {how}")


# Figures are built on the server, which does not know the screen's width: what must change on a phone is done
# in the browser, by CSS on Streamlit's and plotly's containers.
NARROW_SCREEN_CSS = """<style>
@media (max-width: 640px) {
  /* The chart toolbar sits over the chart's title on a phone; a tap on a point still shows its values. */
  [data-testid="stPlotlyChart"] .modebar-container { display: none !important; }
}
</style>"""


def narrow_screen_css() -> None:
    """The styles every page needs on a narrow screen (an element that takes no space)."""
    st.html(NARROW_SCREEN_CSS)


# Urdu reads right to left in the bundled Naskh font (declared by the theme, .streamlit/config.toml, and served from
# static/fonts, so tables drawn on a canvas have it too). The font comes first for every element but Streamlit's icons
# (a ligature font, marked translate="no"): its unicode-range covers Arabic script only, so Latin letters and digits
# keep the theme's font. Charts keep their left-to-right axes (plotly draws its own SVG); their words are translated
# by the builders. A tile's value and change are numbers: read left to right ("927 ± 60", "+22.5%"), set at the right.
URDU_CSS = """<style>
html body, body *:not([translate="no"]) {{
  font-family: "{family}", "Source Sans", "Source Sans Pro", sans-serif !important;
}}
[data-testid="stMetricValue"], [data-testid="stMetricDelta"] > div {{ direction: ltr; unicode-bidi: isolate; }}
/* A tile's unit is longer in Urdu ("1.8 فیصدی پوائنٹ" for "1.8 pp"): the value wraps instead of being cut off. */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
/* Streamlit sets headings and some text to the left; in Urdu they start at the right. */
[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3, [data-testid="stMetricValue"],
[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"] {{ text-align: right; }}
[data-testid="stMain"], [data-testid="stSidebar"], [data-testid="stDialog"], [role="tooltip"],
[data-baseweb="popover"], [data-testid="stTooltipContent"] {{ direction: rtl; }}
/* Urdu script needs more line height than Latin for its descenders and dots. */
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"] {{ line-height: 1.9; }}
/* Charts, maps and code (a link) stay left to right. */
[data-testid="stPlotlyChart"], [data-testid="stCode"], [data-testid="stDeckGlJsonChart"] {{ direction: ltr; }}
/* Code that holds an Urdu sentence (a citation to copy), in a container keyed "rtl_...", reads right to left. */
[class*="st-key-rtl_"] [data-testid="stCode"] {{ direction: rtl; }}
</style>"""


def language_css() -> None:
    """In Urdu: the bundled font and right-to-left layout for the whole app (an element that takes no space)."""
    if i18n.is_urdu():
        st.html(URDU_CSS.format(family=i18n.FONT_FAMILY))


def chart(builder: Callable[..., go.Figure], *args, **kwargs) -> go.Figure:
    """``builder(*args, **kwargs)``, built once per warehouse and arguments and shared by every session.

    Building a plotly figure (validating every property) costs more server time than the cached queries behind
    it; with many officials on the same views this keeps a rerun cheap. The figure must not be changed afterwards.
    """
    return _figure(builder.__module__, builder.__qualname__, db.version(), i18n.language(), args, kwargs)


class Layer(dict):
    """A boundary layer (a GeoJSON FeatureCollection) that caches know by name and warehouse version: hashing its
    megabytes of coordinates on every run would cost more than building the map."""

    def __init__(self, data: dict, key: str):
        super().__init__(data)
        self.key = key


@st.cache_resource(show_spinner=False, max_entries=512, hash_funcs={Layer: lambda layer: layer.key})
def _figure(module: str, name: str, version: str, language: str, args: tuple, kwargs: dict) -> go.Figure:
    # version and language only key the cache: the demo stamp depends on the warehouse, the words on the language
    # (the builder reads it from i18n, set for this run).
    fig = getattr(sys.modules[module], name)(*args, **kwargs)
    if status()["is_demo"]:
        charts.mark_demo(fig)
    return fig


def plot(fig, key: str | None = None, filename: str = "tip-dashboard-chart", on_select: str | Callable = "ignore",
         selection_mode: str | Sequence[str] = ("points",)):
    """Every chart goes through here: one modebar/PNG configuration, and the demo stamp when demo data."""
    if status()["is_demo"]:
        charts.mark_demo(fig)
    return st.plotly_chart(fig, key=key, config=charts.plotly_config(filename), on_select=on_select,
                           selection_mode=selection_mode, width="stretch")


@functools.cache
def plotly_module_url() -> str | None:
    """The address of Streamlit's own chunk of plotly.js (its name carries a hash of the build), as its charts
    import it, for a page to load ahead of its first chart; None if this Streamlit has no such file."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return f"./static/js/{found[0].name}" if found else None


@st.cache_resource(show_spinner=False, max_entries=8)
def _layer(name: str, version: str) -> Layer | None:
    # The committed layers (tipcore.config.geo_dir()) are read once per process; version (the warehouse file's
    # identity) is part of the key so figure caches keyed by it stay consistent.
    try:
        data = boundaries.load_layer(name)
    except Exception:  # a damaged boundary file must not break the page: the map falls back to points
        return None
    return Layer(data, f"{name}|{version}") if data else None


def boundary_layer(name: str) -> Layer | None:
    return _layer(name, db.version())


def missing_boundaries_notice(short: bool = False) -> None:
    """Say why a map shows points (or no map); ``short`` when the page has already explained it."""
    if short:
        st.caption(_("Boundary files are not available: districts are drawn as points at their centres."))
        return
    st.info(boundaries.missing_boundaries_message(), icon=":material/map:")


def attributions() -> list[str]:
    return list(ATTRIBUTIONS.values())


def metric(label: str, value: str, delta: str | None = None, help: str | None = None,
           delta_color: str = "normal", delta_description: str | None = None) -> None:
    # "+0.0%" has no digit but zeros: no change, so no green up arrow (Streamlit reads the "+" as a rise).
    unchanged = bool(delta) and not any(c in "123456789" for c in delta)
    st.metric(label, value, delta=delta, help=help, border=True,
              delta_color="off" if unchanged else delta_color, delta_arrow="off" if unchanged else "auto",
              delta_description=delta_description if delta else None)


# Tables -----------------------------------------------------------------------------------------------------

FORMATTERS: dict[str, Callable] = {
    "count": text.count,
    "percent": text.percent,
    "rate": text.rate,
    "months": lambda v: text.months(v),
    "change": text.change_percent,
    "share": lambda v: text.percent(v, missing="–"),
    "text": lambda v: text.NOT_RECORDED if text.is_missing(v) else str(v),
    # A rank or range of ranks, "2–7": read left to right in Urdu too (else "7–2").
    "rank": lambda v: "" if text.is_missing(v) else i18n.isolate(str(v)),
    # A province, division or district name (as the gazetteer spells it) in the language of this run.
    "place": lambda v: text.NOT_RECORDED if text.is_missing(v) else i18n.place(str(v)),
}


def format_table(df: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Strings as people read them: "<10" for small counts, "not available" for missing rates.

    ``columns`` maps a column to (kind, header); kinds are the keys of FORMATTERS, or "count±" and "percent±" for
    the value with its 95% margin (from the column ``<col>_moe``).
    """
    out = pd.DataFrame(index=df.index)
    for col, (kind, header) in columns.items():
        if col not in df:
            continue
        base, with_moe, _unit = kind.partition("±")  # "count±" / "percent±": the value with its 95% margin
        values = [FORMATTERS[base](v) for v in df[col]]
        if with_moe and col + privacy.MOE_SUFFIX in df:
            unit = " pp" if base in ("percent", "change") else ""
            values = [text.with_margin(v, m, unit) for v, m in zip(values, df[col + privacy.MOE_SUFFIX], strict=True)]
        out[header] = values
    return out.reset_index(drop=True)


# Streamlit's table rows and header are 35 px high, plus its 3 px of border.
ROW_PX = 35


def table_height(rows: int, height: int | str) -> int | str:
    """``height`` for a table of ``rows`` rows, or "content" when its rows take less: never empty rows below them."""
    if isinstance(height, int) and ROW_PX * (rows + 1) + 3 <= height:
        return "content"
    return height


def table(df: pd.DataFrame, columns: dict[str, tuple[str, str]], height: int | str = "auto",
          key: str | None = None) -> None:
    """A formatted, read-only table (columns in the order given: put the ones that matter first).

    Columns are as wide as their content, so choose few enough for the space the page gives the table.
    """
    shown = format_table(df, columns)
    st.dataframe(shown, hide_index=True, height=table_height(len(shown), height), key=key,
                 column_config={h: st.column_config.TextColumn(h) for h in shown.columns})


# Downloads --------------------------------------------------------------------------------------------------


def release_citation() -> citation.Citation:
    """The citation of the release being served (its own metadata), accessed today."""
    return citation.for_release(db.package(), dt.date.today())


def notes_for(title: str, f: Filters | None) -> downloads.Download:
    """What a table download covers and how to cite it."""
    return downloads.describe(title, f, options(), release_citation())


def download_buttons(df: pd.DataFrame, what: str, notes: downloads.Download, count_columns: Sequence[str],
                     key: str) -> None:
    """One button per format of :func:`tipdash.downloads.files`; ``what`` is the release table's name (or words
    saying what the table holds), for the file names."""
    if notes.is_demo:
        st.caption(_("Every download carries the note “{note}”").format(note=text.DEMO_NOTE))
    built = downloads.files(df, what, notes, count_columns)
    for column, file in zip(st.columns(len(built)), built, strict=True):
        column.download_button(_("Download {file}").format(file=file.label), file.data, file.name, file.mime,
                               key=f"{key}_{file.name.rsplit('.', 1)[-1]}", icon=":material/download:",
                               on_click="ignore", width="stretch")
