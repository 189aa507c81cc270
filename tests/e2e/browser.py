"""Shared by the browser tests: where screenshots go, which Chromium, and how to wait for a page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("TIP_SCREENSHOTS", REPO / "artifacts" / "screenshots"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


def settle(page, timeout: float = 45_000) -> None:
    """Wait until Streamlit has run the script and the charts have stopped appearing.

    Plotly charts mount after the script's status widget has gone, so the count of drawn plots must hold still
    for a while before a page counts as rendered.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state')
                 === 'notRunning'""", timeout=timeout)
    page.wait_for_function(
        """() => {
            const n = document.querySelectorAll('.js-plotly-plot .main-svg, .js-plotly-plot canvas').length;
            const now = Date.now();
            if (window.__plots !== n) { window.__plots = n; window.__since = now; return false; }
            return now - window.__since > 2500;
        }""", timeout=timeout, polling=250)
