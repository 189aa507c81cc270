"""Paths and settings, in one place.

Every path is relative to the repository and can be overridden by an environment variable, so the
same code runs from a clone, in CI and on a server.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    return _path("TIP_DATA_DIR", REPO_ROOT / "data")


def private_dir() -> Path:
    """Record-level data (the warehouse, the privacy ledger, run reports): the ETL's alone, never on a web server."""
    return _path("TIP_PRIVATE_DIR", data_dir() / "private")


def warehouse_path() -> Path:
    return _path("TIP_WAREHOUSE", private_dir() / "warehouse.duckdb")


def raw_dir() -> Path:
    return _path("TIP_RAW_DIR", data_dir() / "raw")


def reference_dir() -> Path:
    return _path("TIP_REFERENCE_DIR", REPO_ROOT / "data" / "reference")


def sources_dir() -> Path:
    return _path("TIP_SOURCES_DIR", REPO_ROOT / "etl" / "sources")


def cache_dir() -> Path:
    """Downloads (boundary files) are cached here and reused."""
    return _path("TIP_CACHE_DIR", data_dir() / "cache")


def geo_dir() -> Path:
    """The web-ready boundary layers the maps draw: committed in data/geo/, rebuilt by `python -m etl boundaries`."""
    return _path("TIP_GEO_DIR", REPO_ROOT / "data" / "geo")


def reports_dir(warehouse: Path | None = None) -> Path:
    """Per-run reports for the data officer (may quote raw values, so never published), beside the warehouse."""
    return _path("TIP_REPORTS_DIR", (warehouse or warehouse_path()).parent / "reports")


def secrets_file() -> Path:
    """The ETL's pseudonym key: in the private folder, never where Streamlit would load it into the web process."""
    return _path("TIP_SECRETS_FILE", private_dir() / "secrets.toml")


# Small-cell protection: counts from 1 to SUPPRESS_BELOW - 1 are shown as "<10".
# CTDC's public releases use 10.
SUPPRESS_BELOW = int(os.environ.get("TIP_SUPPRESS_BELOW", "10"))

# k for the k-anonymity check on quasi-identifiers, recorded in the manifest of every run.
K_ANONYMITY = int(os.environ.get("TIP_K_ANONYMITY", "10"))

# Size of the demo data set written when data/raw/ is empty.
DEMO_CASES = int(os.environ.get("TIP_DEMO_CASES", "50000"))
DEMO_SEED = int(os.environ.get("TIP_DEMO_SEED", "2026"))


# The public release ------------------------------------------------------------------------------------------


def release_dir(warehouse: Path | None = None) -> Path:
    """The public release (a Frictionless Data Package): all the dashboard reads, all a web server gets.

    A warehouse built anywhere but the configured place publishes beside itself, as its privacy ledger lives
    beside it: a release and the ledger that accounts for its privacy loss always go together.
    """
    if warehouse is not None and Path(warehouse).resolve() != warehouse_path().resolve():
        return Path(warehouse).parent / "release"
    return _path("TIP_RELEASE_DIR", data_dir() / "release")


def ledger_path(warehouse: Path | None = None) -> Path:
    """The privacy ledger (values released and budget spent per year): private, beside the warehouse."""
    return _path("TIP_LEDGER", (warehouse or warehouse_path()).parent / "privacy_ledger.duckdb")


# Privacy-loss budget of one release, in rho of zero-concentrated differential privacy (zCDP), per report year:
# a case belongs to one report year, so the years' tables compose in parallel. 0.25 is epsilon 3.54 at delta 1e-6
# (OpenDP's conversion); the US Census Bureau's 2020 redistricting data spent rho 2.63 on persons. See docs/privacy.md.
PRIVACY_RHO = float(os.environ.get("TIP_PRIVACY_RHO", "0.25"))
# The most a report year may spend over all releases; once spent, the year's released values are frozen.
PRIVACY_RHO_CAP = float(os.environ.get("TIP_PRIVACY_RHO_CAP", "1.0"))
# The period tables (what happened in each year: FIRs, charge sheets, verdicts, convictions; tipcore/catalogue.py)
# have a budget of their own per event year. One case's loss is at most PRIVACY_RHO + PRIVACY_RHO_PERIOD per release
# (0.30: epsilon 3.9 at delta 1e-6), and at most the two caps over all releases. The period tables are national and
# provincial, where counts are large: 0.05 gives a national yearly count a 95% margin of about 20.
PRIVACY_RHO_PERIOD = float(os.environ.get("TIP_PRIVACY_RHO_PERIOD", "0.05"))
PRIVACY_RHO_PERIOD_CAP = float(os.environ.get("TIP_PRIVACY_RHO_PERIOD_CAP", "0.2"))
# Released values below this are shown as "fewer than 10" (display only: the release keeps the noisy value).
SHOW_BELOW = int(os.environ.get("TIP_SHOW_BELOW", "10"))
# First report year of the release's public domain (the last is the latest year in the data, or TIP_RELEASE_TO).
RELEASE_FROM = int(os.environ.get("TIP_RELEASE_FROM", "2015"))

# The dashboard's public address (e.g. https://tip.example.org), for citations and links that leave the server.
# Unset: citations say that no public address is set rather than guess one.
PUBLIC_URL = os.environ.get("TIP_PUBLIC_URL", "").strip().rstrip("/") or None
