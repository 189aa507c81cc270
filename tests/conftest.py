"""Shared fixtures: a small warehouse built by the real ETL from demo data, and the committed boundary layers.

Every path the code uses is pointed into a temporary folder before any test runs, so the suite never touches
data/ or .streamlit/secrets.toml in the working tree.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TEST_ROOT = Path(tempfile.mkdtemp(prefix="tipdash-tests-"))
DEMO_CASES = 3000
DEMO_SEED = 7

# Set before the project's modules read them.
os.environ.update({
    "TIP_DATA_DIR": str(TEST_ROOT / "data"),
    "TIP_WAREHOUSE": str(TEST_ROOT / "data" / "private" / "warehouse.duckdb"),
    "TIP_RELEASE_DIR": str(TEST_ROOT / "data" / "release"),
    "TIP_RAW_DIR": str(TEST_ROOT / "data" / "raw"),
    "TIP_SECRETS_FILE": str(TEST_ROOT / "secrets.toml"),
    "TIP_PSEUDONYM_KEY": "test-key-not-secret-0123456789abcdef",
    # A copy of the committed layers (data/geo/), so no test can change the committed files.
    "TIP_GEO_DIR": str(shutil.copytree(REPO / "data" / "geo", TEST_ROOT / "geo")),
})


E2E = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(config, items):
    """Every browser test (tests/e2e) is slow: `pytest -m "not slow"` leaves them out of the quick subset."""
    for item in items:
        if E2E in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(TEST_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_raw() -> Path:
    """Synthetic agency exports written by the real demo generator."""
    from etl.demo import write_demo

    raw = Path(os.environ["TIP_RAW_DIR"])
    write_demo(raw, cases=DEMO_CASES, seed=DEMO_SEED)
    return raw


@pytest.fixture(scope="session")
def build_summary(demo_raw) -> dict:
    from etl.pipeline import build_warehouse

    return build_warehouse(demo_raw, Path(os.environ["TIP_WAREHOUSE"]))


@pytest.fixture(scope="session")
def warehouse(build_summary) -> Path:
    """The session's warehouse, built by the real ETL (also the dashboard's, through TIP_WAREHOUSE)."""
    return Path(os.environ["TIP_WAREHOUSE"])


@pytest.fixture(scope="session")
def boundaries() -> Path:
    """The committed web-ready boundary layers (data/geo/), as the dashboard under test reads them."""
    from tipcore.geo import LAYER_FILES, METADATA_FILE

    folder = Path(os.environ["TIP_GEO_DIR"])
    missing = [name for name in (*LAYER_FILES.values(), METADATA_FILE) if not (folder / name).is_file()]
    assert not missing, f"committed boundary layers missing from data/geo/: {missing}"
    return folder


@pytest.fixture
def con(warehouse):
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """st.cache_data and st.cache_resource outlive a test in one process; start each test clean."""
    yield
    try:
        import streamlit as st
    except ImportError:
        return
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session: Playwright's sync API allows one driver at a time."""
    from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
