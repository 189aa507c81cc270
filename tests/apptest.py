"""Open a dashboard page the way a shared link does: the URL's query parameters, then the page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def open_page(page: str, params: dict | None = None, timeout: float = 60) -> AppTest:
    """The page run through AppTest with ``params`` in the URL; fails the test on any exception on the page.

    (Widgets drawn by dashboard.py's sidebar are not reachable from AppTest once a page runs, so shared filters are
    set through the URL.)
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, (page, [e.message for e in at.exception])
    return at


def open_in_urdu(page: str, params: dict | None = None, timeout: float = 60) -> AppTest:
    """``page`` at lang=ur with ``params`` in the URL, run through dashboard.py, which sets the run's language.

    (After a first run AppTest's ``switch_page`` runs the page file alone, in English, because the shared filters are
    in the session already; without them the page sends its run through dashboard.py (``ui.current_filters``), as a
    fresh browser session does.)
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in {"lang": "ur", **(params or {})}.items():
        at.query_params[key] = value
    at.run()
    del at.session_state["filters"]
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, (page, [e.message for e in at.exception])
    return at
