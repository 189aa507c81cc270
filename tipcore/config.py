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


def warehouse_path() -> Path:
    return _path("TIP_WAREHOUSE", data_dir() / "warehouse.duckdb")


def raw_dir() -> Path:
    return _path("TIP_RAW_DIR", data_dir() / "raw")


def reference_dir() -> Path:
    return _path("TIP_REFERENCE_DIR", REPO_ROOT / "data" / "reference")


def sources_dir() -> Path:
    return _path("TIP_SOURCES_DIR", REPO_ROOT / "etl" / "sources")


def cache_dir() -> Path:
    """Downloads (boundary files) are cached here and reused."""
    return _path("TIP_CACHE_DIR", data_dir() / "cache")


def boundaries_dir() -> Path:
    """Web-ready boundaries live beside the warehouse they belong to."""
    return _path("TIP_BOUNDARIES_DIR", warehouse_path().parent / "boundaries")


def reports_dir(warehouse: Path | None = None) -> Path:
    """Per-run reports for the data officer (may quote raw values, so never published), beside the warehouse."""
    return _path("TIP_REPORTS_DIR", (warehouse or warehouse_path()).parent / "reports")


def secrets_file() -> Path:
    return _path("TIP_SECRETS_FILE", REPO_ROOT / ".streamlit" / "secrets.toml")


# Small-cell protection: counts from 1 to SUPPRESS_BELOW - 1 are shown as "<10".
# CTDC's public releases use 10.
SUPPRESS_BELOW = int(os.environ.get("TIP_SUPPRESS_BELOW", "10"))

# k for the k-anonymity check on quasi-identifiers, recorded in the manifest of every run.
K_ANONYMITY = int(os.environ.get("TIP_K_ANONYMITY", "10"))

# Size of the demo data set written when data/raw/ is empty.
DEMO_CASES = int(os.environ.get("TIP_DEMO_CASES", "50000"))
DEMO_SEED = int(os.environ.get("TIP_DEMO_SEED", "2026"))
