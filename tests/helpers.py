"""Helpers shared by several test modules."""

from __future__ import annotations

from pathlib import Path

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
