"""Browser fixtures: `streamlit run` on loopback against the session warehouse, and headless Debian Chromium.

Every request that leaves the machine is blocked, as in a hall with no internet: what renders here renders offline.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.browser import SHOTS
from tipdash import local_server


@pytest.fixture(scope="session")
def app_url(warehouse, boundaries):
    """A running dashboard on loopback (the warehouse and boundaries of the test session)."""
    port = local_server.free_port()
    log = (SHOTS.parent / "streamlit.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = local_server.start(port, out, dict(os.environ))
        try:
            local_server.wait_healthy(local_server.url(port), proc, timeout=60)
            yield local_server.url(port)
        finally:
            local_server.stop(proc)


@pytest.fixture
def offline_page(browser, app_url):
    """A page whose every request to anything but the app is aborted; records what was blocked."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.blocked = []

    def route(r):
        if r.request.url.startswith(app_url) or r.request.url.startswith(("data:", "blob:")):
            return r.continue_()
        page.blocked.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    yield page
    context.close()

