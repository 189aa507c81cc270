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
