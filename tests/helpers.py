"""Helpers shared by several test modules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

LAYOUTS = Path(__file__).parent / "data" / "layouts"
POLICE_HEADER = ("FIR ID,District,Complaint Date,FIR No,FIR Date,Crime,Sections,Status,Result,Decision Date,"
                 "Victims,Sex,Age,Sentence,Victim Name,CNIC,Mobile,Synthetic Record")


def all_text(con) -> set[str]:
    """Every distinct text value in every table of a warehouse."""
    values: set[str] = set()
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    for table in tables:
        cols = con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND data_type IN ('VARCHAR', 'VARCHAR[]')",
            [table]).fetchall()
        for (col,) in cols:
            for (value,) in con.execute(f'SELECT DISTINCT CAST("{col}" AS VARCHAR) FROM "{table}"').fetchall():
                if value is not None:
                    values.add(value)
    return values


def build_apart(raw: Path, sources: Path, folder: Path, today: dt.date | None = None) -> dict:
    """The real ETL on ``raw`` with the layouts in ``sources``, into a warehouse, ledger, release and reports of
    its own inside ``folder`` (never the session's); returns the build summary."""
    from etl.pipeline import build_warehouse

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIP_SOURCES_DIR", str(sources))
        mp.setenv("TIP_REPORTS_DIR", str(folder / "reports"))
        mp.setenv("TIP_WAREHOUSE", str(folder / "warehouse.duckdb"))
        mp.setenv("TIP_RELEASE_DIR", str(folder / "release"))
        mp.setenv("TIP_LEDGER", str(folder / "ledger.duckdb"))
        return build_warehouse(raw, folder / "warehouse.duckdb", today=today)
