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
from hypothesis import settings

# No test passes or fails on wall-clock time (docs/testing.md), Hypothesis's included: its default 200 ms deadline per
# example failed a matcher test on a loaded machine and under mutmut's trampolines.
settings.register_profile("dashboard", deadline=None)
settings.load_profile("dashboard")

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
# Slow tests of modules that do not mark their own (tests/test_x.py -> test names, or name[parameters]): each
# builds warehouses or starts processes for 10 s or more. Modules may also mark tests with @pytest.mark.slow.
SLOW = {
    "test_dedup.py": {"test_demo_build_merges_only_what_the_generator_repeated",
                      "test_the_same_fir_reported_by_police_and_fia_is_one_case"},
    "test_first_run.py": {"test_first_start_builds_the_warehouse_in_a_process_of_its_own",
                          "test_first_start_draws_district_polygons_from_the_committed_layers"},
    "test_injection.py": {"test_sql_text_never_depends_on_filter_values",
                          "test_every_page_runs_with_hostile_values_in_every_url_key[5]"},
    "test_privacy_attacks.py": {"test_identifiers_in_every_format_and_place_never_reach_any_table",
                                "test_the_pseudonym_key_never_appears_in_logs_reports_tables_pages_or_downloads"},
    "test_release.py": {"test_changing_one_year_renoises_only_that_year_and_adds_its_rho",
                        "test_a_year_at_its_cap_keeps_its_values_frozen",
                        "test_a_rebuild_from_the_same_data_republishes_and_spends_nothing"},
}


def pytest_collection_modifyitems(config, items):
    """The quick subset, `pytest -m "not slow"`, leaves out every browser test (tests/e2e) and the tests in SLOW."""
    for item in items:
        path = Path(str(item.path)).resolve()
        if E2E in path.parents or {item.name, item.originalname} & SLOW.get(path.name, set()):
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
