"""Browser fixtures: `streamlit run` on loopback against the session warehouse, and headless Debian Chromium.

Every request that leaves the machine is blocked, as in a hall with no internet: what renders here renders offline.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.e2e.browser import REPO, SHOTS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("streamlit did not become healthy in time")


@pytest.fixture(scope="session")
def app_url(warehouse, boundaries):
    """A running dashboard on loopback (the warehouse and boundaries of the test session)."""
    port = _free_port()
    log = (SHOTS.parent / "streamlit.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


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

