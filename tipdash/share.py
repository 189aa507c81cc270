"""Sharing helpers for pages: links between pages that keep the filters, a "copy link" that reproduces the current
view, and the briefing-pack download.

The link is the page's address (``st.context.url``, which Streamlit keeps per page) plus the current query string,
which holds every filter and page choice (see :mod:`tipdash.filters`): pasted into a browser it reopens the same view.
It is shown in a code box with Streamlit's own copy button, so no script or clipboard permission is needed.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from tipdash import brief, db, filters, i18n, scopes, text, ui
from tipdash.filters import FilterOptions, Filters
from tipdash.i18n import _
from tipdash.scopes import Scope


def current_link() -> str:
    """The address that reopens this page with its filters and choices (relative when the host is unknown)."""
    try:
        base = st.context.url or ""
    except Exception:  # no browser session (a test run): a relative link still works on the same host
        base = ""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    query = urlencode(params, doseq=True)
    return f"{base}?{query}" if query else (base or "?")


def page_links(sections: dict[str, list[st.Page]], where) -> None:
    """The page menu: a link per page that carries the filters in its query string.

    Streamlit's own menu drops the query string on a page switch, so the filters had to be written back into the
    URL afterwards, a second history entry per switch (and Back then landed on the page without its filters).
    A link that carries them is one entry, and Back returns to the previous page as it was.
    """
    params = filters.link_params()
    with where:
        for section, pages in sections.items():
            st.caption(section)
            for page in pages:
                st.page_link(page, query_params=params)


def copy_link(key: str = "share_link", label: str | None = None, where=None) -> None:
    """A "copy link" popover: the view's full address, with a copy button, and what it reproduces."""
    container = where if where is not None else st
    with container.popover(label or _("Copy link"), icon=":material/link:", key=key):
        st.markdown("**" + _("Link to this view") + "**")
        st.code(current_link(), language=None, wrap_lines=True)
        st.caption(_("Use the copy button at the right of the box. The link reopens this page with the same "
                     "filters, period and choices."))


@st.cache_data(show_spinner=False, max_entries=64, ttl=6 * 3600)
def _brief_html(version: str, token: str | None, language: str, scope: Scope, f: Filters, generated: str) -> str:
    # version (the warehouse's identity), token and language only key the cache (the brief reads the language
    # from i18n, set for this run); the date keeps "generated" honest.
    return brief.build(scope, f, ui.options(), ui.boundary_layer("districts"), dt.date.fromisoformat(generated))


def brief_html(scope: Scope, f: Filters) -> str:
    return _brief_html(db.version(), scope.token, i18n.language(), scope, f, dt.date.today().isoformat())


def brief_download(scope: Scope, f: Filters, key: str, label: str | None = None, width: str = "content",
                   where=None) -> None:
    """A download button for the one-page briefing pack of ``scope`` (HTML that prints on one A4 page), made when
    the button is clicked: a page that offers it (the district profile, every slide) does not answer the brief's
    questions on every run for a file most visitors never take."""
    container = where if where is not None else st
    container.download_button(
        label or _("Briefing pack: {area}, {period}").format(area=text.scope_label(scope), period=f.period),
        _deferred_brief(scope, f),
        brief.filename(scope, f), "text/html", key=key, icon=":material/description:", on_click="ignore",
        width=width, help=_("One A4 page: headline numbers with change, a map, the funnel, three findings, "
                            "sources and data version. Open it in a browser to print or save as PDF; it needs no "
                            "internet."))


def _deferred_brief(scope: Scope, f: Filters) -> Callable[[], bytes]:
    """:func:`brief_html` as a download's deferred data, in the language of this run: Streamlit calls it when the
    button is clicked, in a server thread where the run's language (a context variable) is not set."""
    language = i18n.language()

    def made() -> bytes:
        return contextvars.Context().run(_brief_in, language, scope, f)

    return made


def _brief_in(language: str, scope: Scope, f: Filters) -> bytes:
    i18n.set_language(language)
    return brief_html(scope, f).encode("utf-8")


def brief_for_district(district_id: str, f: Filters, options: FilterOptions, key: str = "brief_district") -> None:
    """The district profile's brief download (Hotspots page)."""
    scope = scopes.district(district_id, options)
    if scope:
        brief_download(scope, f, key=key)
