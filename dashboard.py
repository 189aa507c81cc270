"""Entry point: page config, the release guard, the demo banner, the shared filters and the page table."""

from pathlib import Path

import streamlit as st

from tipdash import db, filters, i18n, queries, share, text, ui
from tipdash.i18n import _

PAGES = Path(__file__).parent / "pages"

i18n.set_language(filters.url_language())  # first: everything this run draws or builds reads it
# "auto": the sidebar starts open on wide screens and closed on phones, where it would cover the page.
st.set_page_config(page_title=text.APP_SHORT, page_icon="⚖️", layout="wide", initial_sidebar_state="auto")
ui.narrow_screen_css()
ui.language_css()

ui.ensure_release()

SECTIONS = {
    _("Dashboard"): [
        st.Page(PAGES / "overview.py", title=_("Overview"), icon=":material/dashboard:", default=True),
        st.Page(PAGES / "hotspots.py", title=_("District hotspots"), icon=":material/map:"),
        st.Page(PAGES / "conviction_gap.py", title=_("Conviction gap"), icon=":material/gavel:"),
        st.Page(PAGES / "tier_ranking.py", title=_("Tier ranking"), icon=":material/leaderboard:"),
        st.Page(PAGES / "present.py", title=_("Present (slides)"), icon=":material/slideshow:"),
    ],
    _("Data"): [
        st.Page(PAGES / "explore.py", title=_("Explore and download"), icon=":material/table_view:"),
        st.Page(PAGES / "coverage.py", title=_("Data coverage"), icon=":material/fact_check:"),
        st.Page(PAGES / "about.py", title=_("About and methods"), icon=":material/info:"),
    ],
}
page = st.navigation(SECTIONS, position="hidden")  # the menu is share.page_links: its links keep the filters
filters.language_switch()
menu = st.sidebar.container()
ui.demo_banner()
try:
    st.session_state["filters"] = chosen = filters.sidebar(queries.filter_options(), page=page.url_path)
    share.page_links(SECTIONS, where=menu)
    if not (answer := queries.answerable(chosen)).ok:  # say once why case counts are not shown
        st.sidebar.info(answer.reason, icon=":material/filter_alt_off:")
    page.run()
except db.ReleaseUnavailable as exc:  # a release damaged after start: words, not a traceback
    st.error(str(exc), icon=":material/database:")
finally:  # after the page, so the link holds the choices it just wrote to the URL
    share.copy_link(where=st.sidebar)
