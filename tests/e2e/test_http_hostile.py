"""The running dashboard (`streamlit run` on loopback) against path-traversal and injection requests over HTTP,
and its log checked for the pseudonym key. No browser needed."""

from __future__ import annotations

import http.client
import os
from urllib.parse import urlparse

import pytest

from tests.e2e.browser import SHOTS

TRAVERSALS = [
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/app/static/../../../../etc/passwd",
    "/app/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/media/../../../../etc/passwd",
    "/component/..%2f..%2f..%2fetc%2fpasswd",
    "/_stcore/../../../etc/passwd",
    "/static/../../../../etc/passwd",
    "/hotspots/../../../.streamlit/secrets.toml",
    "/.streamlit/secrets.toml",
    "/data/warehouse.duckdb",
    "/?years=1%27%20OR%201%3D1%20--&district=..%2F..%2Fetc%2Fpasswd&scope=%00",
    "/explore?offence=%27%3B%20DROP%20TABLE%20cases%3B%20--",
]


def get(url: str, path: str) -> tuple[int, bytes]:
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)  # the path is sent exactly as written
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_file_outside_the_app_is_served(app_url, path):
    status, body = get(app_url, path)
    assert status in (200, 301, 302, 400, 403, 404), status
    assert b"root:x:0:0" not in body and b"pseudonym_key" not in body and b"DUCK" not in body[:64]
    if status == 200:
        assert b"<html" in body.lower()[:2000]  # the app's own page, nothing else


def test_the_server_log_holds_no_key(app_url):
    for path in TRAVERSALS:
        get(app_url, path)
    log = SHOTS.parent / "streamlit.log"
    key = os.environ.get("TIP_PSEUDONYM_KEY", "")
    assert key and log.exists()
    assert key not in log.read_text(encoding="utf-8", errors="replace")
