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
    """Wait until Streamlit has finished running the script and drawing the charts."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')""", timeout=timeout)
    page.wait_for_timeout(1500)
