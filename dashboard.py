"""Entry point: page config, the release guard, the demo banner, the shared filters and the page table."""

from pathlib import Path

import streamlit as st

from tipdash import db, filters, queries, share, text, ui

PAGES = Path(__file__).parent / "pages"

# "auto": the sidebar starts open on wide screens and closed on phones, where it would cover the page.
st.set_page_config(page_title=text.APP_SHORT, page_icon="⚖️", layout="wide", initial_sidebar_state="auto")
ui.narrow_screen_css()

ui.ensure_release()

SECTIONS = {
    "Dashboard": [
        st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(PAGES / "hotspots.py", title="District hotspots", icon=":material/map:"),
        st.Page(PAGES / "conviction_gap.py", title="Conviction gap", icon=":material/gavel:"),
        st.Page(PAGES / "tier_ranking.py", title="Tier ranking", icon=":material/leaderboard:"),
        st.Page(PAGES / "present.py", title="Present (slides)", icon=":material/slideshow:"),
    ],
    "Data": [
        st.Page(PAGES / "explore.py", title="Explore and download", icon=":material/table_view:"),
        st.Page(PAGES / "coverage.py", title="Data coverage", icon=":material/fact_check:"),
        st.Page(PAGES / "about.py", title="About and methods", icon=":material/info:"),
    ],
}
page = st.navigation(SECTIONS, position="hidden")  # the menu is share.page_links: its links keep the filters
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
